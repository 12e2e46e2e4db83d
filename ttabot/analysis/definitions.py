"""The definitions of a module (``def``, ``async def``, ``class``) and what rules need of them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import NamedTuple

DefNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef

# Statement fields that hold nested statements; walking only these keeps the
# scan to statements (a fraction of all nodes) instead of every expression.
_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


class Definition(NamedTuple):
    """One definition of a module, in source order (parents before children).

    ``start`` is the first decorator line (or ``line``), ``line`` the def/class
    line, ``end`` the last line. ``parent`` is the index of the enclosing
    definition in the module's tuple. ``docstring_lines`` are the lines of the
    docstring that do not share the def line.
    """

    symbol: str
    name: str
    node: DefNode
    start: int
    line: int
    end: int
    parent: int | None
    is_function: bool
    is_method: bool
    public: bool
    is_overload: bool
    is_accessor: bool
    docstring: str | None
    docstring_lines: range


def dotted_name(expr: ast.expr) -> str:
    """``a.b.c`` for a decorator such as ``@a.b.c`` or ``@a.b.c(...)``; ``""`` otherwise."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return ""
    parts.append(expr.id)
    return ".".join(reversed(parts))


def _is_overload(node: DefNode) -> bool:
    # overload, typing.overload, t.overload, typing_extensions.overload...
    return any(dotted_name(d).split(".")[-1] == "overload" for d in node.decorator_list)


def _is_accessor(node: DefNode) -> bool:
    for dec in node.decorator_list:
        if isinstance(dec, ast.Attribute) and dec.attr in ("setter", "deleter"):
            return True
    return False


def _assigns_all(stmt: ast.stmt) -> tuple[bool, ast.expr] | None:
    """``(replaces, value)`` when ``stmt`` sets (``=``) or extends (``+=``) ``__all__``."""
    if isinstance(stmt, ast.Assign):
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets):
            return True, stmt.value
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        named = isinstance(stmt.target, ast.Name) and stmt.target.id == "__all__"
        if named and stmt.value is not None:
            return isinstance(stmt, ast.AnnAssign), stmt.value
    return None


def exported_names(tree: ast.Module) -> frozenset[str] | None:
    """The names a module lists in a literal ``__all__``; ``None`` when it sets none we can read."""
    names: set[str] | None = None
    for stmt in tree.body:
        assignment = _assigns_all(stmt)
        if assignment is None:
            continue
        replaces, value = assignment
        listed = _literal_strings(value)
        if listed is None:
            return None  # a computed __all__: we cannot tell, so do not filter
        if replaces or names is None:
            names = set()
        names.update(listed)
    return None if names is None else frozenset(names)


def _literal_strings(expr: ast.expr) -> list[str] | None:
    if not isinstance(expr, ast.List | ast.Tuple):
        return None
    out: list[str] = []
    for elt in expr.elts:
        if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
            return None
        out.append(elt.value)
    return out


def _child_statements(stmt: ast.AST) -> Iterator[ast.AST]:
    for field in _BODY_FIELDS:
        value = getattr(stmt, field, None)
        if isinstance(value, list):
            yield from value


def _docstring_lines(node: DefNode) -> range:
    if not node.body:
        return range(0)
    first = node.body[0]
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return range(0)
    end = first.end_lineno or first.lineno
    return range(max(first.lineno, node.lineno + 1), end + 1)


def collect_definitions(tree: ast.Module) -> tuple[Definition, ...]:
    """Every definition in ``tree``, parents before their children."""
    exported = exported_names(tree)
    out: list[Definition] = []

    def visit(stmts: list[ast.AST], parent: int | None) -> None:
        for stmt in stmts:
            if isinstance(stmt, DefNode):
                add(stmt, parent)
            else:
                visit(list(_child_statements(stmt)), parent)

    def add(node: DefNode, parent: int | None) -> None:
        owner = out[parent] if parent is not None else None
        is_function = not isinstance(node, ast.ClassDef)
        if owner is None:
            public = not node.name.startswith("_") and (exported is None or node.name in exported)
        else:
            public = not owner.is_function and owner.public and not node.name.startswith("_")
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        out.append(
            Definition(
                symbol=node.name if owner is None else f"{owner.symbol}.{node.name}",
                name=node.name,
                node=node,
                start=start,
                line=node.lineno,
                end=node.end_lineno or node.lineno,
                parent=parent,
                is_function=is_function,
                is_method=is_function and owner is not None and not owner.is_function,
                public=public,
                is_overload=is_function and _is_overload(node),
                is_accessor=is_function and _is_accessor(node),
                docstring=ast.get_docstring(node, clean=False),
                docstring_lines=_docstring_lines(node),
            )
        )
        visit(list(node.body), len(out) - 1)

    visit(list(tree.body), None)
    return tuple(out)
