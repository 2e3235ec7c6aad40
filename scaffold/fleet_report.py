"""Render a ``FleetReport``: a text table, JSON, Markdown, or one self-contained HTML page."""

from __future__ import annotations

import html
import json
from typing import Any

from scaffold.fleet import FleetReport, RepoStatus
from scaffold.stages import STAGES

FLEET_FORMATS = ("table", "json", "markdown", "html")

COLUMNS = (
    "repo",
    "group",
    "declared",
    "met",
    "required",
    "template",
    "behind",
    "failing",
    "result",
)


def _version(repo: RepoStatus) -> str:
    return repo.version or "-"


def _behind(repo: RepoStatus) -> str:
    return "?" if repo.behind is None and repo.version else str(repo.behind or 0)


def _failing(repo: RepoStatus, limit: int | None = None) -> str:
    ids = [id_ for id_, _ in repo.failing]
    if limit is not None and len(ids) > limit:
        ids = [*ids[:limit], f"+{len(ids) - limit} more"]
    return ", ".join(ids) or "-"


def _result(repo: RepoStatus) -> str:
    if repo.breach:
        return "BREACH: " + "; ".join(repo.breaches)
    if repo.kind == "managed":
        return "ok"
    return f"{repo.kind}: {repo.error}" if repo.error else repo.kind


def rows(report: FleetReport, limit: int | None = None) -> list[tuple[str, ...]]:
    """One tuple of cells per repo, in ``COLUMNS`` order (at most ``limit`` failing IDs)."""
    return [
        (
            repo.name,
            repo.group or "-",
            repo.declared_stage or "-",
            (repo.met_stage or "none") if repo.kind != "not-git" else "-",
            repo.required_stage or "-",
            _version(repo),
            _behind(repo) if repo.version else "-",
            _failing(repo, limit),
            _result(repo),
        )
        for repo in report.repos
    ]


def _summary_lines(report: FleetReport) -> list[str]:
    summary = report.summary()
    kinds = ", ".join(f"{n} {kind}" for kind, n in summary["kinds"].items() if n)
    met = ", ".join(f"{stage} {n}" for stage, n in summary["met_stage"].items())
    lines = [
        f"repos: {summary['repos']} ({kinds})",
        f"repos per stage met: {met}",
        f"behind the newest template: {summary['behind_newest']}",
        f"policy breaches: {summary['breaches']}",
    ]
    if summary["most_failed"]:
        failed = ", ".join(f"{c['id']} ({c['repos']})" for c in summary["most_failed"])
        lines.append(f"most failed checks: {failed}")
    for source, newest in report.newest.items():
        lines.append(f"newest template version: {newest or 'unknown'} ({source})")
    return lines


def format_table(report: FleetReport) -> str:
    table = [COLUMNS, *rows(report, limit=4)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS) - 1)]
    out = []
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join([*out, "", *_summary_lines(report)])


def format_json(report: FleetReport) -> str:
    return json.dumps(report.to_dict(), indent=2)


def _md(cell: str) -> str:
    return cell.replace("|", "\\|")


def format_markdown(report: FleetReport) -> str:
    out = ["# Fleet report", ""]
    out += [f"- {line}" for line in _summary_lines(report)]
    out += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows(report)]
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}tr.breach td{background:#ffebe9}tr.ok td.result{color:#1a7f37}
ul.summary{line-height:1.5}table#stages{width:auto;margin-bottom:1rem}.bar{display:inline-block;height:.8rem;background:#0969da}
"""


def format_html(report: FleetReport) -> str:
    """One page, inline CSS, no script and no external resource."""
    esc = html.escape
    summary = report.summary()
    items = "".join(f"<li>{esc(line)}</li>" for line in _summary_lines(report))
    largest = max([1, *summary["met_stage"].values()])
    stages = "".join(
        f'<tr><td>{esc(stage)}</td><td class="count">{n}</td>'
        f'<td><span class="bar" style="width:{12 * n / largest:.2f}rem"></span></td></tr>'
        for stage, n in summary["met_stage"].items()
    )
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    body = []
    for repo, row in zip(report.repos, rows(report), strict=True):
        cls = "breach" if repo.breach else ("ok" if repo.kind == "managed" else repo.kind)
        cells = "".join(
            f'<td class="{esc(col)}">{esc(cell)}</td>'
            for col, cell in zip(COLUMNS, row, strict=True)
        )
        body.append(f'<tr class="{cls}" data-repo="{esc(repo.name)}">{cells}</tr>')
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        "<title>Fleet report</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>Fleet report</h1>"
        f'<ul class="summary">{items}</ul>'
        f'<table id="stages"><tr><th>stage met</th><th>repos</th><th></th></tr>{stages}</table>'
        f'<h2>Repositories</h2><table id="fleet"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        "</body></html>\n"
    )


def format_fleet(report: FleetReport, fmt: str = "table") -> str:
    formats: dict[str, Any] = {
        "table": format_table,
        "json": format_json,
        "markdown": format_markdown,
        "html": format_html,
    }
    return formats[fmt](report)


__all__ = ["FLEET_FORMATS", "STAGES", "format_fleet", "rows"]
