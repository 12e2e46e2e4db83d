"""Where generated tests go, how a module is imported, and merging into a test module.

All pure: callers pass the list of files the project has.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence

from ttabot.analysis.paths import is_test_file

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
    patterns = [rf"^\s*import\s+{re.escape(name)}\b", rf"^\s*from\s+{re.escape(name)}\s+import\b"]
    if parent:
        patterns.append(rf"^\s*from\s+{re.escape(parent)}\s+import\s+[^\n]*\b{re.escape(last)}\b")
    return any(re.search(p, source, re.M) for p in patterns)


def _mentions(source: str, words: Iterable[str]) -> int:
    return sum(len(re.findall(rf"\b{re.escape(w)}\b", source)) for w in words)


def _snake(name: str) -> str:
    """``ProgressBar`` -> ``progress_bar``; acronyms stay one word: ``URL`` -> ``url``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _own_test_module(basename: str, stem: str) -> bool:
    """Whether a test file's name is the module's, or a prefix of it (``termui_impl``)."""
    name = basename.removesuffix(".py")
    name = name.removeprefix("test_") if name.startswith("test_") else name.removesuffix("_test")
    return bool(name) and (stem == name or stem.startswith(name + "_"))


def ranked_test_modules(
    module_path: str,
    symbols: Sequence[str],
    project_files: Iterable[str],
    read: Callable[[str], str | None],
) -> list[str]:
    """Existing test modules that name ``symbols`` or import the module, best first.

    A test module named after a symbol (``test_prompt.py`` for ``prompt``,
    ``test_arguments.py`` for ``Argument``, ``test_url.py`` for ``URL``) ranks
    first; then the module's own test module (by the naming convention) when it
    names the symbol; then by how
    often a module names the functions themselves, then their classes, then
    whether it imports the changed module. A module doing none of these is not listed.
    """
    names = {s.rsplit(".", 1)[-1] for s in symbols} - {""}
    names = {n for n in names if not n.startswith("__")}
    classes = {p for s in symbols for p in s.split(".")[:-1]}
    if any(s.rsplit(".", 1)[-1].startswith("__") for s in symbols):
        classes |= {s.split(".")[-2] for s in symbols if "." in s}
    named = {
        f"test_{_snake(n).lstrip('_')}{plural}.py" for n in names | classes for plural in ("", "s")
    }
    stem = _stem(module_path)
    files = [p for p in project_files if p.endswith(".py") and is_test_file(p)]
    files = [p for p in files if posixpath.basename(p).startswith("test") or p.endswith("_test.py")]
    conventional = set(existing_test_modules(module_path, files))
    scored = []
    for path in files:
        text = read(path)
        if not text:
            continue
        by_name, by_class = _mentions(text, names), _mentions(text, classes)
        imports = _imports_module(text, module_path)
        base = posixpath.basename(path)
        evidence = bool(by_name or by_class or imports)
        # test_termui.py tests termui.py and _termui_impl.py: the module's own test module.
        own = path in conventional or _own_test_module(base, stem)
        if evidence:
            key = (
                base not in named,
                not (own and (by_name or by_class)),
                -by_name,
                -by_class,
                not imports,
                not own,
                len(path),
            )
            scored.append((key, path))
    return [path for _, path in sorted(scored)]


def placement_for(
    module_path: str,
    project_files: Iterable[str],
    symbols: Sequence[str] = (),
    read: Callable[[str], str | None] | None = None,
) -> str:
    """Where tests for ``module_path`` go.

    The existing test module that names ``symbols`` most or imports the module
    (with ``read``), else the one the naming convention gives, else the one that
    names the module's other public definitions most (a new function goes where
    its neighbours are tested), else the package's own test module
    (``test_<package>.py``), else a new ``test_<m>.py`` in the project's test
    folder (a private ``_m.py`` maps to ``test_m.py``).
    """
    files = list(project_files)
    if read is not None:
        ranked = ranked_test_modules(module_path, symbols, files, read)
        if ranked:
            return ranked[0]
    existing = existing_test_modules(module_path, files)
    if existing:
        return existing[0]
    if read is not None:
        neighbours = [n for n in _public_names(read(module_path) or "") if n not in symbols]
        ranked = ranked_test_modules(module_path, neighbours, files, read) if neighbours else []
        if ranked:
            return ranked[0]
    package = package_test_modules(module_path, files)
    if package:
        return package[0]
    return posixpath.join(tests_folder(files), f"test_{_stem(module_path)}.py")


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
    except SyntaxError:
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    names = [n.name for n in tree.body if isinstance(n, kinds) and not n.name.startswith("_")]
    return [n for n in names if len(n) >= 4][:50]
