"""repo-review fixtures: each reads and parses one kind of file, once per repo.

Checks never read files themselves; they receive these parsed values by parameter
name. Every fixture is total: a missing file gives ``None`` (or an empty
collection), a malformed one gives ``None`` too and is reported by
``config_errors``, so no layout can make a check raise.

``root`` is a ``Traversable`` (a local ``Path`` for ``scaffold check``, possibly a
remote tree for the standalone ``repo-review``), so only its portable API is used.
"""

from __future__ import annotations

import ast
import configparser
import inspect
import json
import os
import re
import stat
import tomllib
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import yaml

from scaffold._copier import ANSWERS_FILE
from scaffold.check._cache import ModuleCache
from scaffold.check._cache import digest as cache_digest

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "FIXTURES",
    "FrozenDict",
    "FrozenList",
    "LazyModule",
    "ModuleInfo",
    "Modules",
    "ci_configs",
    "codeowners",
    "config_errors",
    "copier_answers",
    "deploy_manifests",
    "dvc_config",
    "dvc_pipeline",
    "gitignore",
    "notebooks",
    "params",
    "precommit_config",
    "pyproject",
    "python_modules",
    "repo_files",
    "requirements",
]

# Directories that never hold project sources: caches, environments, stores.
_PRUNED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".cache",
        ".ipynb_checkpoints",
        "mlruns",
        "mlartifacts",
        "site-packages",
    }
)
_PRUNED_PATHS = frozenset({".dvc/cache", ".dvc/tmp"})
# The top-level data directory: only the files describing data are listed in it,
# down to data/<set>/ (``dvc add`` writes .dvc and .gitignore files there).
_DATA_DIR = "data/"
_DATA_DEPTH = 2
# A directory holding one of these files is a virtual environment, whatever its name.
_ENV_MARKERS = ("pyvenv.cfg",)
_MAX_PY_BYTES = 1_000_000
_MAX_NOTEBOOK_BYTES = 20_000_000
_MAX_STRING_LEN = 120
# libyaml's loader when PyYAML was built with it: parsing is most of a check's time.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CODEOWNERS_PATHS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")


class ModuleInfo(TypedDict):
    """What a Python file declares, read with ``ast`` (never imported or run)."""

    module: str  #: dotted name, ``src/`` stripped (``pkg.data.schema``)
    imports: frozenset[str]  #: absolute dotted names it imports (relative ones resolved)
    names: frozenset[str]  #: identifiers, attributes, keywords and definitions it uses
    strings: frozenset[str]  #: short string constants (routes, env var names, ...)


# ---------------------------------------------------------------------------
# reading helpers
# ---------------------------------------------------------------------------


def _file(root: Traversable, rel: str) -> Traversable:
    node = root
    for part in rel.split("/"):
        node = node.joinpath(part)
    return node


def _read_text(root: Traversable, rel: str) -> str | None:
    data = _read_bytes(root, rel)
    return None if data is None else data.decode("utf-8", errors="replace")


# Opening never waits (a FIFO named like a config file), and the descriptor tells
# whether it is a regular file: one system call less than asking first.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _read_bytes(root: Traversable, rel: str) -> bytes | None:
    """The bytes of the regular file ``rel`` (symlinks followed), or ``None``."""
    if isinstance(root, Path):  # a local tree: without pathlib's per-part objects
        try:
            fd = os.open(os.path.join(root, rel), _OPEN_FLAGS)
        except (OSError, ValueError):
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            with open(fd, "rb", closefd=False) as handle:
                return handle.read()
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)
    try:
        node = _file(root, rel)
        if not node.is_file():
            return None
        return node.read_bytes()
    except (OSError, ValueError):
        return None


def _load_yaml(root: Traversable, rel: str) -> Any:
    """Parsed YAML, or ``None`` when the file is missing, malformed or empty.

    Mappings and sequences come as ``FrozenDict`` and ``FrozenList``.
    """
    text = _read_text(root, rel)
    if text is None:
        return None
    try:
        return yaml.load(text, Loader=_FrozenLoader)
    except yaml.YAMLError:
        return None
    except RecursionError:
        return None


def _load_yaml_mapping(root: Traversable, rel: str) -> dict[str, Any] | None:
    data = _load_yaml(root, rel)
    return data if isinstance(data, dict) else None


# ---------------------------------------------------------------------------
# read-only values
# ---------------------------------------------------------------------------
#
# repo-review deep-copies the fixtures before the checks run and compares the
# copy with the originals after every check (to catch a check that modifies
# one). For values that cannot be modified, the copy is the value itself and
# each comparison is an identity test; for parsed YAML as plain dicts and lists
# the two cost more than most checks.


