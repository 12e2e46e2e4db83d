"""What a drafted test does beyond its own run, read from the answer alone. Pure.

Part of the test-code stage (:mod:`ttabot.drafting.testcode`): a test must not reach
the coverage measurement that judges it (:func:`measurement_reach`), must leave no
imported object changed for the tests after it (:func:`imported_change`, scopes read
as Python reads them), and the module-level code it needs must only define names
(:func:`import_time_change`).
"""

from __future__ import annotations

import ast
import contextlib
from typing import NamedTuple

from ttabot.drafting.answer_parts import Alias, AnswerParts, last_name
from ttabot.drafting.import_origins import (
    context_local,
    imported_origins,
    local_aliases,
    rebound_names,
)
from ttabot.drafting.statements import first_change, first_line
from ttabot.drafting.testasserts import drafted_trees, existing_level, existing_tree

#: What a test could change the coverage measurement with: the tracer hooks, and
#: coverage itself (its data takes lines for a context that never ran them).
_TRACER_HOOKS = frozenset({"settrace", "setprofile"})
_MEASURING_MODULES = ("coverage", "sys.monitoring")
#: Calls that reach a module or attribute named by a string: ``__import__("coverage")``,
#: ``importlib.import_module``, ``getattr(sys, "monitoring")``.
_BY_NAME = frozenset({"__import__", "import_module", "reload", "find_spec", "getattr"})


def measurement_reach(parts: AnswerParts, name: str) -> str | None:
    """How test ``name`` (or the code it needs) reaches the coverage measurement, or None.

    A test that writes lines into coverage's data under its own context, or turns the
    tracer off, decides its own coverage verdict; a test of the project never needs to.
    The project's own things that share a name with it (``report["coverage"]``,
    ``app.monitoring``) are not it.
    """
    trees, used = drafted_trees(parts, name)
    for alias in parts.imports:
        dotted = alias.name if alias.module is None else f"{alias.module}.{alias.name}"
        if alias.bound in used and _measuring(dotted):
            return f"import {dotted}"
    for tree in trees:
        for node in ast.walk(tree):
            found = _reaches(node)
            if found is not None:
                return found
    return None


def _measuring(dotted: str) -> bool:
    return any(dotted == m or dotted.startswith(m + ".") for m in _MEASURING_MODULES)


def _reaches(node: ast.AST) -> str | None:
    """How one node reaches the measurement: a tracer hook, ``sys.monitoring``, a
    measuring module named in ``sys.modules`` or to a call that imports or gets by name."""
    if isinstance(node, ast.Attribute):
        if node.attr in _TRACER_HOOKS:
            return node.attr
        if node.attr == "monitoring" and _root(node.value) == "sys":
            return "sys.monitoring"
    named: list[ast.expr] = []
    if isinstance(node, ast.Call):
        func = node.func
        by_name = last_name(func) in _BY_NAME
        on_modules = isinstance(func, ast.Attribute) and last_name(func.value) == "modules"
        if by_name or on_modules:
            named = list(node.args)
    elif isinstance(node, ast.Subscript) and last_name(node.value) == "modules":
        named = [node.slice]
    for arg in named:
        text = arg.value if isinstance(arg, ast.Constant) else None
        if isinstance(text, str) and (_measuring(text) or text in ("monitoring", *_TRACER_HOOKS)):
            return repr(text)
    return None


def imported_change(parts: AnswerParts, name: str, existing: str) -> str | None:
    """What test ``name`` (or a helper it uses) sets or deletes on an imported object
    when it runs, or None: ``pkg.calc.LIMIT = 2``, ``os.environ["TZ"] = …``,
    ``setattr(pkg.calc, …)``.

    Nothing undoes it: it stays for every test after it in the session, those of other
    test modules too, which the existing stage does not run. ``monkeypatch`` undoes it.
    """
    imported = {alias.bound for alias in parts.imports}
    aliases: list[Alias] = list(parts.imports)
    modules: list[ast.AST] = []
    with contextlib.suppress(SyntaxError):  # an existing module that does not parse
        level = existing_level(existing)
        imported |= set(level.imports)
        aliases += level.aliases
        modules.append(existing_tree(existing))
    trees = drafted_trees(parts, name)[0]
    origins = imported_origins([*aliases, *(a for tree in trees for a in local_aliases(tree))])
    # A name bound again (``g = registry``, ``global g``) may be any object: no proxy.
    for rebound in rebound_names([*modules, *trees]):
        origins.setdefault(rebound, set()).add("")
    for tree in trees:
        for function in _outermost_functions(tree):
            found = _changed_in_scope(function, imported, frozenset(), origins)
            if found is not None:
                return found
    return None


