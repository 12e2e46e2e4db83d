"""The checking helpers a drafted test imports from the project's own test code. Pure.

A test whose only check is ``check_roundtrip(value)``, imported from ``tests/helpers.py``
(or ``from .util import verify``), checks something when that helper asserts. This
reads, never imports or runs, the modules such imports name, within bounds: only test
code (in a folder named ``tests`` or ``test``, or a ``conftest.py``, ``test_*.py`` or
``*_test.py``: never the project's own code, whose asserts are its invariants), reached
by a relative import (resolved from the test module's folder, never above the project)
or from the project root or the test module's own folder (which pytest puts on
``sys.path``); at most :data:`MAX_DEPTH` modules
deep (the helper module, and one that it imports); each file read through
:class:`HelperFiles`, which refuses a symbolic link, a file outside the project and one
over :data:`MAX_HELPER_BYTES`. A module already followed is not read again (cycles).
:func:`imported_helpers` gives the definitions reached; whether they check is
:mod:`ttabot.drafting.testasserts`'s rule.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from ttabot.analysis.paths import is_test_file
from ttabot.analysis.source import parse_python
from ttabot.drafting.answer_parts import Alias, names_used
from ttabot.drafting.import_origins import dotted

#: Modules followed from a test: the helper module it imports, and one that one imports.
MAX_DEPTH = 2
#: A helper module larger than this is not read (test support code is small).
MAX_HELPER_BYTES = 256 * 1024

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class HelperFiles(NamedTuple):
    """Where the drafted test will live, and how to read the project's files.

    ``read`` takes a project-relative ``/`` path and gives the file's text, or None
    when it is absent, not a regular file, reached through a symbolic link, outside
    the project, over :data:`MAX_HELPER_BYTES` or not UTF-8.
    """

    test_path: str
    read: Callable[[str], str | None]


class _Module(NamedTuple):
    path: str
    defs: dict[str, ast.stmt]
    imports: dict[str, Alias]


def imported_helpers(
    aliases: Iterable[Alias], used: set[str], trees: Iterable[ast.AST], files: HelperFiles
) -> list[ast.stmt]:
    """The definitions in the project's test support modules that a test reaches.

    ``aliases`` are the imports the test module will hold, ``used`` the names the test
    (and the code it needs) uses, ``trees`` that code, for ``module.helper(...)`` calls.
    """
    wanted = {a.bound: a for a in aliases if a.bound in used}
    attributes = frozenset(chain for tree in trees for chain in _attribute_chains(tree))
    reached: list[ast.stmt] = []
    seen: set[tuple[str, str]] = set()
    loaded: dict[tuple[str, int, str], _Module | None] = {}

    def load(importer: str, dotted: str, level: int) -> _Module | None:
        key = (posixpath.dirname(importer), level, dotted)
        if key not in loaded:  # each module read and parsed once
            loaded[key] = _load(importer, dotted, level, files)
        return loaded[key]

    todo = [(files.test_path, alias, attributes, 1) for alias in wanted.values()]
    while todo:
        importer, alias, chains, depth = todo.pop()
        for module, name in _targets(importer, alias, chains, load):
            if (module.path, name) in seen:
                continue  # a cycle, or a helper two imports reach
            seen.add((module.path, name))
            for node in _reached_in(module, name):
                reached.append(node)
                if depth >= MAX_DEPTH:
                    continue
                inner = names_used(node)
                inner_chains = frozenset(_attribute_chains(node))
                for bound in sorted(inner & module.imports.keys()):
                    todo.append((module.path, module.imports[bound], inner_chains, depth + 1))
    return reached


def _reached_in(module: _Module, name: str) -> list[ast.stmt]:
    """Definition ``name`` of ``module`` and those of the same module it uses."""
    out: list[ast.stmt] = []
    todo = [name]
    while todo:
        node = module.defs.get(todo.pop())
        if node is None or node in out:
            continue
        out.append(node)
        todo.extend(sorted(names_used(node) & module.defs.keys()))
    return out


def _targets(
    importer: str,
    alias: Alias,
    chains: Iterable[tuple[str, ...]],
    load: Callable[[str, str, int], _Module | None],
) -> Iterator[tuple[_Module, str]]:
    """``(module, name)`` for each helper ``alias`` may bind and the test may call.

    ``from m import f`` binds ``f`` of module ``m`` (or module ``m.f``, whose names the
    test reaches as ``f.g``); ``import m as h`` binds module ``m`` (``h.g``).
    """
    bound = alias.bound
    if alias.module is not None:
        module = load(importer, alias.module, alias.level)
        if module is not None and alias.name in module.defs:
            yield module, alias.name
            return
        dotted = f"{alias.module}.{alias.name}" if alias.module else alias.name
        prefix: tuple[str, ...] = (bound,)
    else:
        dotted = alias.name
        prefix = (bound,) if alias.asname else tuple(alias.name.split("."))
    names = {c[len(prefix)] for c in chains if len(c) > len(prefix) and c[: len(prefix)] == prefix}
    if names:
        module = load(importer, dotted, alias.level)
        if module is not None:
            yield from ((module, n) for n in sorted(names) if n in module.defs)


def _attribute_chains(tree: ast.AST) -> Iterator[tuple[str, ...]]:
    """Every ``a.b.c`` the code reads, as ``("a", "b", "c")``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (path := dotted(node)):
            yield tuple(path)


def _load(importer: str, dotted: str, level: int, files: HelperFiles) -> _Module | None:
    """The project's test support module ``dotted`` imported from ``importer``, or None."""
    for path in _candidates(importer, dotted, level, files.test_path):
        text = files.read(path)
        if text is None:
            continue
        try:
            tree = parse_python(text)
        except (SyntaxError, ValueError, RecursionError):
            return None
        defs: dict[str, ast.stmt] = {n.name: n for n in tree.body if isinstance(n, _DEFINITIONS)}
        imports: dict[str, Alias] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom):
                for a in stmt.names:
                    found = Alias(stmt.module or "", a.name, a.asname, stmt.level)
                    imports[found.bound] = found
            elif isinstance(stmt, ast.Import):
                for a in stmt.names:
                    found = Alias(None, a.name, a.asname)
                    imports[found.bound] = found
        return _Module(path, defs, imports)
    return None


def _candidates(importer: str, dotted: str, level: int, test_path: str) -> list[str]:
    """The files module ``dotted`` may be, as project paths, if it is test support code."""
    parts = dotted.split(".") if dotted else []
    if not all(p.isidentifier() for p in parts):
        return []
    folder = posixpath.dirname(importer)
    if level:
        for _ in range(level - 1):
            if not folder:
                return []  # above the project
            folder = posixpath.dirname(folder)
        bases = [folder]
    else:
        # pytest puts the test module's folder on sys.path (rootdir-relative otherwise).
        bases = ["", posixpath.dirname(test_path)]
    out = []
    for base in dict.fromkeys(bases):
        stem = posixpath.join(base, *parts)
        files = [f"{stem}.py"] if parts else []
        for path in (*files, posixpath.join(stem, "__init__.py")):
            path = posixpath.normpath(path)
            if path.startswith(("../", "/")) or path == "..":
                continue
            # Test code only, however reached: the project's own code (a relative import
            # into the package, a module beside a test that lives beside the code) asserts
            # its invariants, and a test that only runs it checks nothing.
            if is_test_file(path):
                out.append(path)
    return out
