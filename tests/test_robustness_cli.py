"""Issue 12, the command line: every failure is one line and a documented exit code.

Interruptions (Ctrl-C while loading or at a prompt, SIGTERM, SIGHUP) exit 130 and
leave nothing behind; bad destinations, templates and branch names exit 2.
"""

from __future__ import annotations

import importlib.abc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_template import build_synthetic_template

from scaffold import _entry
from scaffold.cli import main as cli
from scaffold.errors import EXIT_INTERRUPTED

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_synthetic_template(tmp_path_factory.mktemp("tpl") / "template")


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300
    )


# ---------------------------------------------------------------------------
# Item 12: interruptions
# ---------------------------------------------------------------------------


class _InterruptImport(importlib.abc.MetaPathFinder):
    """Raise KeyboardInterrupt when ``scaffold.cli`` is imported, as a Ctrl-C would."""

    def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
        if name == "scaffold.cli":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_while_the_command_loads_is_one_line_and_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "scaffold.cli")
    monkeypatch.setattr(sys, "meta_path", [_InterruptImport(), *sys.meta_path])

    assert _entry.main(["--version"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "scaffold: interrupted; nothing on disk was changed\n"


def test_the_console_script_loads_lazily() -> None:
    """``import scaffold`` must not load copier: that is where a Ctrl-C would be lost."""
    proc = run_python("import sys, scaffold, scaffold._entry; print('copier' in sys.modules)", ROOT)
    assert proc.stdout.strip() == "False", proc.stderr


def test_ctrl_c_at_a_prompt_exits_130_without_a_dump(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import copier
    from copier.errors import CopierAnswersInterrupt

    def interrupted(*args: object, **kwargs: object) -> None:
        raise CopierAnswersInterrupt({"x" * 2000: 1}, None, None)  # type: ignore[arg-type]

    monkeypatch.setattr(copier, "run_copy", interrupted)
    dest = tmp_path / "new"

    code = cli(["new", str(dest), "--stage", "a", "--template", str(template)])

    assert code == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "xxxx" not in err
    assert sorted(os.listdir(tmp_path)) == []


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_stop_signal_during_new_leaves_nothing_behind(
    template: Path, tmp_path: Path, signame: str
) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    code = f"""
import os, signal, sys
import scaffold.new as new
render = new.render_template
def render_then_stop(*args, **kwargs):
    out = render(*args, **kwargs)
    os.kill(os.getpid(), signal.{signame})
    return out
new.render_template = render_then_stop
from scaffold.cli import main
sys.exit(main(["new", {str(parent / "repo")!r}, "--stage", "a", "--defaults",
               "--template", {str(template)!r}]))
"""
    proc = run_python(code, ROOT)

    assert proc.returncode == EXIT_INTERRUPTED, proc.stderr
    assert "Traceback" not in proc.stderr
    assert os.listdir(parent) == []
