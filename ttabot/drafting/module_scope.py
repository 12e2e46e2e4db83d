"""What a test module binds at module level, and how: names, statements, imports.

Pure; read from the source alone. Merging and the test-code stage compare a drafted
answer with it, so a copy of the module's own code is recognised as its own.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from ttabot.analysis.source import parse_python
from ttabot.drafting.answer_parts import (
    Alias,
    Piece,
    aliases_of,
)
from ttabot.drafting.statements import scope_bindings


class ModuleLevel(NamedTuple):
    """What a test module's own module-level code binds, and how."""

    #: Every name it binds: definitions, imports, assignments, also under ``if``/``try``.
    names: frozenset[str]
    #: ``ast.dump`` of each of its module-level statements: a drafted copy of one is its own.
    statements: frozenset[str]
    #: For each imported name, what it is imported as (:func:`imported_as`).
    imports: dict[str, set[tuple[str | int, ...]]]
    #: Its imports as written.
    aliases: frozenset[Alias]


def module_level(tree: ast.Module) -> ModuleLevel:
    """What a test module holds at module level (:class:`ModuleLevel`), in one pass."""
    statements: set[str] = set()
    imports: dict[str, set[tuple[str | int, ...]]] = {}
    aliases: set[Alias] = set()
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        statements.add(ast.dump(node))
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in aliases_of(node):
                imports.setdefault(alias.bound, set()).add(imported_as(alias))
                aliases.add(alias)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            todo.extend(s for s in ast.iter_child_nodes(node) if isinstance(s, ast.stmt))
    names = frozenset(scope_bindings(tree.body))
    return ModuleLevel(names, frozenset(statements), imports, frozenset(aliases))


def imported_as(alias: Alias) -> tuple[str | int, ...]:
    """What an import binds its name to: ``import a.b`` binds ``a`` to package ``a``,
    ``import a.b as c`` what ``from a import b as c`` binds."""
    if alias.module is not None:
        return ("from", alias.level, alias.module, alias.name)
    package, dot, module = alias.name.rpartition(".")
    if alias.asname and dot:
        return ("from", 0, package, module)
    return ("import", alias.name if alias.asname else alias.name.split(".")[0])


def statement_dump(piece: Piece) -> str:
    """``ast.dump`` of a piece that is one statement, to compare it with the module's
    own; "" when it does not parse or holds more than one."""
    try:
        tree = parse_python(piece.source)
    except SyntaxError:
        return ""
    return ast.dump(tree.body[0]) if len(tree.body) == 1 else ""


def module_names(source: str) -> frozenset[str]:
    """Every name ``source`` binds at module level: definitions, imports and assignment
    targets, under ``if``/``try``/``with`` too (empty when it does not parse)."""
    try:
        return module_level(parse_python(source)).names
    except SyntaxError:
        return frozenset()


def defined_names(source: str) -> list[str]:
    """Top-level function and class names of a module's source ([] when it does not parse)."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [n.name for n in tree.body if isinstance(n, kinds)]