def _outermost_functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions of ``tree`` not nested in another function (methods included)."""
    out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append(node)
        else:
            todo.extend(ast.iter_child_nodes(node))
    return out


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class _Scope(NamedTuple):
    """One function's own code (not that of the functions nested in it) and its names."""

    nodes: list[ast.AST]
    nested: list[ast.FunctionDef | ast.AsyncFunctionDef]
    #: Names local to it: parameters, assignment, loop, ``with`` and ``except`` targets,
    #: definitions (not imports, not ``global`` ones, not a comprehension's own).
    local: frozenset[str]
    #: Names its own imports bind: local names, yet bound to shared modules.
    imported: frozenset[str]


def _scope(function: ast.FunctionDef | ast.AsyncFunctionDef) -> _Scope:
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    local = {a.arg for a in every if a is not None}
    imported: set[str] = set()
    declared: set[str] = set()
    comprehended: set[int] = set()  # a comprehension's targets are its own scope's
    nodes: list[ast.AST] = []
    nested: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    todo: list[tuple[ast.AST, bool]] = [(child, True) for child in function.body]
    while todo:
        node, binds = todo.pop()
        if isinstance(node, _FUNCTIONS):
            nested.append(node)
            if binds:
                local.add(node.name)
            continue
        nodes.append(node)
        if isinstance(node, ast.comprehension):
            comprehended.update(id(n) for n in ast.walk(node.target))
        if not binds:
            pass
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            if id(node) not in comprehended:
                local.add(node.id)
        elif isinstance(node, ast.alias):
            imported.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ClassDef | ast.ExceptHandler) and node.name:
            local.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        # A class body's names are the class's, not the function's.
        inner = binds and not isinstance(node, ast.ClassDef)
        todo.extend((child, inner) for child in ast.iter_child_nodes(node))
    return _Scope(nodes, nested, frozenset(local - declared - imported), frozenset(imported))


def _changed_in_scope(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    imported: set[str],
    enclosing: frozenset[str],
    origins: dict[str, set[str]],
) -> str | None:
    """What ``function`` or a function nested in it changes on an imported object.

    A name the function (or one it is nested in) binds itself is its own local,
    whatever the module imports under that name: ``app = create_app()`` then
    ``app.debug = True`` changes the test's own app. A name its own ``import`` binds
    is a shared module all the same; a ``global`` one is the module's.
    """
    scope = _scope(function)
    local = (scope.local | enclosing) - _declared_global(function)
    found = _changed_object(scope.nodes, (imported | scope.imported) - local, origins)
    if found is not None:
        return found
    for inner in scope.nested:
        found = _changed_in_scope(inner, imported | scope.imported, local, origins)
        if found is not None:
            return found
    return None


def _declared_global(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {
        name for node in ast.walk(function) if isinstance(node, ast.Global) for name in node.names
    }


def _changed_object(
    nodes: list[ast.AST], imported: set[str], origins: dict[str, set[str]]
) -> str | None:
    for node in nodes:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("setattr", "delattr")
            and node.args
        ):
            targets = [ast.Attribute(node.args[0], "_", ast.Store())]
        for target in _flattened(targets):
            if not isinstance(target, ast.Attribute | ast.Subscript):
                continue
            if _root(target) in imported and not context_local(target.value, origins):
                return ast.unparse(target.value if isinstance(target, ast.Subscript) else target)
    return None


def _flattened(targets: list[ast.expr]) -> list[ast.expr]:
    out: list[ast.expr] = []
    for target in targets:
        if isinstance(target, ast.Tuple | ast.List):
            out += _flattened(list(target.elts))
        else:
            out.append(target.value if isinstance(target, ast.Starred) else target)
    return out


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def import_time_change(parts: AnswerParts, name: str) -> str | None:
    """The first statement run at import that test ``name`` or the module-level code it
    needs holds and that does more than define names
    (:func:`~ttabot.drafting.statements.first_change`: a test class's body, a test's
    decorators and defaults run when pytest collects the module), or None."""
    for tree in drafted_trees(parts, name)[0]:
        for stmt in tree.body:
            found = first_change(stmt)
            if found is not None:
                return first_line(found)
    return None
