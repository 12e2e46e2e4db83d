"""Where generated tests go, how a module is imported, and merging into a test module.

All pure: callers pass the list of files the project has.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from typing import NamedTuple

from ttabot.analysis.paths import is_test_file
from ttabot.drafting.changed_code import NOTHING_CHANGED, ChangedCode

_TEST_DIRS = ("tests", "test")


def import_name(module_path: str) -> str:
    """The dotted import name of a module file (``src/`` layouts and packages handled)."""
    path = module_path[len("src/") :] if module_path.startswith("src/") else module_path
    path = path[: -len(".py")] if path.endswith(".py") else path
    parts = path.split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _stem(module_path: str) -> str:
    """The module's name for test files: ``_decoders`` is tested in ``test_decoders.py``."""
    name = import_name(module_path)
    stem = name.rsplit(".", 1)[-1]
    return stem.lstrip("_") or stem


def existing_test_modules(module_path: str, project_files: Iterable[str]) -> list[str]:
    """Test modules the project already has for ``module_path``, best match first.

    ``test_<module>.py`` or ``<module>_test.py``; one mirroring the module's
    package path under ``tests/`` ranks first, then one directly in ``tests/``.
    """
    stem, raw = _stem(module_path), import_name(module_path).rsplit(".", 1)[-1]
    names = {f"test_{stem}.py", f"{stem}_test.py", f"test_{raw}.py", f"{raw}_test.py"}
    found = [p for p in project_files if posixpath.basename(p) in names and is_test_file(p)]
    package = posixpath.dirname(import_name(module_path).replace(".", "/"))

    def rank(path: str) -> tuple[int, int, str]:
        folder = posixpath.dirname(path)
        mirrors = bool(package) and folder.endswith(package)
        return (0 if mirrors else 1 if folder in _TEST_DIRS else 2, len(path), path)

    return sorted(found, key=rank)


def _imports_module(source: str, module_path: str) -> bool:
    name = import_name(module_path)
    parent, _, last = name.rpartition(".")
    # Spaces and tabs only: ``\s`` would let each line's pattern run on through every blank
    # line after it, time quadratic in them (a test module of blank lines took hours).
    patterns = [
        rf"^[ \t]*import[ \t]+{re.escape(name)}\b",
        rf"^[ \t]*from[ \t]+{re.escape(name)}[ \t]+import\b",
    ]
    if parent:
        patterns.append(
            rf"^[ \t]*from[ \t]+{re.escape(parent)}[ \t]+import[ \t]+[^\n]*\b{re.escape(last)}\b"
        )
    return any(re.search(p, source, re.M) for p in patterns)


def _flat(name: str) -> str:
    """A name without case or underscores: ``QueryParams``, ``query_params`` -> ``queryparams``."""
    return name.replace("_", "").lower()


def _named_after(basename: str, words: Iterable[str]) -> bool:
    """Whether a test file is named after one of ``words`` (plural, snake or run-together alike).

    ``test_arguments.py`` for ``Argument``, ``test_url.py`` for ``URL``,
    ``test_http_errors.py`` for ``HTTPError``, ``test_queryparams.py`` for ``QueryParams``.
    """
    name = basename.removesuffix(".py")
    name = name.removeprefix("test_") if name.startswith("test_") else name.removesuffix("_test")
    flat = _flat(name)
    return bool(flat) and any(flat in (_flat(w), _flat(w) + "s") for w in words if _flat(w))


def _own_test_module(basename: str, stem: str) -> bool:
    """Whether a test file's name is the module's, or a prefix of it (``termui_impl``)."""
    name = basename.removesuffix(".py")
    name = name.removeprefix("test_") if name.startswith("test_") else name.removesuffix("_test")
    return bool(name) and (stem == name or stem.startswith(name + "_"))


def _about_async(path: str) -> bool:
    """A test module about async use, by its name: ``test_asyncio.py``, ``test_async_client.py``."""
    return "async" in posixpath.basename(path).lower()


