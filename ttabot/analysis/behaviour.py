"""Did a function's behaviour change? Contract v2's tests-needed compares *behaviour fingerprints*.

A fingerprint is ``ast.dump(node, include_attributes=False)`` of the function
after removing what cannot change what it does: every annotation (arguments,
returns, ``x: T = v`` compares as ``x = v``, a bare ``x: T`` is dropped), the
docstrings of the function and of the definitions nested in it, and type
comments. Decorators and default values stay: they change behaviour.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from ttabot.analysis.definitions import DefNode

_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _is_docstring(stmt: ast.stmt) -> bool:
    """A first statement that is a ``str`` constant (the contract's definition of a docstring)."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


#: Fields whose values never change behaviour: annotations and type comments.
_IGNORED_FIELDS = frozenset({"annotation", "returns", "type_comment"})


def fingerprint(node: _FunctionNode) -> str:
    """The behaviour fingerprint of a function (see the module docstring).

    Equal exactly when ``ast.dump(stripped, include_attributes=False)`` is: a
    structural dump of every field (names, nested nodes, ``repr`` of values),
    written while walking instead of stripping a deep copy, which cost five
    times as much on every changed function of a commit. The walk keeps its
    own stack: ``x+1+1+...`` nests deeper than Python's recursion limit
    allows, yet parses.
    """
    out: list[str] = []
    # (True, text) is written as it is; (False, value) is dumped.
    pending: list[tuple[bool, object]] = [(False, node)]
    while pending:
        literal, item = pending.pop()
        if literal:
            assert isinstance(item, str)
            out.append(item)
        elif isinstance(item, ast.AST):
            pending.extend(reversed(_node_parts(item)))
        elif isinstance(item, list):
            parts: list[tuple[bool, object]] = [(True, "[")]
            # A bare `x: T` declares a type and does nothing at run time: dropped.
            for element in _statements(item):
                parts += [(False, element), (True, ",")]
            parts.append((True, "]"))
            pending.extend(reversed(parts))
        else:
            out.append(repr(item))
    return "".join(out)


def _node_parts(node: ast.AST) -> list[tuple[bool, object]]:
    if isinstance(node, ast.AnnAssign):
        node = _plain(node)  # `x: T = v` compares as `x = v`
    parts: list[tuple[bool, object]] = [(True, f"{type(node).__name__}(")]
    for name in node._fields:
        field = None if name in _IGNORED_FIELDS else getattr(node, name, None)
        if name == "body" and isinstance(node, DefNode):
            # A body emptied this way stays empty: no `pass` that is not in the source.
            field = _without_docstring(field)
        parts += [(True, f"{name}="), (False, field), (True, ",")]
    parts.append((True, ")"))
    return parts


def same_behaviour(left: _FunctionNode, right: _FunctionNode) -> bool:
    """True when two functions have the same :func:`fingerprint`, without building either.

    Both trees are walked side by side (with its own stack, like
    :func:`fingerprint`) and the walk stops at the first difference; a changed
    function usually differs long before its end. Leaf values compare as
    ``ast.dump`` shows them: same type and same ``repr``.
    """
    pending: list[tuple[object, object]] = [(left, right)]
    while pending:
        one, other = pending.pop()
        if isinstance(one, ast.AnnAssign):
            one = _plain(one)
        if isinstance(other, ast.AnnAssign):
            other = _plain(other)
        kind = type(one)
        if kind is not type(other):
            return False
        if isinstance(one, ast.AST):
            assert isinstance(other, ast.AST)
            for name in one._fields:
                if name in _IGNORED_FIELDS:
                    continue
                mine, theirs = getattr(one, name, None), getattr(other, name, None)
                if name == "body" and isinstance(one, DefNode):
                    mine, theirs = _without_docstring(mine), _without_docstring(theirs)
                pending.append((mine, theirs))
        elif kind is list:
            assert isinstance(one, list) and isinstance(other, list)
            kept, other_kept = _statements(one), _statements(other)
            if len(kept) != len(other_kept):
                return False
            pending.extend(zip(kept, other_kept, strict=True))
        elif one != other and repr(one) != repr(other):
            return False
    return True


def _plain(node: ast.AnnAssign) -> ast.stmt:
    """``x: T = v`` as ``x = v`` (a bare ``x: T`` is left for its list to drop)."""
    if node.value is None:
        return node
    return ast.Assign(targets=[node.target], value=node.value, type_comment=None)


def _without_docstring(body: object) -> object:
    if isinstance(body, list) and body and _is_docstring(body[0]):
        return body[1:]
    return body


def _statements(items: list[object]) -> list[object]:
    """A list as the fingerprint sees it: without bare ``x: T`` annotations."""
    return [i for i in items if not (isinstance(i, ast.AnnAssign) and i.value is None)]


def functions_by_symbol(tree: ast.Module) -> dict[str, list[_FunctionNode]]:
    """The functions of a module, grouped by dotted name as ``collect_definitions`` names them.

    A class is a definition of its name, so the name is not new, but an old
    class never matches a new function: it is listed with no functions. Only
    names are computed (no docstrings, spans or visibility): this runs on the
    old version of every changed file with a function that may need tests.
    """
    out: dict[str, list[_FunctionNode]] = {}
    pending: list[tuple[ast.AST, str]] = [(stmt, "") for stmt in reversed(tree.body)]
    while pending:
        stmt, prefix = pending.pop()
        if isinstance(stmt, DefNode):
            symbol = f"{prefix}{stmt.name}"
            found = out.setdefault(symbol, [])
            if isinstance(stmt, _FunctionNode):
                found.append(stmt)
            pending.extend((child, f"{symbol}.") for child in reversed(stmt.body))
            continue
        for field in _BODY_FIELDS:
            value = getattr(stmt, field, None)
            if isinstance(value, list):
                pending.extend((child, prefix) for child in reversed(value))
    return out


def may_define(text: str, symbol: str) -> bool:
    """False only when ``text`` cannot define dotted ``symbol``: a part of the name is absent.

    A definition spells its name in the source, so an ASCII file that does not
    contain every part of the name defines no such symbol, and need not be
    parsed. Non-ASCII source may spell a name in a form that Python normalises
    (NFKC), so it always may.
    """
    if not text.isascii():
        return True
    return all(part in text for part in symbol.split("."))


def behaviour_change(node: DefNode, old: Sequence[_FunctionNode] | None) -> str | None:
    """Why a touched function needs tests under contract v2, or ``None`` when it does not.

    ``old`` holds the old file's functions of the same dotted name (``None``:
    no definition of that name, or no old version at all: the file is added,
    unknown or does not parse). Returns ``"new"`` then, ``"behaviour-changed"``
    when no old function has the same fingerprint.
    """
    if old is None:
        return "new"
    if not isinstance(node, _FunctionNode):
        return "behaviour-changed"
    # Overloads, getter/setter pairs, if/else branches: unchanged if any old one is the same.
    if any(same_behaviour(node, candidate) for candidate in old):
        return None
    return "behaviour-changed"