class Shared:
    """Copies of an object that cannot change are the object itself.

    repo-review deep-copies every fixture before each check and compares it after;
    for values that cannot change, that would be work for nothing.
    """

    __slots__ = ()

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self


class Derives:
    """``derived(key, make)``: ``make(self)``, computed once per object.

    For objects whose content cannot change (what a check asks of them can only
    be answered one way), so several checks share one answer. A subclass with
    ``__slots__`` lists ``_derived``.
    """

    __slots__ = ()

    def derived(self, key: str, make: Callable[[Any], Any]) -> Any:
        try:
            memo = self._derived  # type: ignore[attr-defined]
        except AttributeError:
            memo = self._derived = {}  # type: ignore[attr-defined]
        if key not in memo:
            memo[key] = make(self)
        return memo[key]


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(f"{type(self).__name__} is a read-only fixture value; copy it to change it")


class FrozenDict(Shared, Derives, dict):  # type: ignore[type-arg]
    """A ``dict`` that cannot be changed, so ``copy.deepcopy`` returns it as is.

    It is a ``dict`` for everything that reads one (``isinstance``, ``json``,
    equality with plain dicts); ``dict(value)`` gives a changeable copy. Its values
    are read-only too (``freeze``), so the whole value is immutable.
    """

    __slots__ = ("_derived",)

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


class FrozenList(Shared, list):  # type: ignore[type-arg]
    """A ``list`` that cannot be changed, so ``copy.deepcopy`` returns it as is."""

    __slots__ = ()

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))


def freeze(value: Any) -> Any:
    """``value`` with its dicts, lists and sets made read-only (``FrozenDict``,
    ``FrozenList``, ``frozenset``), all the way down; other values as they are."""
    kind = type(value)
    if kind is dict:
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if kind is list:
        return FrozenList(freeze(item) for item in value)
    if kind is tuple:
        return tuple(freeze(item) for item in value)
    if kind is set:
        return frozenset(value)
    return value


def _construct_map(loader: Any, node: Any) -> Iterator[FrozenDict]:
    # As SafeConstructor.construct_yaml_map: yielded first so aliases can refer to it.
    data = FrozenDict()
    yield data
    dict.update(data, loader.construct_mapping(node))


def _construct_seq(loader: Any, node: Any) -> Iterator[FrozenList]:
    data = FrozenList()
    yield data
    list.extend(data, loader.construct_sequence(node))


def _construct_set(loader: Any, node: Any) -> frozenset[Any]:
    return frozenset(loader.construct_mapping(node))


def _frozen_pairs(method: Callable[..., Iterator[list[Any]]]) -> Callable[..., Iterator[Any]]:
    """``!!omap`` and ``!!pairs`` (lists of pairs) read by the safe loader, as ``FrozenList``."""

    def construct(loader: Any, node: Any) -> Iterator[FrozenList]:
        data = FrozenList()
        yield data
        steps = method(loader, node)
        pairs = next(steps)
        for _ in steps:
            pass
        list.extend(data, pairs)

    return construct


