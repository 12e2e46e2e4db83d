"""The measures behind refactor findings: McCabe complexity and parameter count."""

from __future__ import annotations

import ast

import mccabe


def mccabe_complexity(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The McCabe complexity of ``node`` as the ``mccabe`` package (flake8 C901) computes it.

    mccabe folds a nested function into its enclosing one (each closure adds a
    branch plus its own decisions), so for an outer function this is the figure
    ``python -m mccabe`` prints. A nested function never gets its own line in
    mccabe's output; walking it as if it stood alone gives its own figure by the
    same rules.
    """
    visitor = mccabe.PathGraphingAstVisitor()
    visitor.preorder(node, visitor)
    (graph,) = visitor.graphs.values()
    return int(graph.complexity())


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
