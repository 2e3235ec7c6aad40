"""The HTML fleet report in a real browser: Debian's headless Chromium loads the page
(offline, from a file) and the table is read back from the DOM it built."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import build_file_tree, git

from scaffold.cli import main
from scaffold.profile import PROFILE_ENV

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
)

ANSWERS = "_commit: v1.0.0\n_src_path: /nowhere\nstage: data-centric\nci_provider: github\n"


class DomTable(HTMLParser):
    """The cells of ``<table id="fleet">`` and every tag the browser's DOM holds."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.row_classes: list[str] = []
        self.tags: set[str] = set()
        self._inside = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "table":
            self._inside = ("id", "fleet") in attrs
        elif self._inside and tag == "tr":
            self.rows.append([])
            self.row_classes.append(dict(attrs).get("class") or "")
        elif self._inside and tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def chromium(*args: str, profile_dir: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu"]
    command += [f"--user-data-dir={profile_dir}", "--no-first-run", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture
def report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, dict]:
    """A small fleet's HTML report on disk, and its JSON report."""
    monkeypatch.delenv(PROFILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    fleet = tmp_path / "fleet"
    repos = {
        "team-a": {".copier-answers.yml": ANSWERS, "CODEOWNERS": "* @acme/a\n"},
        "team-<b>": {".copier-answers.yml": ANSWERS},  # markup in a name stays text
        "legacy": {"README.md": "# legacy\n"},
    }
    for name, files in repos.items():
        build_file_tree(fleet / name, files)
        git(fleet / name, "init", "--quiet")
    (fleet / "notes").mkdir()
    page = tmp_path / "fleet.html"
    html = ["fleet", "check", "--root", str(fleet), "-q", "--format", "html", "-o", str(page)]
    assert main(html) == 1  # team-<b> breaks its declared stage
    capsys.readouterr()
    assert main(["fleet", "check", "--root", str(fleet), "-q", "--format", "json"]) == 1
    return page, json.loads(capsys.readouterr().out)


def test_chromium_renders_the_fleet_table(report: tuple[Path, dict], tmp_path: Path) -> None:
    page, expected = report
    proc = chromium("--dump-dom", page.as_uri(), profile_dir=tmp_path / "chromium")
    assert proc.returncode == 0, proc.stderr
    dom = DomTable()
    dom.feed(proc.stdout)
    assert "tbody" in dom.tags and "script" not in dom.tags
    header, *rows = dom.rows
    assert header == [
        *("repo", "group", "declared", "met", "required"),
        *("template", "behind", "failing", "result"),
    ]
    assert [row[0] for row in rows] == [repo["name"] for repo in expected["repos"]]
    cells = {row[0]: row for row in rows}
    assert cells["team-<b>"][2:5] == ["data-centric", "none", "data-centric"]
    assert cells["team-<b>"][8].startswith("BREACH: data-centric required, none met")
    assert cells["legacy"][8] == "foreign"
    assert cells["notes"][8] == "not-git: not a git repository"
    classes = dict(zip([row[0] for row in rows], dom.row_classes[1:], strict=True))
    assert classes["team-<b>"] == "breach" and classes["notes"] == "not-git"


def test_chromium_screenshot(report: tuple[Path, dict], tmp_path: Path) -> None:
    page, _ = report
    shot = tmp_path / "fleet.png"
    proc = chromium(
        f"--screenshot={shot}", "--window-size=1200,700", page.as_uri(), profile_dir=tmp_path / "c"
    )
    assert proc.returncode == 0, proc.stderr
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