class _FrozenLoader(_YAML_LOADER):  # type: ignore[valid-type, misc]
    """The safe loader, building ``FrozenDict`` and ``FrozenList`` (and frozensets)."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # Most nodes are plain strings: their value, as the safe constructor gives it.
        if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
            return node.value
        return super().construct_object(node, deep)


_STR_TAG = "tag:yaml.org,2002:str"


_FrozenLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_FrozenLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_FrozenLoader.add_constructor("tag:yaml.org,2002:set", _construct_set)
for _tag, _method in (
    ("omap", yaml.constructor.SafeConstructor.construct_yaml_omap),
    ("pairs", yaml.constructor.SafeConstructor.construct_yaml_pairs),
):
    _FrozenLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _frozen_pairs(_method))


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------


def repo_files(root: Traversable) -> frozenset[str]:
    """Every file's POSIX path relative to the root, by rule leaving out what is not source.

    Caches and virtual environments (known names, or any directory holding a
    ``pyvenv.cfg`` or ``conda-meta``) are not entered; below the top-level data
    directory only the files that describe data (``*.dvc``, ``.gitignore``, READMEs)
    are listed, however many data files there are. Symlinked directories are not
    followed (they may loop). There is no cap: a verdict is never drawn from part
    of the tree.
    """
    if isinstance(root, Path):
        return Strings(_local_files(root))
    found: set[str] = set()
    todo: list[tuple[Traversable, str]] = [(root, "")]
    while todo:
        node, prefix = todo.pop()
        in_data = prefix.startswith(_DATA_DIR)
        try:
            children = list(node.iterdir())
        except (OSError, ValueError):
            continue
        for child in children:
            rel = f"{prefix}{child.name}"
            try:
                if child.is_dir():
                    if not _walked(child, rel, in_data):
                        continue
                    todo.append((child, rel + "/"))
                elif child.is_file() and (not in_data or _describes_data(child.name)):
                    found.add(rel)
            except OSError:
                continue
    return Strings(found)


def _local_files(root: Path) -> set[str]:
    """``repo_files`` of a local tree, by the same rules, with ``os.scandir``: one
    listing per directory, file types from it, no object per path."""
    found: set[str] = set()
    todo: list[tuple[str, str, bool]] = [(os.fspath(root), "", False)]
    while todo:
        path, prefix, below_root = todo.pop()
        in_data = prefix.startswith(_DATA_DIR)
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except (OSError, ValueError):
            continue
        if below_root and _holds_environment(entries):
            continue
        for entry in entries:
            name = entry.name
            rel = f"{prefix}{name}"
            try:
                if entry.is_dir():
                    if name in _PRUNED_DIRS or rel in _PRUNED_PATHS or entry.is_symlink():
                        continue
                    if in_data and rel.count("/") >= _DATA_DEPTH:
                        continue  # as in ``_walked``
                    todo.append((entry.path, rel + "/", True))
                elif entry.is_file() and (not in_data or _describes_data(name)):
                    found.add(rel)
            except OSError:
                continue
    return found


def _holds_environment(entries: list[os.DirEntry[str]]) -> bool:
    """Whether a directory with these entries is a virtual or conda environment."""
    for entry in entries:
        try:
            if entry.name in _ENV_MARKERS and entry.is_file():
                return True
            if entry.name == "conda-meta" and entry.is_dir():
                return True
        except OSError:
            return True  # as ``_walked``: a directory that cannot be told is not entered
    return False


def _walked(directory: Traversable, rel: str, in_data: bool) -> bool:
    """Whether the walk enters ``directory`` (a cache, environment or data tree is not)."""
    if directory.name in _PRUNED_DIRS or rel in _PRUNED_PATHS or _is_link(directory):
        return False
    if in_data and rel.count("/") >= _DATA_DEPTH:
        return False  # data/<set>/ is listed for its .dvc files; deeper is only data
    return not any(directory.joinpath(marker).is_file() for marker in _ENV_MARKERS) and not (
        directory.joinpath("conda-meta").is_dir()
    )


def _describes_data(name: str) -> bool:
    return (
        name.endswith(".dvc")
        or name in {".gitignore", ".gitkeep"}
        or name.lower().startswith("readme")
    )


def _is_link(node: Traversable) -> bool:
    is_symlink = getattr(node, "is_symlink", None)
    try:
        return bool(is_symlink()) if callable(is_symlink) else False
    except OSError:
        return True


def pyproject(root: Traversable) -> dict[str, Any]:
    """``pyproject.toml`` as a dict; empty when missing or not valid TOML.

    Used by ``scaffold check`` instead of repo-review's own ``pyproject``
    fixture, which raises on malformed TOML.
    """
    text = _read_text(root, "pyproject.toml")
    if text is None:
        return FrozenDict()
    try:
        return freeze(tomllib.loads(text))  # type: ignore[no-any-return]
    except (tomllib.TOMLDecodeError, RecursionError):
        return FrozenDict()


def copier_answers(root: Traversable) -> dict[str, Any] | None:
    """The copier answers file (``.copier-answers.yml``)."""
    return _load_yaml_mapping(root, ANSWERS_FILE)


def dvc_pipeline(root: Traversable) -> dict[str, Any] | None:
    """``dvc.yaml``: the pipeline's stages, their deps, outs, params, metrics, plots."""
    return _load_yaml_mapping(root, "dvc.yaml")


def params(root: Traversable) -> dict[str, Any] | None:
    """``params.yaml``: the parameters the pipeline is run with."""
    return _load_yaml_mapping(root, "params.yaml")


def precommit_config(root: Traversable) -> dict[str, Any] | None:
    """``.pre-commit-config.yaml``."""
    return _load_yaml_mapping(root, ".pre-commit-config.yaml")


