"""The measures behind refactor findings: McCabe complexity and parameter count."""

from __future__ import annotations

import ast
import sys
from typing import cast

_BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef)
_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
if sys.version_info >= (3, 11):
    _TRIES: tuple[type[ast.stmt], ...] = (ast.Try, ast.TryStar)
else:  # pragma: no cover - 3.10 has no except*
    _TRIES = (ast.Try,)


def mccabe_complexity(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The McCabe complexity of ``node`` as the ``mccabe`` package (flake8 C901) computes it.

    mccabe folds a nested function into its enclosing one (each closure adds a
    branch plus its own decisions), so for an outer function this is the figure
    ``python -m mccabe`` prints. A nested function never gets its own line in
    mccabe's output; walking it as if it stood alone gives its own figure by the
    same rules.
    """
    # Imported here: most checks never get past complexity_bound, and the
    # pre-commit hook should not pay for mccabe's optparse import.
    import mccabe

    visitor = mccabe.PathGraphingAstVisitor()
    visitor.preorder(node, visitor)
    (graph,) = visitor.graphs.values()
    return int(graph.complexity())


def complexity_bound(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """A cheap upper bound of :func:`mccabe_complexity`, to skip mccabe where it cannot matter.

    mccabe adds one per ``if``/``elif``, loop and nested function, and
    ``handlers + 1`` per ``try``; it skips ``finally`` bodies and ``match``
    statements, which this bound counts anyway, so the bound is never below
    mccabe's figure.
    """
    bound = 1
    pending: list[ast.AST] = list(node.body)
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, _BRANCHES):
            bound += 1
        elif isinstance(stmt, _TRIES):
            bound += len(cast(ast.Try, stmt).handlers) + 1
        for field in _BODY_FIELDS:
            value = getattr(stmt, field, None)
            if isinstance(value, list):
                pending.extend(value)
    return bound


def parameter_count(node: ast.FunctionDef | ast.AsyncFunctionDef, *, is_method: bool) -> int:
    """Parameters of ``node``, not counting a method's leading ``self``/``cls``.

    Positional-only and keyword-only parameters count; ``*args`` and
    ``**kwargs`` count one each.
    """
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    count = len(positional) + len(args.kwonlyargs)
    count += (args.vararg is not None) + (args.kwarg is not None)
    if is_method and positional and positional[0].arg in ("self", "cls"):
        count -= 1
    return count


def positional_count(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Contract v2's parameter count: positional-only and positional-or-keyword parameters.

    A first positional parameter named ``self`` or ``cls`` is not counted;
    keyword-only parameters, ``*args`` and ``**kwargs`` never are (callers name
    each keyword-only argument, the cure for a long list rather than the disease).
    """
    positional = [*node.args.posonlyargs, *node.args.args]
    count = len(positional)
    if positional and positional[0].arg in ("self", "cls"):
        count -= 1
    return count
