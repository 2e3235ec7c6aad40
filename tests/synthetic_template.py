"""A small three-stage template (a -> b -> c) built on the fly, as copier's own tests do.

Stage b extends and includes stage a's files through named blocks, renames one
file and drops another; stage c adds to b. Tests and benchmarks of the upgrade
engine use it where the real templates would be slow or would hide a case.
"""

from __future__ import annotations

from pathlib import Path

from helpers import build_file_tree, commit_all, git, init_repo

_COPIER_YML = """\
_subdirectory: "templates/{{ stage }}"
_templates_suffix: .jinja
_answers_file: .copier-answers.yml
project_name:
  type: str
  default: Demo project
package_name:
  type: str
  default: demo
stage:
  type: str
  default: a
  choices: [a, b, c]
"""

_ANSWERS = "{{ _copier_answers | to_nice_yaml -}}\n"

_STAGE_A = {
    "README.md.jinja": """\
        # {{ project_name }}

        Describe your project here.

        ## Stage
        {% block readme_stage %}
        Stage a: data only.
        {% endblock %}
        """,
    "pyproject.toml.jinja": """\
        [project]
        name = "{{ package_name }}"
        dependencies = [
        {%- block dependencies %}
            "pandas>=2",
        {%- endblock %}
            # Your own dependencies below
        ]
        """,
    "params.yaml.jinja": """\
        seed: 42
        sample_rows: 1000
        {% block params %}{% endblock %}
        """,
    "src/{{ package_name }}/schema.py.jinja": """\
        \"\"\"The data contract.\"\"\"

        COLUMNS = {
            "id": "int",
            "amount": "float",
            # Your own columns below
        }
        """,
    "src/{{ package_name }}/cli.py.jinja": """\
        \"\"\"Command line.\"\"\"

        COMMANDS = [
        {%- block cli_commands %}
            "ingest",
            "validate",
        {%- endblock %}
        ]


        def main() -> None:
            print(COMMANDS)
        """,
    "src/{{ package_name }}/legacy.py": '"""Helpers kept for stage a only."""\n\nVALUE = 1\n',
    "notebooks/explore.md": "# Exploration\n\nNotes about the data.\n",
    "{{ _copier_conf.answers_file }}.jinja": _ANSWERS,
}

_STAGE_B = {
    "README.md.jinja": """\
        {% extends "templates/a/README.md.jinja" %}
        {% block readme_stage %}
        {{ super() }}
        Stage b: models.
        {% endblock %}
        """,
    "pyproject.toml.jinja": """\
        {% extends "templates/a/pyproject.toml.jinja" %}
        {% block dependencies %}{{ super() }}
            "scikit-learn>=1.5",
        {%- endblock %}
        """,
    "params.yaml.jinja": """\
        {% extends "templates/a/params.yaml.jinja" %}
        {% block params %}
        train:
          n_estimators: 100
        {% endblock %}
        """,
    "src/{{ package_name }}/schema.py.jinja": (
        '{% include "templates/a/src/{{ package_name }}/schema.py.jinja" %}'
    ),
    "src/{{ package_name }}/cli.py.jinja": """\
        {% extends "templates/a/src/{{ package_name }}/cli.py.jinja" %}
        {% block cli_commands %}{{ super() }}
            "train",
        {%- endblock %}
        """,
    # stage b renames legacy.py to compat.py and drops the notebook
    "src/{{ package_name }}/compat.py": '"""Helpers kept for stage a only."""\n\nVALUE = 1\n',
    "src/{{ package_name }}/train.py.jinja": (
        '"""Train a model."""\n\n\ndef train() -> str:\n    return "model"\n'
    ),
    "{{ _copier_conf.answers_file }}.jinja": _ANSWERS,
}

_STAGE_C = {
    **{
        name: f'{{% include "templates/b/{name}" %}}'
        for name in _STAGE_B
        if name.endswith(".jinja")
    },
    "src/{{ package_name }}/compat.py": '"""Helpers kept for stage a only."""\n\nVALUE = 1\n',
    "src/{{ package_name }}/cli.py.jinja": """\
        {% extends "templates/b/src/{{ package_name }}/cli.py.jinja" %}
        {% block cli_commands %}{{ super() }}
            "serve",
        {%- endblock %}
        """,
    "src/{{ package_name }}/serve.py.jinja": '"""Serve predictions."""\n',
    "{{ _copier_conf.answers_file }}.jinja": _ANSWERS,
}


def build_synthetic_template(root: Path, *, stages: str = "abc", tag: str = "v1") -> Path:
    """Write the template (only the named ``stages``) into ``root``, commit and tag it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "copier.yml").write_text(_COPIER_YML, encoding="utf-8")
    for stage, files in zip("abc", (_STAGE_A, _STAGE_B, _STAGE_C), strict=True):
        if stage in stages:
            build_file_tree(root / "templates" / stage, files)
    init_repo(root, "template v1")
    if tag:
        git(root, "tag", tag)
    return root


def release_template(root: Path, files: dict[str, str], tag: str) -> None:
    """Commit changed template files (paths relative to ``root``) and tag a release."""
    build_file_tree(root, files)
    commit_all(root, f"template {tag}")
    git(root, "tag", tag)