def ci_configs(root: Traversable, repo_files: frozenset[str]) -> dict[str, Any]:
    """CI definitions by path: GitHub workflows and GitLab CI files.

    A file that does not parse to a mapping maps to ``None``.
    """
    paths = sorted(
        path
        for path in repo_files
        if path == ".gitlab-ci.yml"
        or (
            path.startswith((".github/workflows/", ".gitlab/ci/"))
            and path.endswith((".yml", ".yaml"))
            and path.count("/") == 2
        )
    )
    return FrozenDict({path: _load_yaml_mapping(root, path) for path in paths})


def deploy_manifests(root: Traversable, repo_files: frozenset[str]) -> dict[str, list[Any]]:
    """Kubernetes YAML under ``deploy/`` or ``k8s/``, by path: each file's documents.

    A file that does not parse maps to an empty list.
    """
    manifests: dict[str, list[Any]] = {}
    for path in sorted(repo_files):
        if path.startswith(("deploy/", "k8s/")) and path.endswith((".yml", ".yaml")):
            text = _read_text(root, path)
            try:
                documents = list(yaml.load_all(text or "", Loader=_FrozenLoader))
            except yaml.YAMLError:
                documents = []
            manifests[path] = FrozenList(doc for doc in documents if isinstance(doc, Mapping))
    return FrozenDict(manifests)


def dvc_config(root: Traversable) -> dict[str, dict[str, str]] | None:
    """``.dvc/config`` as ``{section: {key: value}}`` (``'remote "name"'`` sections)."""
    text = _read_text(root, ".dvc/config")
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    # DVC writes quoted section names: ['remote "local"'].
    return FrozenDict(
        {
            section.strip("'").strip(): FrozenDict(parser.items(section))
            for section in parser.sections()
        }
    )


def gitignore(root: Traversable, repo_files: frozenset[str]) -> tuple[str, ...]:
    """Ignore patterns of every ``.gitignore``, rewritten as root-anchored patterns.

    A pattern from ``data/raw/.gitignore`` such as ``/file.csv`` becomes
    ``/data/raw/file.csv``, so one matcher (``is_ignored``) serves them all.
    """
    patterns: list[str] = []
    files = sorted((p for p in repo_files if p.rsplit("/", 1)[-1] == ".gitignore"), key=len)
    for path in files:
        text = _read_text(root, path)
        if text is None:
            continue
        base = path[: -len(".gitignore")]
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            patterns.append(_rebase(line, base))
    return tuple(patterns)


def _rebase(pattern: str, base: str) -> str:
    if not base:
        return pattern
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    anchored = "/" in body.rstrip("/")
    body = body.lstrip("/")
    rebased = f"/{base}{body}" if anchored else f"/{base}**/{body}"
    return ("!" if negated else "") + rebased


def codeowners(root: Traversable) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """CODEOWNERS rules ``(pattern, owners)`` from the first location GitHub/GitLab read."""
    for rel in _CODEOWNERS_PATHS:
        text = _read_text(root, rel)
        if text is None:
            continue
        rules = []
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("["):  # GitLab section headers
                continue
            pattern, *owners = line.split()
            rules.append((pattern, tuple(owners)))
        return tuple(rules)
    return None


