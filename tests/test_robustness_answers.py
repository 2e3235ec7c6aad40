"""Issue 12, item 3: any answer that passes copier.yml's validators renders valid files.

Free-text answers (project name, description, author) land in TOML, Python string
literals and docstrings, and Markdown. Hypothesis draws printable one-line answers
and e-mail addresses the validators accept; every stage is rendered with them and
every generated TOML, YAML, JSON and Python file must parse.
"""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from scaffold.errors import UserError
from scaffold.new import create_repo
from scaffold.stages import STAGES

ROOT = Path(__file__).resolve().parents[1]

# Characters of every kind a person might type or paste: quotes, backslashes and,
# now and then, a line break or tab (which the validators must refuse).
typed = st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]) | st.sampled_from(
    ['"', "'", "\\", "\n", "\r", "\t", "#", "{", "}", ":"]
)
one_line = st.text(typed, min_size=1, max_size=24).filter(lambda s: s.strip())
local = st.text(
    st.characters(categories=["L", "N"]) | st.sampled_from(list(".+-_'!#$%&*/=?^`{|}~\"\\ ")),
    min_size=1,
    max_size=10,
)
label = st.text(st.characters(categories=["L", "N"]) | st.just("-"), min_size=1, max_size=8)
email = st.builds(lambda a, b, c: f"{a}@{b}.{c}", local, label, label)

answers = st.fixed_dictionaries(
    {
        "project_name": one_line,
        "description": one_line,
        "author_name": one_line,
        "author_email": email,
    }
)


def parse(path: Path) -> None:
    """Parse ``path`` by its kind; raises when a generated file is invalid."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        tomllib.loads(text)
    elif path.suffix in {".yaml", ".yml"} or path.name == ".copier-answers.yml":
        list(yaml.safe_load_all(text))
    elif path.suffix in {".json", ".ipynb"}:
        json.loads(text)
    elif path.suffix == ".py":
        ast.parse(text, filename=str(path))


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@given(data=answers)
def test_every_file_parses_whatever_the_answers(
    stage: str, data: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    dest = tmp_path_factory.mktemp("answers") / "repo"
    try:
        create_repo(
            dest,
            stage,
            data={**data, "package_name": "pkg"},
            defaults=True,
            template=str(ROOT),
            vcs_ref="HEAD",
            git=False,
        )
    except UserError as exc:  # answers the validators refuse are not this test's subject
        assert "Validation error" in str(exc), exc
        reject()

    for path in sorted(dest.rglob("*")):
        if path.is_file():
            try:
                parse(path)
            except Exception as exc:  # any parser error: say which file, with the answers
                pytest.fail(f"{path.relative_to(dest)} does not parse with {data!r}: {exc}")
    assert (dest / "README.md").read_text(encoding="utf-8").splitlines()[0] == (
        f"# {data['project_name']}"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("project_name", "Two\nlines"),
        ("description", "Ends with\ra carriage return"),
        ("author_name", "Tab\there"),
        ("author_email", 'a"b@example.com'),
        ("author_email", "a b@example.com"),
    ],
)
def test_multi_line_and_unquotable_answers_are_refused(
    key: str, value: str, tmp_path: Path
) -> None:
    with pytest.raises(UserError, match=key):
        create_repo(
            tmp_path / "repo",
            "data-centric",
            data={key: value, "package_name": "pkg"},
            defaults=True,
            template=str(ROOT),
            vcs_ref="HEAD",
            git=False,
        )
    assert not (tmp_path / "repo").exists()