#: Characters of one test module placement reads: a huge file is judged by its start.
MAX_TEST_MODULE_CHARS = 2_000_000
_SAFE_PART = re.compile(r"[\w.-]+")


class ScannedModule(NamedTuple):
    """A test module as placement reads it: its text and how often it names each word."""

    text: str
    words: Counter[str]


#: Test modules already read in this run (path -> None when unreadable), shared across calls.
ScanCache = MutableMapping[str, "ScannedModule | None"]


def _read_test_module(
    path: str, read: Callable[[str], str | None], cache: ScanCache | None
) -> ScannedModule | None:
    if cache is not None and path in cache:
        return cache[path]
    text = read(path)
    module = None
    if text:
        text = text[:MAX_TEST_MODULE_CHARS]
        module = ScannedModule(text, Counter(re.findall(r"\w+", text)))
    if cache is not None:
        cache[path] = module
    return module


def placeable(path: str) -> bool:
    """Whether tests may be written to ``path``: a plain relative ``.py`` path inside the project.

    No absolute path, no ``..``, no empty, hidden-dot or odd-character folder
    names, and a file name Python can import (``test_x.py``, not ``test x.py``).
    """
    parts = path.split("/")
    return (
        path.endswith(".py")
        and all(_SAFE_PART.fullmatch(p) and not p.startswith(".") for p in parts)
        and parts[-1].removesuffix(".py").isidentifier()
    )


def candidate_test_modules(project_files: Iterable[str]) -> list[str]:
    """The project's test modules tests may be placed in (``test_*.py`` / ``*_test.py``)."""
    return [
        p
        for p in project_files
        if is_test_file(p)
        and placeable(p)
        and (posixpath.basename(p).startswith("test") or p.endswith("_test.py"))
    ]


def ranked_test_modules(
    module_path: str,
    symbols: Sequence[str],
    project_files: Iterable[str],
    read: Callable[[str], str | None],
    changed: ChangedCode = NOTHING_CHANGED,
    cache: ScanCache | None = None,
) -> list[str]:
    """Existing test modules that name ``symbols`` or import the module, best first.

    1. When ``changed`` is a synchronous function gaining an awaitable path, a
       test module about async use (``test_asyncio.py``) that names the function;
    2. a test module named after a function or a method's class (``test_prompt.py``
       for ``prompt``, ``test_arguments.py`` for ``Argument``, ``test_url.py`` for
       ``URL``, ``test_queryparams.py`` for ``QueryParams``; not ``test_text.py``
       for ``CellString.text``: a method's own name is no topic);
    3. the module's own test module (by the naming convention) when it names the symbol;
    4. a module naming the functions themselves before one naming only their classes;
    5. then the one naming the most of the other names the changed lines use
       (called functions, classes, attributes: what the change is about);
    6. then by how often it names the functions, then their classes, then
       whether it imports the changed module.

    A module doing none of naming or importing is not listed.
    """
    names = {s.rsplit(".", 1)[-1] for s in symbols} - {""}
    names = {n for n in names if not n.startswith("__")}
    classes = {p for s in symbols for p in s.split(".")[:-1]}
    if any(s.rsplit(".", 1)[-1].startswith("__") for s in symbols):
        classes |= {s.split(".")[-2] for s in symbols if "." in s}
    context = changed.names - names - classes
    # What a test module's name can be about: a method's class, not the method's own
    # name (``text``, ``request``, ``headers`` name topics of their own); a function's name.
    topics = classes | (names & set(symbols))
    stem = _stem(module_path)
    files = candidate_test_modules(project_files)
    conventional = set(existing_test_modules(module_path, files))
    scored = []
    for path in files:
        module = _read_test_module(path, read, cache)
        if module is None:
            continue
        by_name = sum(module.words[n] for n in names)
        by_class = sum(module.words[c] for c in classes)
        imports = _imports_module(module.text, module_path)
        if not (by_name or by_class or imports):
            continue
        base = posixpath.basename(path)
        # test_termui.py tests termui.py and _termui_impl.py: the module's own test module.
        own = path in conventional or _own_test_module(base, stem)
        key = (
            not (changed.handles_awaitables and by_name and _about_async(path)),
            not _named_after(base, topics),
            not (own and (by_name or by_class)),
            not by_name,
            -sum(1 for n in context if module.words[n]),
            -by_name,
            -by_class,
            not imports,
            not own,
            len(path),
            path,
        )
        scored.append((key, path))
    return [path for _, path in sorted(scored)]