def requirements(root: Traversable, repo_files: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Requirement lines of ``requirements*.txt`` files at the root or in ``requirements/``."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted(repo_files):
        name = path.rsplit("/", 1)[-1]
        in_place = path.count("/") == 0 or path.startswith("requirements/")
        if in_place and name.startswith("requirements") and name.endswith((".txt", ".in")):
            text = _read_text(root, path) or ""
            lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
            found[path] = tuple(line for line in lines if line and not line.startswith("-"))
    return FrozenDict(found)


def notebooks(root: Traversable, repo_files: frozenset[str]) -> dict[str, int | None]:
    """For each ``.ipynb``: how many cells keep outputs or execution counts.

    ``None`` when the notebook cannot be read as notebook JSON.
    """
    found: dict[str, int | None] = {}
    for path in sorted(p for p in repo_files if p.endswith(".ipynb")):
        found[path] = _dirty_cells(root, path)
    return FrozenDict(found)


def _dirty_cells(root: Traversable, rel: str) -> int | None:
    try:
        node = _file(root, rel)
        data = node.read_bytes()
    except (OSError, ValueError):
        return None
    if len(data) > _MAX_NOTEBOOK_BYTES:
        return 1  # only outputs make a notebook this large
    try:
        notebook = json.loads(data)
    except (ValueError, RecursionError):
        return None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return None
    return sum(
        1
        for cell in cells
        if isinstance(cell, dict)
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    )


def python_modules(root: Traversable, repo_files: frozenset[str]) -> Modules:
    """Imports, identifiers and short strings of every Python file, read with ``ast``.

    Files that are too large or do not parse are left out: they are the user's
    code to fix, not a reason for a check to crash.

    Parsing is most of a check's time, so a file is parsed only when something
    asks what it holds (see ``Modules``), and a file whose bytes are those of the
    last run is not parsed again (see ``scaffold.check._cache``).
    """
    cached = ModuleCache(root)
    known: dict[str, ModuleInfo | LazyModule] = {}
    for path in sorted(p for p in repo_files if p.endswith(".py")):
        data = _read_bytes(root, path)
        if data is None:
            continue
        # A digest only to compare with an entry; else when (if) what it declares is kept.
        key = cache_digest(data) if cached.knows(path) else None
        hit, value = cached.get(path, key) if key is not None else (False, None)
        if hit and (value is None or value[2] is not None):
            if value is not None:
                known[path] = _from_entry(value)
            continue
        text = data.decode("utf-8", errors="replace")
        if len(text) > _MAX_PY_BYTES:
            if cached.enabled:
                cached.put(path, key or cache_digest(data), None)
            continue
        imports = value[1] if hit else None  # only its imports were read last time
        known[path] = LazyModule(path, text, data, key, cached, imports)
    cached.save()  # the hits: a repo checked again keeps its entries
    return Modules(known, cached)


class Modules(Shared, Derives, Mapping[str, ModuleInfo]):
    """``python_modules``: a read-only mapping of path to ``ModuleInfo`` that parses lazily.

    As a mapping it is exact: a file that does not parse is not in it (asking
    parses that file; iterating parses them all). ``candidates()`` gives every file
    that may be in it without parsing any; there a file that does not parse reads as
    declaring nothing, which is what scaffold's checks use (through the helpers in
    ``scaffold.check._helpers``), so a check parses only the files whose text can
    hold what it looks for. ``save()`` writes what was parsed to the cache; it also
    runs when the mapping is dropped.
    """

    def __init__(self, known: dict[str, ModuleInfo | LazyModule], cached: ModuleCache) -> None:
        self._known = known
        self._save = weakref.finalize(self, cached.save)

    def candidates(self) -> Mapping[str, ModuleInfo | LazyModule]:
        return self._known

    def save(self) -> None:
        self._save()

    def _parses(self, path: str) -> bool:
        info = self._known.get(path)
        return info is not None and (not isinstance(info, LazyModule) or info.ok)

    def __getitem__(self, path: str) -> ModuleInfo:
        if not self._parses(path):
            raise KeyError(path)
        return self._known[path]  # type: ignore[return-value]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._parses(path)

    def __iter__(self) -> Iterator[str]:
        return (path for path in self._known if self._parses(path))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"Modules({sorted(self._known)!r})"


class LazyModule(Shared, Mapping[str, Any]):
    """One file's ``ModuleInfo``, parsed on first use of anything but its ``module`` name.

    The ``could_*`` methods answer from the file's text whether it can hold an
    import, identifier or string; ``False`` is a proof (the parse would not find
    it), ``True`` only means "parse to know". A file that does not parse declares
    nothing (``ok`` is false). Most questions are about imports, which are
    statements: they are read without walking the expressions, and the rest of the
    tree is walked only when a name or string is asked for.
    """

    __slots__ = (
        "_ascii",
        "_cache",
        "_data",
        "_digest",
        "_heads",
        "_imports",
        "_info",
        "_package_parts",
        "_text",
        "_tree",
        "module",
        "path",
    )

    def __init__(
        self,
        path: str,
        text: str,
        data: bytes,
        file_digest: bytes | None,
        cached: ModuleCache,
        imports: frozenset[str] | None = None,
    ) -> None:
        self.path = path
        self.module = module_name(path)
        self._text = text
        self._ascii = data.isascii()
        # The bytes, until their digest is needed to keep what the file declares
        # (an ASCII text encodes back to them exactly: only other files keep them).
        keep = file_digest is None and cached.enabled and not self._ascii
        self._data = data if keep else None
        self._digest = file_digest
        self._cache = cached
        self._info: ModuleInfo | None = None
        self._imports = None if imports is None else Strings(imports)
        self._tree: ast.Module | None = None
        self._package_parts = frozenset(self.module.split("."))
        self._heads: frozenset[str] | None = None

    @property
    def cost(self) -> int:
        """How much reading its imports (or whether it parses) costs: 0 once parsed,
        else the text's length."""
        if self._info is not None or self._imports is not None or self._tree is not None:
            return 0
        return len(self._text)

    @property
    def names_cost(self) -> int:
        """How much reading its names and strings costs: 0 once read; walking a parsed
        tree costs about half as much as parsing it."""
        if self._info is not None:
            return 0
        walk = len(self._text) // 2
        return walk if self._tree is not None else len(self._text) + walk

    @property
    def ok(self) -> bool:
        """Whether the file parses (parses it, and keeps its imports for the next run)."""
        if self._info is None and self._imports is None:
            self._read_imports()
        return self._info is not _NOTHING

    def _parse(self) -> ast.Module | None:
        if self._tree is None and self._info is None:
            tree = _parse_tree(self.path, self._text)
            if tree is None:
                self._remember(None)
                self._info = _NOTHING
            self._tree = tree
        return self._tree

    def _remember(self, value: Any) -> None:
        """Keep what was read for the next run (when the cache is on)."""
        if not self._cache.enabled:
            return
        if self._digest is None:
            data = self._text.encode("ascii") if self._data is None else self._data
            self._digest = cache_digest(data)
            self._data = None
        self._cache.put(self.path, self._digest, value)

    def _read_imports(self) -> frozenset[str]:
        if self._info is not None:
            return self._info["imports"]
        if self._imports is None:
            tree = self._parse()
            if tree is None:
                return self._info["imports"]  # type: ignore[index]
            imports = frozenset(_statement_imports(self.path, tree))
            self._imports = Strings(imports)
            # marshal (the cache's format) writes plain frozensets only
            self._remember((self.module, imports, None, None))
        return self._imports

    def _read(self) -> ModuleInfo:
        if self._info is None:
            tree = self._parse()
            if self._info is None:
                info = _module_info(self.path, tree)  # type: ignore[arg-type]
                entry = _to_entry(info)
                self._remember(entry)
                self._info = _from_entry(entry)
            self._tree = None
            self._text = ""  # not needed any more
        return self._info

    def __getitem__(self, key: str) -> Any:
        if key == "module":
            return self.module
        if key == "imports":
            return self._read_imports()
        if key not in _INFO_KEYS:
            raise KeyError(key)
        return self._read()[key]  # type: ignore[literal-required]

    def __iter__(self) -> Iterator[str]:
        return iter(_INFO_KEYS)

    def __len__(self) -> int:
        return len(_INFO_KEYS)

    def __repr__(self) -> str:
        return f"LazyModule({self.path!r})"

    def could_import(self, targets: frozenset[str]) -> bool:
        """Whether the file may import a target or something inside one.

        An imported name starts with a package part (a relative import) or with
        the word after ``import``, ``from`` or a comma; each further part is in
        the text. Identifiers are compared as written only when the file is ASCII
        (the parser normalises others).
        """
        if self._info is not None or self._imports is not None or not self._ascii:
            return True
        heads = self._heads
        if heads is None:
            heads = self._heads = _import_heads(self._text)
        if heads is _NO_IMPORT:
            return False
        package = self._package_parts
        text = self._text
        for target in targets:
            first, _, rest = target.partition(".")
            if first not in heads and first not in package:
                continue
            if not rest:
                return True
            *middle, last = rest.split(".")
            if all(part in package or part in text for part in middle) and (
                last in package or _may_be_imported(text, last)
            ):
                return True
        return False

    def could_import_module(self, name: str) -> bool:
        """``could_import({name})`` for one dotted name, quicker: checks ask it for
        every pair of modules, and most files are ruled out by their last part alone."""
        if self._info is not None or self._imports is not None or not self._ascii:
            return True
        text = self._text
        package = self._package_parts
        first, _, rest = name.partition(".")
        last = rest.rpartition(".")[2] if rest else first
        if last not in package and last not in text:
            return False
        heads = self._heads
        if heads is None:
            heads = self._heads = _import_heads(text)
        if heads is _NO_IMPORT or (first not in heads and first not in package):
            return False
        if not rest:
            return True
        for part in rest.split(".")[:-1]:
            if part not in package and part not in text:
                return False
        return last in package or _may_be_imported(text, last)

    def spells(self, name: str) -> bool:
        """Whether the text holds ``name`` as written (a hint, not a proof, of an import)."""
        return name in self._text

    def could_name(self, literals: Iterable[str], ignore_case: bool = False) -> bool:
        """Whether an identifier of the file may contain one of ``literals``."""
        if self._info is not None or not self._ascii:
            return True
        text = self._text.lower() if ignore_case else self._text
        return any(literal in text for literal in literals)

    def could_string(self, literals: Iterable[str]) -> bool:
        """Whether a string constant of the file may contain one of ``literals``.

        Only for literals without quotes, braces, backslashes or line breaks. A
        constant is its literal's text unless it has escapes (any backslash: then
        parse) or is glued from adjacent literals (``"ab" "c"``): a literal split
        across two of them leaves a quote after its start and before its rest.
        """
        if self._info is not None or "\\" in self._text:
            return True
        text = self._text
        for literal in literals:
            if literal in text:
                return True
            for cut in range(1, len(literal)):
                head, rest = literal[:cut], literal[cut]
                if (head + '"' in text or head + "'" in text) and (
                    '"' + rest in text or "'" + rest in text
                ):
                    return True
        return False


_INFO_KEYS = ("module", "imports", "names", "strings")


# Where an absolute import's first word can be: after ``import`` or ``from`` (across
# spaces and line continuations), or after a comma in the rest of an ``import`` line.
# (No word boundary before the keywords: a literal start is found much faster, and
# more candidates only mean fewer files ruled out.)
_AFTER_IMPORT = re.compile(r"import[\s\\]*(\w+)")
_AFTER_FROM = re.compile(r"from[\s\\]*(\w+)")
_IMPORT_LINE = re.compile(r"import([^\n\\]*(?:\\[\s\S][^\n\\]*)*)")
_AFTER_COMMA = re.compile(r",[\s\\]*(\w+)")


#: The heads of a file without the word ``import``: it imports nothing.
_NO_IMPORT: frozenset[str] = frozenset({"import"})


_SPACE = frozenset(" \t\f\r\n\\")
_AFTER_NAME = frozenset(".,(")


def _may_be_imported(text: str, word: str) -> bool:
    """Whether ``word`` may be the last part of a dotted name an import brings in.

    There it is a whole word right after a dot (``pkg.data.schema``, ``from
    .schema``) or in the names of a ``from`` import: after ``import``, a comma or
    an opening parenthesis, with spaces, line continuations and (inside
    parentheses) comment lines in between. An occurrence after a line with a
    comment counts as possible.
    """
    size = len(word)
    start = text.find(word)
    while start != -1:
        end = start + size
        if (start == 0 or not _is_word_char(text[start - 1])) and (
            end == len(text) or not _is_word_char(text[end])
        ):
            before = start - 1
            crossed = False
            while before >= 0 and text[before] in _SPACE:
                crossed = crossed or text[before] == "\n"
                before -= 1
            if before >= 0 and (
                text[before] in _AFTER_NAME
                or text.endswith("import", 0, before + 1)
                or (crossed and "#" in text[text.rfind("\n", 0, before) + 1 : before + 1])
            ):
                return True
        start = text.find(word, start + 1)
    return False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _import_heads(text: str) -> frozenset[str]:
    """Every word that may start an absolute import in ``text``: after ``import`` or
    ``from``, or after a comma on an ``import`` line (``import a, b``). Read once per
    file: three scans of the text, then each question is a set lookup."""
    if "import" not in text:
        return _NO_IMPORT
    heads = set(_AFTER_IMPORT.findall(text))
    heads.update(_AFTER_FROM.findall(text))
    for rest in _IMPORT_LINE.findall(text):
        if "," in rest:
            heads.update(_AFTER_COMMA.findall(rest))
    return frozenset(heads)


def _parse_tree(path: str, text: str) -> ast.Module | None:
    if len(text) > _MAX_PY_BYTES:
        return None
    try:
        return ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# Where statements nest: bodies, ``else``/``finally`` blocks, handlers and match cases.
_STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statement_imports(path: str, tree: ast.Module) -> set[str]:
    """What ``tree`` imports: ``_module_info``'s ``imports``, from the statements alone
    (an import is a statement, and statements only nest in other statements)."""
    package = _package_of(path)
    imports: set[str] = set()
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Import or kind is ast.ImportFrom:
            imports.update(_imported(node, package))
            continue
        for name in _STATEMENT_FIELDS:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(value)
    return imports


def _package_of(path: str) -> list[str]:
    """The package a module's relative imports start from."""
    module = module_name(path)
    return module.split(".") if path.endswith("__init__.py") else module.split(".")[:-1]


def _imported(node: ast.Import | ast.ImportFrom, package: list[str]) -> list[str]:
    """The absolute dotted names one import statement brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        base = ".".join([*anchor, *([base] if base else [])])
    found = [base] if base else []
    found += [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
    return found


def _to_entry(info: ModuleInfo) -> tuple[str, frozenset[str], frozenset[str], frozenset[str]]:
    return (info["module"], info["imports"], info["names"], info["strings"])


def _from_entry(entry: tuple[str, frozenset[str], frozenset[str], frozenset[str]]) -> ModuleInfo:
    module, imports, names, strings = entry
    return ModuleInfo(
        module=module, imports=Strings(imports), names=Strings(names), strings=Strings(strings)
    )


class Strings(Shared, frozenset[str]):
    """A frozenset of strings that ``copy.deepcopy`` returns as is (it is immutable).

    repo-review deep-copies all fixtures before the checks run and compares them
    after each check; with these, that costs nothing for the largest fixture.
    """

    __slots__ = ()


#: What a file that does not parse declares (``LazyModule.ok`` is false).
_NOTHING = ModuleInfo(module="", imports=Strings(), names=Strings(), strings=Strings())


def module_name(path: str) -> str:
    """Dotted module name of a repo path: ``src/pkg/data/schema.py`` → ``pkg.data.schema``."""
    parts = path.removesuffix(".py").split("/")
    if parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _module_info(path: str, tree: ast.Module) -> ModuleInfo:
    """What ``tree`` imports, names and spells as short strings.

    One pass over every node without recursion (deeply nested code cannot exhaust
    the stack). This is most of a check's time, so it dispatches on the exact node
    type and follows only fields that can hold nodes, instead of ``ast.walk``.
    """
    module = module_name(path)
    package = _package_of(path)
    imports: set[str] = set()
    names: set[str] = set()
    strings: set[str] = set()
    add_name, add_string = names.add, strings.add
    stack: list[Any] = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    children = _CHILD_FIELDS
    while stack:
        node = pop()
        kind = type(node)
        if kind is ast.Name:
            add_name(node.id)
            continue  # its only other field is the context
        if kind is ast.Constant:
            value = node.value
            if type(value) is str and len(value) <= _MAX_STRING_LEN:
                add_string(value)
            continue  # no child nodes
        if kind is ast.Attribute:
            add_name(node.attr)
            push(node.value)
            continue
        if kind is ast.keyword:
            if node.arg:
                add_name(node.arg)
            push(node.value)
            continue
        if kind is ast.Import:
            imports.update(_imported(node, package))
            continue  # only aliases below
        if kind is ast.ImportFrom:
            imports.update(_imported(node, package))
            names.update(alias.name for alias in node.names)
            continue
        if kind in _DEFINITIONS:
            add_name(node.name)
        fields = children.get(kind)
        if fields is None:
            fields = children[kind] = _child_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                push(value)
    return ModuleInfo(
        module=module,
        imports=frozenset(imports),
        names=frozenset(names),
        strings=frozenset(strings),
    )


_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
# Fields that never hold anything ``_module_info`` records: load/store contexts and
# operators (``ast.BinOp.op``, ``ast.Compare.ops`` ...). Filled per node type on first use.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    return tuple(name for name in getattr(kind, "_fields", ()) if name not in _SKIPPED_FIELDS)


def config_errors(
    repo_files: frozenset[str],
    pyproject: Mapping[str, Any],
    copier_answers: Mapping[str, Any] | None,
    dvc_pipeline: Mapping[str, Any] | None,
    params: Mapping[str, Any] | None,
    precommit_config: Mapping[str, Any] | None,
    dvc_config: Mapping[str, Any] | None,
    ci_configs: Mapping[str, Any],
    notebooks: Mapping[str, int | None],
) -> tuple[str, ...]:
    """Configuration files that exist but did not parse to what their tools expect."""
    expected = {
        "pyproject.toml": pyproject or None,
        ANSWERS_FILE: copier_answers,
        "dvc.yaml": dvc_pipeline,
        "params.yaml": params,
        ".pre-commit-config.yaml": precommit_config,
        ".dvc/config": dvc_config,
        **ci_configs,
        **notebooks,
    }
    return tuple(sorted(p for p, value in expected.items() if p in repo_files and value is None))


#: Every fixture by the parameter name a check asks for: the functions in ``__all__``.
#: ``scaffold check`` computes them all (``pyproject`` included); the standalone
#: ``repo-review`` gets the same set from the entry points in ``pyproject.toml``
#: (it brings its own ``pyproject``).
FIXTURES: dict[str, Callable[..., Any]] = {
    name: globals()[name] for name in __all__ if name[0].islower()
}


def keep_signature(func: Callable[..., Any]) -> None:
    """Store ``func``'s signature on it: repo-review asks ``inspect.signature`` for every
    fixture and check on every run, and a stored one is returned as is."""
    func.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]


for _fixture in FIXTURES.values():
    keep_signature(_fixture)
