"""What a statement beside drafted code does when its module is imported. Pure.

Code a draft adds at module (or class) level runs on import: for a test module,
when pytest collects the project's tests, before any test runs, so it reaches
every other test module; for a rewritten function, whenever its module is
imported. Such code may define names; it must not change other objects. And
which names a scope's statements bind (:func:`scope_bindings`), so that drafted
code binds none of the names its scope had again.
"""

from __future__ import annotations

import ast
from collections import Counter


def defines_only(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` only defines names when it runs at import (:func:`first_change`)."""
    return first_change(stmt) is None


def first_change(stmt: ast.stmt) -> ast.stmt | None:
    """The first statement run when ``stmt`` runs at import that does more than define names
    (``stmt`` itself or one in the body of its ``if``, ``try`` or class), or None.

    Definitions, imports and assignments to plain names (or unpacking into
    them: ``WIDTH, HEIGHT = 3, 4``), also under ``if`` and
    ``try`` (``try: import numpy`` / ``except ImportError: numpy = None``) and in a
    class body; not a call, an assignment to an attribute or item (``other.__defaults__
    = …``), a loop, a ``with`` or a ``del``. What the definitions evaluate at import
    counts too: decorators, default values, annotations, base classes and an ``if``'s
    test. A plain name's value may still be a call: what a call does is beyond a static
    check, but for the calls whose job is to change another object's attributes or items,
    or to run code from a string (``X = setattr(mod, "f", g)``, ``obj.__setitem__``,
    ``vars(m).update``, ``exec``).
    """
    if any(_changes(node) for node in _evaluated(stmt)):
        return stmt
    if isinstance(stmt, ast.ClassDef):
        return _first_of(stmt.body)
    if isinstance(stmt, ast.If):
        return _first_of([*stmt.body, *stmt.orelse])
    if isinstance(stmt, ast.Try):
        handlers = [s for handler in stmt.handlers for s in handler.body]
        return _first_of([*stmt.body, *handlers, *stmt.orelse, *stmt.finalbody])
    if isinstance(stmt, ast.Assign):
        return None if all(_names_only(t) for t in stmt.targets) else stmt
    if isinstance(stmt, ast.AnnAssign):
        return None if isinstance(stmt.target, ast.Name) else stmt
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return None  # a docstring (or a bare "...") does nothing
    defining = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Import, ast.ImportFrom, ast.Pass)
    return None if isinstance(stmt, defining) else stmt


def _first_of(body: list[ast.stmt]) -> ast.stmt | None:
    return next((found for s in body if (found := first_change(s)) is not None), None)


def _evaluated(stmt: ast.stmt) -> list[ast.expr]:
    """The expressions ``stmt`` itself evaluates when it runs (not those of its body)."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        args = stmt.args
        every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        annotations = [a.annotation for a in every if a is not None and a.annotation]
        defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        returns = [stmt.returns] if stmt.returns else []
        return [*stmt.decorator_list, *defaults, *annotations, *returns]
    if isinstance(stmt, ast.ClassDef):
        return [*stmt.decorator_list, *stmt.bases, *(k.value for k in stmt.keywords)]
    if isinstance(stmt, ast.If):
        return [stmt.test]
    if isinstance(stmt, ast.Try):
        return [h.type for h in stmt.handlers if h.type is not None]
    if isinstance(stmt, ast.Assign):
        return [stmt.value]
    if isinstance(stmt, ast.AnnAssign):
        return [stmt.annotation, *([stmt.value] if stmt.value else [])]
    return []


#: Builtins that change another object by name or run code from a string: called, passed
#: by name (``map(setattr, …)``) or reached as an attribute (``builtins.setattr``).
_CHANGING_BUILTINS = frozenset({"setattr", "delattr", "exec", "eval"})
#: The same jobs by attribute: ``operator.setitem(vars(m), …)``, ``builtins.setattr``.
_CHANGING_ATTRIBUTES = frozenset({"setattr", "delattr", "setitem", "delitem"})
#: Methods that change the object they are called on, by their dunder names.
_CHANGING_METHODS = frozenset(
    {"__setattr__", "__delattr__", "__setitem__", "__delitem__", "__set__", "__delete__"}
)
#: Namespaces of objects (``vars(m)``, ``globals()``, ``m.__dict__``): changing one
#: with a dict method changes that object's names; reading one is fine.
_NAMESPACES = frozenset({"vars", "globals", "locals"})
_DICT_CHANGES = frozenset({"update", "pop", "popitem", "setdefault", "clear"})


def _changes(value: ast.expr | None) -> bool:
    """Whether an expression run at import calls what changes another object (or runs a
    string)."""
    if value is None:
        return False
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and node.id in _CHANGING_BUILTINS:
            return True
        if isinstance(node, ast.Attribute) and (
            node.attr in _CHANGING_METHODS
            or node.attr in _CHANGING_ATTRIBUTES
            or (node.attr in _DICT_CHANGES and _is_namespace(node.value))
        ):
            return True  # obj.__setattr__(...), vars(m).update(...), m.__dict__.pop(...)
    return False


def _is_namespace(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "__dict__"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _NAMESPACES
    )


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


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def scope_bindings(body: list[ast.stmt]) -> Counter[str]:
    """How many times one scope's ``body`` binds each name (defs, imports, targets).

    Bindings under ``if``/``try``/``for``/``with`` count, each one (a ``try`` whose
    ``else`` defines the function again binds it twice); nested functions, classes,
    lambdas and comprehensions are scopes of their own and do not.
    """
    counts: Counter[str] = Counter()
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            counts[node.name] += 1
            todo.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            counts.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            counts[node.id] += 1
        if not isinstance(node, _SCOPES + _COMPREHENSIONS):
            todo.extend(ast.iter_child_nodes(node))
    return counts
