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
from helpers import build_file_tree, generate, git, init_repo
from synthetic_template import build_synthetic_template

from scaffold import _entry
from scaffold.cli import main as cli
from scaffold.errors import EXIT_INTERRUPTED, EXIT_USER_ERROR

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def template_with_email(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic template with an author_email question that validates, as ours does."""
    root = tmp_path_factory.mktemp("tpl-email") / "template"
    build_synthetic_template(root, tag="")
    question = (
        "author_email:\n  type: str\n  default: a@example.com\n"
        "  validator: \"{% if '@' not in author_email %}author_email must look like "
        'name@domain{% endif %}"\n'
    )
    with (root / "copier.yml").open("a") as config:
        config.write(question)
    git(root, "commit", "-qam", "ask for an e-mail")
    return root


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


# ---------------------------------------------------------------------------
# Item 6 (and 15): destinations ``new`` cannot use are refused up front
# ---------------------------------------------------------------------------


def new(template: Path, dest: Path | str) -> int:
    return cli(["new", str(dest), "--stage", "a", "--defaults", "--template", str(template)])


def assert_one_line(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("scaffold: error: "), err
    for word in words:
        assert word in err, err


def test_new_refuses_a_symlink_to_an_empty_directory(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")

    assert new(template, tmp_path / "link") == EXIT_USER_ERROR
    assert_one_line(capsys, "symlink", str(tmp_path / "real"))
    assert sorted(os.listdir(tmp_path)) == ["link", "real"] and not os.listdir(tmp_path / "real")


def test_new_refuses_a_dangling_symlink(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "gone")

    assert new(template, tmp_path / "link") == EXIT_USER_ERROR
    assert_one_line(capsys, "dangling symlink")
    assert os.listdir(tmp_path) == ["link"]


def test_new_refuses_a_name_over_the_file_system_limit(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(template, tmp_path / ("x" * 250)) == EXIT_USER_ERROR
    assert_one_line(capsys, "too long")
    assert os.listdir(tmp_path) == []


def test_new_says_a_file_destination_is_a_file(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "repo").write_text("mine")
    assert new(template, tmp_path / "repo") == EXIT_USER_ERROR
    assert_one_line(capsys, "is a file")
    assert (tmp_path / "repo").read_text() == "mine"


def test_new_refuses_a_mount_point(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mount = tmp_path / "mnt"
    mount.mkdir()
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == mount or real_ismount(p))

    assert new(template, mount) == EXIT_USER_ERROR
    assert_one_line(capsys, "mount point")
    assert os.listdir(tmp_path) == ["mnt"]


def test_new_reports_an_unwritable_parent_in_one_line(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parent = tmp_path / "ro"
    parent.mkdir(mode=0o555)
    if os.access(parent, os.W_OK):  # root writes anywhere: make the refusal come from the OS

        def refuse(*args: object, **kwargs: object) -> str:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr("scaffold.new.tempfile.mkdtemp", refuse)

    assert new(template, parent / "repo") == EXIT_USER_ERROR
    assert_one_line(capsys, "cannot create")
    assert os.listdir(parent) == []


def test_new_keeps_an_empty_destinations_mode_and_group(template: Path, tmp_path: Path) -> None:
    dest = tmp_path / "repo"
    dest.mkdir()
    os.chmod(dest, 0o2750)
    group = os.getgid() if os.getuid() else 4242
    os.chown(dest, -1, group)

    assert new(template, dest) == 0
    assert oct(dest.stat().st_mode & 0o7777) == oct(0o2750)
    assert dest.stat().st_gid == group


# ---------------------------------------------------------------------------
# Item 7: a malformed copier.yml in --template
# ---------------------------------------------------------------------------


@pytest.fixture
def broken_template(tmp_path: Path) -> Path:
    root = build_file_tree(
        tmp_path / "broken", {"copier.yml": "stage: [a, b\n", "templates/a/README.md": "x\n"}
    )
    init_repo(root)
    return root


@pytest.fixture
def generated(template: Path, tmp_path: Path) -> Path:
    return generate(template, tmp_path / "generated", "a")


def test_new_with_a_malformed_copier_yml_is_one_line(
    broken_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(broken_template, tmp_path / "repo") == EXIT_USER_ERROR
    assert_one_line(capsys, "copier.yml", "line")
    assert not (tmp_path / "repo").exists()


def test_upgrade_with_a_malformed_copier_yml_is_one_line(
    broken_template: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["upgrade", str(generated), "--template", str(broken_template)]) == EXIT_USER_ERROR
    assert_one_line(capsys, "copier.yml")


def test_adopt_with_a_malformed_copier_yml_is_one_line(
    broken_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = init_repo(build_file_tree(tmp_path / "plain", {"README.md": "x\n"}))
    argv = ["adopt", str(plain), "--stage", "a", "--template", str(broken_template)]
    assert cli(argv) == EXIT_USER_ERROR
    assert_one_line(capsys, "copier.yml")


# ---------------------------------------------------------------------------
# Item 8: a branch named like the result branch's directory
# ---------------------------------------------------------------------------


def test_upgrade_refuses_when_a_branch_named_scaffold_exists(
    generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(generated, "branch", "scaffold")
    refs = git(generated, "for-each-ref")

    assert cli(["upgrade", str(generated)]) == EXIT_USER_ERROR
    assert_one_line(capsys, "branch scaffold", "git branch -m scaffold")
    assert git(generated, "for-each-ref") == refs


def test_adopt_refuses_when_a_branch_named_scaffold_exists(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = init_repo(build_file_tree(tmp_path / "plain", {"README.md": "x\n"}))
    git(plain, "branch", "scaffold")

    argv = ["adopt", str(plain), "--stage", "a", "--template", str(template)]
    assert cli(argv) == EXIT_USER_ERROR
    assert_one_line(capsys, "branch scaffold")


# ---------------------------------------------------------------------------
# Item 9: a blank description in pyproject.toml
# ---------------------------------------------------------------------------


def test_adopt_with_a_blank_description_works(template: Path, tmp_path: Path) -> None:
    plain = init_repo(
        build_file_tree(
            tmp_path / "plain",
            {"pyproject.toml": '[project]\nname = "demo"\ndescription = " "\n'},
        )
    )
    argv = ["adopt", str(plain), "--stage", "a", "--template", str(template), "--dry-run"]
    assert cli(argv) == 0


# ---------------------------------------------------------------------------
# Item 13: a repo generated from another copier template
# ---------------------------------------------------------------------------


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    answers = "_commit: 1.0.0\n_src_path: gh:someone/other-template\nproject: demo\n"
    return init_repo(build_file_tree(tmp_path / "foreign", {".copier-answers.yml": answers}))


@pytest.mark.parametrize("command", ["adopt", "upgrade"])
def test_a_repo_from_another_copier_template_is_named_with_the_way_out(
    foreign: Path, template: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, str(foreign), "--template", str(template)]
    if command == "adopt":
        argv += ["--stage", "a"]
    assert cli(argv) == EXIT_USER_ERROR
    assert_one_line(capsys, "another copier template", "gh:someone/other-template", "git mv")


def test_the_way_out_for_another_template_works(
    foreign: Path, template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(foreign, "mv", ".copier-answers.yml", ".copier-answers.other.yml")
    git(foreign, "commit", "-qm", "keep the other template's answers aside")
    argv = ["adopt", str(foreign), "--stage", "a", "--template", str(template)]
    assert cli(argv) == 0


# ---------------------------------------------------------------------------
# Item 14: where an inferred answer came from, and how to override it
# ---------------------------------------------------------------------------


def test_an_inferred_bad_email_names_its_source_and_the_override(
    template_with_email: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = '[project]\nname = "demo"\nauthors = [{name = "A", email = "not-an-email"}]\n'
    plain = init_repo(build_file_tree(tmp_path / "plain", {"pyproject.toml": pyproject}))
    argv = ["adopt", str(plain), "--stage", "a", "--template", str(template_with_email)]

    assert cli(argv) == EXIT_USER_ERROR
    assert_one_line(capsys, "pyproject.toml", "--data author_email=")


def test_a_package_name_derived_from_the_directory_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = init_repo(build_file_tree(tmp_path / "2024-churn", {"README.md": "x\n"}))
    argv = ["adopt", str(plain), "--stage", "data-centric", "--template", str(ROOT), "--dry-run"]

    assert cli(argv) == EXIT_USER_ERROR
    assert_one_line(capsys, "'2024-churn'", "directory name", "--data package_name=")


def test_setup_py_name_is_read_from_the_setup_call(tmp_path: Path) -> None:
    from scaffold.adopt import infer_answers

    setup = 'author_name = "Alice"\n\nsetup(\n    name="churn-model",\n    author=author_name,\n)\n'
    repo = build_file_tree(tmp_path / "repo", {"setup.py": setup})
    assert infer_answers(repo)["project_name"] == "churn-model"


# ---------------------------------------------------------------------------
# Item 15: messages that point the right way
# ---------------------------------------------------------------------------


def test_upgrade_from_a_subdirectory_names_the_project_root(
    generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["upgrade", str(generated / "src")]) == EXIT_USER_ERROR
    assert_one_line(capsys, f"the project root is {generated}")


@pytest.mark.parametrize(
    "argv", [["new"], ["upgrade", "--to"], ["nope"], ["check", "--format", "xml"]]
)
def test_usage_errors_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(argv)
    assert exited.value.code == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "--help" in err, err


@pytest.mark.parametrize("package", ["os", "json", "pandas", "sklearn"])
def test_a_package_name_shadowing_stdlib_or_a_dependency_is_refused(
    tmp_path: Path, package: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "new",
        str(tmp_path / "repo"),
        "--stage",
        "data-centric",
        "--defaults",
        "--template",
        str(ROOT),
        "--data",
        f"package_name={package}",
    ]
    assert cli(argv) == EXIT_USER_ERROR
    assert_one_line(capsys, "shadows")
    assert os.listdir(tmp_path) == []
