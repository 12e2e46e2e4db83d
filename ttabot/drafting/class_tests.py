"""A drafted test class, judged method by method. Pure.

A class's test methods are its units: each is measured, judged and kept or taken out on
its own (:mod:`ttabot.drafting.judge`, :mod:`ttabot.drafting.testasserts`), so the class
may hold no test that is not one method of its own, and a method taken out leaves the
rest of the class as written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from ttabot.analysis.source import lines_with_ends, parse_python
from ttabot.drafting.answer_parts import Piece, is_test_name, names_used
from ttabot.drafting.statements import scope_bindings

_METHODS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _the_class(source: str) -> ast.ClassDef | None:
    """The class a drafted test's ``source`` is, or None (a function, or no parse)."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return None
    node = tree.body[0] if len(tree.body) == 1 else None
    return node if isinstance(node, ast.ClassDef) else None


def test_methods(source: str, name: str) -> list[str]:
    """``Class.method`` for each test method a drafted test class defines; else ``[name]``.

    ``source`` is the test's own piece (a top-level function or class).
    """
    node = _the_class(source)
    if node is None:
        return [name]
    methods = [n.name for n in node.body if isinstance(n, _METHODS) and n.name.startswith("test")]
    return [f"{name}.{m}" for m in methods] or [name]


def stray_test(source: str) -> str | None:
    """A test in drafted test class ``source`` that is not one method of its own, or None.

    The class is judged method by method (:func:`test_methods`), so pytest must collect
    nothing else from it: a test name bound twice (pytest runs the last ``def``, the
    stages judged both), bound by an assignment or import (``test_b = run``), or a nested
    test class would run unjudged, carried by its sisters.
    """
    node = _the_class(source)
    if node is None:
        return None
    methods = {n.name for n in node.body if isinstance(n, _METHODS)}
    for name, count in scope_bindings(node.body).items():
        if name.startswith("Test") or (
            name.startswith("test") and (count > 1 or name not in methods)
        ):
            return name
    nested = (n for n in node.body if isinstance(n, ast.ClassDef) and is_test_name(n))
    return next((n.name for n in nested), None)


def without_methods(piece: Piece, methods: Iterable[str]) -> Piece | None:
    """A drafted test class's ``piece`` with its test methods ``methods`` (and their
    decorators) taken out; None unless it is one class left with a test method.

    A class is judged method by method: one that fails a stage is dropped, its
    sisters kept, as a test function is.
    """
    node = _the_class(piece.source)
    if node is None:
        return None
    gone = set(methods)
    cut = [n for n in node.body if isinstance(n, _METHODS) and n.name in gone]
    left = [n for n in node.body if isinstance(n, _METHODS) and n not in cut]
    if not cut or not any(n.name.startswith("test") for n in left):
        return None
    lines: set[int] = set()
    for method in cut:
        first = min([method.lineno, *(d.lineno for d in method.decorator_list)])
        lines.update(range(first, (method.end_lineno or method.lineno) + 1))
    text = "".join(
        line for number, line in enumerate(lines_with_ends(piece.source), 1) if number not in lines
    )
    try:
        (trimmed,) = parse_python(text).body
    except (SyntaxError, ValueError):
        return None  # a body left empty, or lines shared in ways a cut cannot follow
    return piece._replace(source=text, uses=names_used(trimmed))
