"""The test-code stage: what a drafted test and the code it needs may do, read from the
answer (and the project's test helpers it imports, read through an injected reader)
before anything runs. Pure.

A test must check something; the module-level code it brings along must only define
names, and must not change what the test module's existing tests run with: no name
of the module bound again (nor possibly so, by a star import), no fixture they request
replaced, no module-wide autouse fixture or ``pytestmark``, no test that no stage
judges, no test methods inherited; and the test must leave no imported object changed
nor reach the coverage measurement that judges it.
:func:`test_code_problem` says why a test fails the stage, for its drop reason.
Whether a test checks anything is :mod:`ttabot.drafting.testasserts`; what it does
beyond its own run, :mod:`ttabot.drafting.testeffects`; the names it may bind, here.
"""

from __future__ import annotations

import ast
import builtins
import functools

from ttabot.analysis.source import parse_python
from ttabot.drafting.answer_parts import (
    AnswerParts,
    Piece,
    callee,
    is_test_method,
    is_test_name,
    last_name,
    needed,
    served_fixture,
)
from ttabot.drafting.class_tests import stray_test
from ttabot.drafting.module_scope import ModuleLevel, imported_as, statement_dump
from ttabot.drafting.testasserts import asserts_something, existing_level, existing_tree
from ttabot.drafting.testeffects import import_time_change, imported_change, measurement_reach
from ttabot.drafting.testhelpers import HelperFiles

#: Why a test (or a test method) that checks nothing is dropped.
IDLE = "asserts nothing: a test that only runs code checks no result"


def test_code_problem(
    parts: AnswerParts, name: str, existing: str, helpers: HelperFiles | None = None
) -> str | None:
    """Why drafted test ``name`` fails the test-code stage against the ``existing``
    test module it joins, or None: each reason is fed back to the model. ``helpers``
    reads the project's test support modules a test's checks may be imported from."""
    stray = stray_test(parts.tests[name].source)
    if stray is not None:
        return (
            f"pytest would collect {stray} from the class, which is no test method of its "
            "own (defined twice, assigned, imported or a nested class): each test of a class "
            "is judged as one method, defined once"
        )
    if not asserts_something(parts, name, existing, helpers):
        return IDLE
    reach = measurement_reach(parts, name)
    if reach is not None:
        return (
            f"reaches the measurement that judges it ({reach}): the coverage stage reads "
            "which lines each test ran from it"
        )
    left = imported_change(parts, name, existing)
    if left is not None:
        return (
            f"leaves {left} changed, an imported object: every test after it, in other "
            "test modules too, would see it (use monkeypatch, which undoes it)"
        )
    changes = import_time_change(parts, name)
    if changes is not None:
        return (
            f"needs module-level code that runs at import and changes other objects: "
            f"{changes!r} (collecting the project's tests would run it for every test)"
        )
    star = star_import(parts, existing)
    if star is not None:
        return (
            f"needs {star}: merged after the module's own imports, it could rebind any "
            "of them unseen (import the names the test uses)"
        )
    rebound = rebinding(parts, name, existing)
    if rebound is not None:
        return (
            f"needs {rebound!r} bound again, which the test module already defines or "
            "uses: its existing tests would run with the new one (use the module's own, "
            "or another name)"
        )
    unjudged = unjudged_test(parts, name)
    if unjudged is not None:
        return (
            f"needs module-level code that defines another test ({unjudged}), which "
            "pytest would collect and no stage judged: define tests at the top level"
        )
    wide = module_wide(parts, name, existing)
    if wide is not None:
        return (
            f"needs a module-wide autouse fixture or pytestmark ({wide}): it would reach "
            "the module's existing tests too (request a fixture by name or mark the test "
            "itself; an autouse fixture may go in the test's class)"
        )
    base = inherited_tests(parts, name, existing)
    if base is not None:
        return (
            f"inherits the test methods of {base}: they would run twice (take a fixture, "
            "or a base class without tests)"
        )
    return None


_BUILTINS = frozenset(dir(builtins))


@functools.lru_cache(maxsize=8)
def _taken(existing: str) -> tuple[ModuleLevel, frozenset[str], frozenset[str]]:
    """What drafted code may not bind again in ``existing``: its module-level facts, the
    names it binds or whose builtin its code uses (shadowed, that changes too), and the
    fixtures its tests request from conftest.py or pytest (``tmp_path``: defined in the
    module, a drafted fixture would serve them instead). Once per module, not per test."""
    tree = existing_tree(existing)
    own = existing_level(existing)
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return own, own.names | (loaded & _BUILTINS), frozenset(_requested_fixtures(tree))