def placement_for(
    module_path: str,
    project_files: Iterable[str],
    symbols: Sequence[str] = (),
    read: Callable[[str], str | None] | None = None,
    changed: ChangedCode = NOTHING_CHANGED,
    cache: ScanCache | None = None,
    *,
    new_module: bool = False,
) -> str:
    """Where tests for ``module_path`` go.

    The existing test module that names ``symbols`` most or imports the module
    (with ``read``; ranked by :func:`ranked_test_modules`, ``changed`` being
    what the change did to them), else the one the naming convention gives,
    else the one that names the module's other public definitions most (a new
    function goes where its neighbours are tested), else the package's own
    test module (``test_<package>.py``), else a new ``test_<m>.py`` in the
    project's test folder (a private ``_m.py`` maps to ``test_m.py``).
    Only :func:`placeable` paths are considered; ``cache`` keeps test modules
    read once per run. A module the change adds (``new_module``) has no tests
    yet: they start its own test module by the naming convention (else the
    package's), however often other test modules name its symbols.
    """
    files = [p for p in project_files if placeable(p) or not is_test_file(p)]
    if read is not None and not new_module:
        ranked = ranked_test_modules(module_path, symbols, files, read, changed, cache)
        if ranked:
            return ranked[0]
    existing = existing_test_modules(module_path, files)
    if existing:
        return existing[0]
    if read is not None and not new_module:
        neighbours = [n for n in _public_names(read(module_path) or "") if n not in symbols]
        ranked = (
            ranked_test_modules(module_path, neighbours, files, read, cache=cache)
            if neighbours
            else []
        )
        if ranked:
            return ranked[0]
    package = package_test_modules(module_path, files)
    if package:
        return package[0]
    stem = re.sub(r"\W", "_", _stem(module_path))
    return posixpath.join(tests_folder(files), f"test_{stem}.py")


def package_test_modules(module_path: str, project_files: Iterable[str]) -> list[str]:
    """Existing test modules named after a package holding ``module_path``, innermost first.

    ``tests/test_tenacity.py`` collects the tests of ``tenacity/before.py`` when
    that module has no test module of its own.
    """
    files = [p for p in project_files if is_test_file(p)]
    found: list[str] = []
    for package in reversed(import_name(module_path).split(".")[:-1]):
        stem = package.lstrip("_") or package
        names = {f"test_{stem}.py", f"{stem}_test.py"}
        found += sorted(
            (p for p in files if posixpath.basename(p) in names), key=lambda p: (len(p), p)
        )
    return found


def tests_folder(project_files: Iterable[str]) -> str:
    """The folder a new test module goes in: the shallowest ``tests``/``test`` folder holding tests.

    ``tests`` when the project has none (``tenacity/tests`` when that is where its tests live).
    """
    folders = [
        posixpath.dirname(p)
        for p in project_files
        if p.endswith(".py")
        and is_test_file(p)
        and posixpath.basename(posixpath.dirname(p)) in _TEST_DIRS
    ]
    if not folders:
        return "tests"
    return min(folders, key=lambda f: (f.count("/"), -folders.count(f), f))


def _public_names(source: str) -> list[str]:
    """Public top-level function and class names of a module (long enough to be telling)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, RecursionError):  # RecursionError: absurdly deep nesting
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    names = [n.name for n in tree.body if isinstance(n, kinds) and not n.name.startswith("_")]
    return [n for n in names if len(n) >= 4][:50]
