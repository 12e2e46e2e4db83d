"""Which parts of a drafted test a run can reach, read from its syntax alone. Pure.

A check counts only where a run can get to it (:mod:`ttabot.drafting.testasserts`): not
in a function the test defines and never names, not in the branch a constant test never
takes (``if False:``, ``while 0:``), not after a ``return``, ``raise``, ``break`` or
``continue`` in the same block, nor in a ``try``'s ``else`` after a body that ends so.
"""

from __future__ import annotations

import ast


def constant_valued(node: ast.expr) -> bool:
    """Whether ``node``'s value is the same whatever the code did: it reads no name."""
    return not any(isinstance(sub, ast.Name) for sub in ast.walk(node))


def run_nodes(node: ast.AST) -> list[ast.AST]:
    """The nodes of ``node`` but those no run reaches: a function defined inside a
    function and never named there (nor decorated), the branch a constant test never
    takes (``if False:``, ``while 0:``), and statements after a ``return``, ``raise``,
    ``break`` or ``continue`` in the same block."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    loaded = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    out: list[ast.AST] = []
    todo = [node]
    while todo:
        sub = todo.pop()
        out.append(sub)
        for child in _live_children(sub):
            unused = (
                isinstance(child, functions)
                and not child.decorator_list
                and child.name not in loaded
            )
            if not (isinstance(sub, functions) and unused):
                todo.append(child)
    return out


_ENDS_BLOCK = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def _live_children(node: ast.AST) -> list[ast.AST]:
    """``node``'s children that a run may reach (see :func:`run_nodes`)."""
    if isinstance(node, ast.If | ast.While) and constant_valued(node.test):
        try:
            taken = bool(ast.literal_eval(node.test))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass  # "1 == 1", "not x": not read here, both branches count
        else:
            if isinstance(node, ast.If):
                return [node.test, *_reached(node.body if taken else node.orelse)]
            return [node.test, *_reached(node.body + node.orelse if taken else node.orelse)]
    children: list[ast.AST] = []
    fields = ast.iter_fields(node)
    if isinstance(node, ast.Try | ast.TryStar) and _ends(node.body):
        # The else runs only when the body ran to its end: never after its return or raise.
        fields = ((field, value) for field, value in fields if field != "orelse")
    for value in (v for _, v in fields):
        if isinstance(value, list):
            statements = all(isinstance(item, ast.stmt) for item in value)
            children += (
                _reached(value) if statements else [v for v in value if isinstance(v, ast.AST)]
            )
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


def _ends(block: list[ast.stmt]) -> bool:
    """Whether ``block`` runs into a ``return``, ``raise``, ``break`` or ``continue`` of its own."""
    return any(isinstance(statement, _ENDS_BLOCK) for statement in block)


def _reached(block: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of ``block`` up to the first that ends it (``return``, ``raise``…)."""
    for at, statement in enumerate(block):
        if isinstance(statement, _ENDS_BLOCK):
            return block[: at + 1]
    return block
