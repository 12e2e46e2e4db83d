"""What an imported name stands for, and which imported objects are context-local. Pure.

A drafted test may not leave an imported object changed (:mod:`ttabot.drafting.testeffects`),
but what it sets on a context-local proxy (flask's ``session``, ``g``, ``request``) lives in
the request or app context the test runs, not in the module: telling them apart needs
the dotted name behind each imported name, whatever it was imported as.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from ttabot.drafting.answer_parts import Alias

#: Flask's context-local proxies: what a test sets through one lives in the request or
#: app context it runs in, which ends with the test (``flask.session["user"] = 1`` in a
#: view, ``g.db = conn``); flask's own tests do it throughout. ``current_app`` is not
#: one of them here: it stands for an app object, which may be the test module's own.
_CONTEXT_LOCALS = tuple(
    tuple(dotted.split("."))
    for dotted in (
        "flask.g",
        "flask.request",
        "flask.session",
        "flask.globals.g",
        "flask.globals.request",
        "flask.globals.session",
    )
)


def imported_origins(aliases: Iterable[Alias]) -> dict[str, set[str]]:
    """For each name an import binds, the dotted names it may stand for ("" where a
    relative import makes it unknown): ``from flask import g`` binds ``g`` to
    ``flask.g``, ``import a.b`` binds ``a`` to ``a``."""
    out: dict[str, set[str]] = {}
    for alias in aliases:
        if alias.module is None:
            origin = alias.name if alias.asname else alias.name.split(".")[0]
        else:
            origin = "" if alias.level else f"{alias.module}.{alias.name}"
        out.setdefault(alias.bound, set()).add(origin)
    return out


def rebound_names(trees: Iterable[ast.AST]) -> set[str]:
    """Names the modules of ``trees`` bind otherwise than by an import: at module level
    (an assignment, a definition, a loop target, under ``if`` or ``try`` too), or in a
    function through ``global``. Such a name may stand for any object, whatever it was
    imported as first."""
    names: set[str] = set()
    for tree in trees:
        todo: list[ast.AST] = [tree]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Global):
                names.update(node.names)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
                # Their bodies bind their own names; only ``global`` reaches the module.
                names.update(
                    n for g in ast.walk(node) if isinstance(g, ast.Global) for n in g.names
                )
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                names.add(node.id)
            if not isinstance(node, ast.Lambda):
                todo.extend(ast.iter_child_nodes(node))
    return names


def local_aliases(tree: ast.AST) -> Iterable[Alias]:
    """Every import of ``tree``, at any depth (a test may import inside itself), as records."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (Alias(None, a.name, a.asname) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            yield from (Alias(module, a.name, a.asname, node.level) for a in node.names)


def context_local(changed: ast.expr, origins: dict[str, set[str]]) -> bool:
    """Whether ``changed``, the object a target sets an attribute or item on, is one of
    the context-local proxies itself, whatever name the test imported it by (what lies
    under a proxy, ``g.cache``, may be a shared object put there)."""
    path = dotted(changed)
    found = origins.get(path[0]) if path else None
    if not found or "" in found:
        return False
    return all((*origin.split("."), *path[1:]) in _CONTEXT_LOCALS for origin in found)


def dotted(node: ast.expr) -> list[str]:
    """``["flask", "g"]`` for ``flask.g``; empty unless ``node`` is names and attributes."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    return [node.id, *reversed(names)] if isinstance(node, ast.Name) else []
