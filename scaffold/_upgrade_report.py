"""What an upgrade or update did, for people (text) and machines (JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

from scaffold.errors import EXIT_CONFLICT, EXIT_OK

Status = Literal["ok", "conflict", "dry-run", "up-to-date"]


@dataclass
class StepReport:
    """One copier update: from one stage (or template version) to the next."""

    from_stage: str
    to_stage: str
    from_version: str
    to_version: str
    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    not_recreated: list[str] = field(default_factory=list)
    #: conflicted files that merged without markers but no longer parse, with the reason
    invalid: dict[str, str] = field(default_factory=dict)


_FILE_LISTS = ("added", "merged", "conflicted", "kept", "removed", "not_recreated")


def _union_of_steps(name: str) -> property:
    """A report property: the sorted union of one file list over all steps."""

    def union(self: UpgradeReport) -> list[str]:
        return sorted({path for step in self.steps for path in getattr(step, name)})

    return property(union, doc=f"``{name}`` of every step, sorted.")


@dataclass
class UpgradeReport:
    """The outcome of ``upgrade_stage`` or ``update_template``.

    File lists are relative to the project directory:

    * ``added``: new files the new stage (or version) brings;
    * ``merged``: existing files the template changed, merged with the user's edits;
    * ``conflicted``: files holding conflict markers to resolve on the branch, or
      merged without markers into a file that no longer parses (``invalid`` says why);
    * ``kept``: files the user edited or created that the template would have
      deleted; scaffold kept them as they were;
    * ``removed``: unedited generated files the new template no longer has;
    * ``not_recreated``: generated files the user deleted or renamed; the template
      still has them but they were left out, as the user decided.
    """

    command: Literal["upgrade", "update"]
    path: str
    status: Status
    from_stage: str
    to_stage: str
    from_version: str
    to_version: str
    branch: str | None = None
    commit: str | None = None
    base_branch: str | None = None
    steps: list[StepReport] = field(default_factory=list)
    diff: str | None = None

    added = _union_of_steps("added")
    merged = _union_of_steps("merged")
    conflicted = _union_of_steps("conflicted")
    kept = _union_of_steps("kept")
    removed = _union_of_steps("removed")
    not_recreated = _union_of_steps("not_recreated")

    @property
    def invalid(self) -> dict[str, str]:
        """Conflicted files that no longer parse, with the reason (the last step's wins)."""
        return {path: why for step in self.steps for path, why in step.invalid.items()}

    @property
    def exit_code(self) -> int:
        # a dry run that would conflict says so with its exit code too
        return EXIT_CONFLICT if self.conflicted else EXIT_OK

    @property
    def next_steps(self) -> list[str]:
        if self.branch is None or self.status in ("dry-run", "up-to-date"):
            return []
        base = self.base_branch or "<your branch>"
        steps = [f"git switch {self.branch}"]
        if self.status == "conflict":
            steps += [
                "fix each conflicted file (look for <<<<<<< and >>>>>>>, or the reason shown)",
                'git commit -am "Resolve template conflicts"',
            ]
        steps += [f"git switch {base}", f"git merge {self.branch}"]
        if self.status == "conflict" and self.to_stage != self.steps[-1].to_stage:
            steps.append(f"run scaffold {self.command} again to continue to {self.to_stage}")
        return steps

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        for name in _FILE_LISTS:
            data[name] = getattr(self, name)
        data["invalid"] = self.invalid
        data["reached_stage"] = self.steps[-1].to_stage if self.steps else self.from_stage
        data["exit_code"] = self.exit_code
        data["next_steps"] = self.next_steps
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def commit_message(self) -> str:
        """One commit for the whole upgrade: a title and the file lists."""
        if self.command == "upgrade":
            title = f"Upgrade to stage {self.steps[-1].to_stage} (template {self.to_version})"
        else:
            title = f"Update template {self.from_version} -> {self.to_version} ({self.to_stage})"
        lines = [title, "", "Made by scaffold; review, resolve any conflicts, then merge.", ""]
        lines += _sections(self)
        return "\n".join(lines).rstrip() + "\n"

    def to_text(self) -> str:
        """The report a person reads in the terminal."""
        reached = self.steps[-1].to_stage if self.steps else self.from_stage
        if self.status == "up-to-date":
            return (
                f"{self.path}: already at template version {self.to_version} "
                f"(stage {self.to_stage}); nothing to do.\n"
            )
        if self.command == "upgrade":
            head = f"Upgrade {self.from_stage} -> {reached} (template {self.to_version})"
        else:
            head = f"Update {self.from_version} -> {self.to_version} (stage {self.to_stage})"
        lines = [head, ""]
        lines += _sections(self)
        if self.status == "dry-run":
            if self.conflicted:
                lines += [f"The upgrade would leave conflicts in {len(self.conflicted)} file(s)."]
            lines += ["Dry run: nothing was changed (no branch, no files)."]
        elif self.status == "conflict":
            lines += [
                f"CONFLICTS in {len(self.conflicted)} file(s). The upgrade is committed, "
                f"conflict markers included, on branch {self.branch}; "
                f"your branch {self.base_branch or '(detached HEAD)'} is untouched.",
                "Next steps:",
                *(f"  {step}" for step in self.next_steps),
            ]
        else:
            lines += [
                f"Committed on branch {self.branch} ({(self.commit or '')[:12]}); "
                f"your branch {self.base_branch or '(detached HEAD)'} is untouched.",
                "Next steps:",
                *(f"  {step}" for step in self.next_steps),
            ]
        return "\n".join(lines).rstrip() + "\n"


_SECTIONS = (
    ("added", "Added"),
    ("merged", "Merged cleanly"),
    ("conflicted", "Conflicted (resolve before merging)"),
    ("kept", "Kept (your edits; the template would have removed them)"),
    ("removed", "Removed (unedited; no longer part of the template)"),
    ("not_recreated", "Left alone (you deleted or moved them; not recreated)"),
)


def _sections(report: UpgradeReport) -> list[str]:
    lines: list[str] = []
    for name, title in _SECTIONS:
        files = getattr(report, name)
        if files:
            lines.append(f"{title}: {len(files)}")
            reasons = report.invalid if name == "conflicted" else {}
            lines += [
                f"  {path}: {reasons[path]}" if path in reasons else f"  {path}" for path in files
            ]
            lines.append("")
    if not lines:
        lines = ["No file changes.", ""]
    return lines
