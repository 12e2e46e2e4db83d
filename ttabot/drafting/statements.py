"""What a statement beside drafted code does when its module is imported. Pure.

Code a draft adds at module (or class) level runs on import: for a test module,
when pytest collects the project's tests, before any test runs, so it reaches
every other test module; for a rewritten function, whenever its module is
imported. Such code may define names; it must not change other objects.
"""

from __future__ import annotations

import ast


def defines_only(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` only defines names when it runs at import.

    Definitions, imports and assignments to plain names (or unpacking into
    them: ``WIDTH, HEIGHT = 3, 4``), also under ``if`` and
    ``try`` (``try: import numpy`` / ``except ImportError: numpy = None``); not a
    call, an assignment to an attribute or item (``other.__defaults__ = …``), a
    loop, a ``with`` or a ``del``. A plain name's value may still be a call: what
    a call does is beyond a static check.
    """
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return True
    if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass):
        return True
    if isinstance(stmt, ast.Assign):
        return all(_names_only(t) for t in stmt.targets)
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name)
    if isinstance(stmt, ast.If):
        return all(defines_only(s) for s in (*stmt.body, *stmt.orelse))
    if isinstance(stmt, ast.Try):
        bodies = [*stmt.body, *stmt.orelse, *stmt.finalbody]
        bodies += [s for handler in stmt.handlers for s in handler.body]
        return all(defines_only(s) for s in bodies)
    return False


def _names_only(target: ast.expr) -> bool:
    """Whether an assignment target binds plain names only (``a``, ``a, *rest``, ``[a, b]``)."""
    if isinstance(target, ast.Starred):
        return _names_only(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return all(_names_only(e) for e in target.elts)
    return isinstance(target, ast.Name)


def first_line(stmt: ast.stmt) -> str:
    """The statement's first line of code, for a reason (at most 60 characters)."""
    return ast.unparse(stmt).splitlines()[0][:60]
