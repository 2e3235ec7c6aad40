"""Render a ``CheckReport`` as a text table, JSON or Markdown."""

from __future__ import annotations

import json
import textwrap

from scaffold.check._runner import CheckReport, CheckResult
from scaffold.stages import STAGE_TABLE

FORMATS = ("table", "json", "markdown")
_MARK = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "ignored": "IGN "}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _summary(report: CheckReport) -> list[str]:
    declared = report.declared_stage or "none (no .copier-answers.yml stage)"
    lines = [
        f"declared stage: {declared}",
        f"met stage:      {report.met_stage or 'none'}",
    ]
    if report.next_stage:
        if not report.results_for(report.next_stage):
            missing = "not checked (none of its checks selected)"
        else:
            missing = ", ".join(r.id for r in report.missing) or "nothing"
        lines.append(f"missing for {report.next_stage}: {missing}")
    if report.declared_met is True:
        lines.append(f"result: the declared stage {report.declared_stage} is met")
    elif report.declared_met is False:
        lines.append(f"result: the declared stage {report.declared_stage} is NOT met")
    if report.organisation_failures:
        failing = ", ".join(r.id for r in report.organisation_failures)
        lines.append(f"organisation checks failing: {failing}")
    return lines


def format_table(report: CheckReport) -> str:
    out = [f"scaffold check {report.path}", ""]
    for stage in STAGE_TABLE:
        results = report.results_for(stage.name)
        if not results:
            continue
        out.append(f"{stage.title} ({stage.family}): {stage.question}")
        for result in results:
            out.append(f"  {_MARK[result.status]}  {result.id}  {result.title}")
            if (result.message and not result.ok) or result.status == "ignored":
                wrapped = textwrap.wrap(_one_line(result.message), width=88)
                out.extend(f"              {line}" for line in wrapped)
        out.append("")
    others = _organisation(report)
    if others:
        out.append("Organisation checks")
        for result in others:
            out.append(f"  {_MARK[result.status]}  {result.id}  {result.title}")
            if result.message and not result.ok:
                wrapped = textwrap.wrap(_one_line(result.message), width=88)
                out.extend(f"              {line}" for line in wrapped)
        out.append("")
    out.extend(_summary(report))
    return "\n".join(out)


def _organisation(report: CheckReport) -> tuple[CheckResult, ...]:
    """Results of checks outside the stages (organisation plugins and profile)."""
    stages = {stage.name for stage in STAGE_TABLE}
    return tuple(r for r in report.results if r.stage not in stages)


def format_json(report: CheckReport) -> str:
    return json.dumps(report.to_dict(), indent=2)


def _md_cell(result: CheckResult) -> str:
    return _one_line(result.message).replace("|", "\\|")


def format_markdown(report: CheckReport) -> str:
    out = [f"# scaffold check: `{report.path.name}`", ""]
    out.extend(f"- {line}" for line in _summary(report))
    out.append("")
    for stage in STAGE_TABLE:
        results = report.results_for(stage.name)
        if not results:
            continue
        out += [f"## {stage.title}", "", f"_{stage.question}_", ""]
        out += ["| | ID | check | details |", "|---|---|---|---|"]
        for result in results:
            mark = _MARK[result.status].strip()
            out.append(f"| {mark} | {result.id} | {result.title} | {_md_cell(result)} |")
        out.append("")
    others = _organisation(report)
    if others:
        out += ["## Organisation checks", "", "| | ID | check | details |", "|---|---|---|---|"]
        out += [
            f"| {_MARK[r.status].strip()} | {r.id} | {r.title} | {_md_cell(r)} |" for r in others
        ]
        out.append("")
    return "\n".join(out)


def format_report(report: CheckReport, fmt: str = "table") -> str:
    """The report as ``table`` (for people), ``json`` (for tools) or ``markdown``."""
    return {"table": format_table, "json": format_json, "markdown": format_markdown}[fmt](report)