def rebinding(parts: AnswerParts, name: str, existing: str) -> str | None:
    """The first name of the ``existing`` test module that the imports or module-level
    code test ``name`` needs would bind again to something else, or None.

    Merged below the module's own code, such a binding replaces the module's own for
    its existing tests too: they would run with the drafted fixture, helper or import
    and might pass without testing what they did. A copy of one of the module's own
    statements, or an import of what the module imports under that name, changes
    nothing (:func:`merge` leaves it out).
    """
    try:
        own, names, fixtures = _taken(existing)
    except SyntaxError:
        return None
    support, used = needed(parts, [name])
    for alias in parts.imports:
        bound = alias.bound
        if (
            bound in names
            and bound in used
            and imported_as(alias) not in own.imports.get(bound, ())
        ):
            return bound
    for piece in support:
        clash = sorted(piece.binds & names) or sorted({_fixture_name(piece)} & fixtures)
        if clash and statement_dump(piece) not in own.statements:
            return clash[0]
    return None


def star_import(parts: AnswerParts, existing: str) -> str | None:
    """A star import of the answer (merged whenever a test is kept) that the
    ``existing`` module, which binds names of its own, does not already make; or None."""
    try:
        own, _names, _fixtures = _taken(existing)
    except SyntaxError:
        return None
    for alias in parts.imports:
        if alias.name == "*" and own.names and alias not in own.aliases:
            return f"from {'.' * alias.level}{alias.module} import *"
    return None


def unjudged_test(parts: AnswerParts, name: str) -> str | None:
    """A test that the module-level code test ``name`` needs defines, or None.

    pytest collects a test defined under an ``if`` or ``try`` too, yet no stage judges
    it (only the answer's top-level tests run, by node id): it would land unjudged.
    """
    support, _used = needed(parts, [name])
    for piece in support:
        try:
            tree = parse_python(piece.source)
        except SyntaxError:
            continue
        todo: list[ast.stmt] = list(tree.body)
        while todo:
            stmt = todo.pop(0)
            if is_test_name(stmt):
                assert isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                return stmt.name
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                todo.extend(s for s in ast.iter_child_nodes(stmt) if isinstance(s, ast.stmt))
    return None


def module_wide(parts: AnswerParts, name: str, existing: str) -> str | None:
    """The autouse fixture or ``pytestmark`` test ``name`` brings that would reach the
    ``existing`` module's own tests, or None (none, or the module has no tests yet).

    Either runs for (or marks) every test of the module: one can swap the code under
    test for a stand-in in the maintainers' tests only, which then still pass.
    """
    try:
        tree = existing_tree(existing)
    except SyntaxError:
        return None
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    if not any(isinstance(n, kinds) and n.name.startswith("test") for n in ast.walk(tree)):
        return None
    support, _used = needed(parts, [name])
    wide = next((piece for piece in support if piece.always), None)
    return None if wide is None else ", ".join(sorted(wide.binds))


def _requested_fixtures(tree: ast.Module) -> set[str]:
    """The fixtures a module's tests and fixtures request: their parameters (but
    ``self``/``cls``) and the names of ``@pytest.mark.usefixtures("db")``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                call = decorator if isinstance(decorator, ast.Call) else None
                if call is not None and last_name(call.func) == "usefixtures":
                    names.update(
                        a.value
                        for a in call.args
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    )
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        fixture = any(last_name(callee(d)) == "fixture" for d in node.decorator_list)
        if node.name.startswith("test") or fixture:
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            names.update(a.arg for a in every if a.arg not in ("self", "cls"))
    return names


def _fixture_name(piece: Piece) -> str:
    try:
        tree = parse_python(piece.source)
    except SyntaxError:
        return ""
    return served_fixture(tree.body[0]) if len(tree.body) == 1 else ""


def inherited_tests(parts: AnswerParts, name: str, existing: str) -> str | None:
    """The class that drafted test class ``name`` inherits test methods from, or None.

    pytest runs inherited test methods again under the subclass: the module's own
    tests (or another drafted class's) would run twice in the written module. A base
    with ``setUp`` and helpers but no tests is what a shared base is for.
    """
    try:
        tree = existing_tree(existing)
        drafted = [parse_python(p.source) for p in (*parts.support, *parts.tests.values())]
    except SyntaxError:
        return None
    classes: dict[str, ast.ClassDef] = {}
    for stmt in [*tree.body, *(n for module in drafted for n in module.body)]:
        if isinstance(stmt, ast.ClassDef):
            classes.setdefault(stmt.name, stmt)
    todo = [classes[name]] if name in classes else []
    seen = {name}
    while todo:
        for base in todo.pop().bases:
            base_name = last_name(base)
            if base_name in seen or base_name not in classes:
                continue
            seen.add(base_name)
            cls = classes[base_name]
            if any(is_test_method(s) for s in cls.body):
                return base_name
            todo.append(cls)
    return None
