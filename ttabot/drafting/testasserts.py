"""Whether a drafted test checks anything: an assert that can fail, an ``assert*`` call,
``pytest.raises`` and the like, in the test or in the helpers it uses (also those it
imports from the project's test support code: :mod:`ttabot.drafting.testhelpers`). Pure.

Part of the test-code stage (:mod:`ttabot.drafting.testcode`): a test that only runs
code, or asserts what holds whatever the code did (``assert True``, ``r == r``,
``self.assertEqual(1, 1)``), checks no result.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import re

from ttabot.analysis.source import parse_python
from ttabot.drafting.answer_parts import AnswerParts, names_used, needed
from ttabot.drafting.class_tests import test_methods, without_methods
from ttabot.drafting.module_scope import ModuleLevel, module_level
from ttabot.drafting.reachable import constant_valued, run_nodes
from ttabot.drafting.testhelpers import HelperFiles, imported_helpers


def asserts_something(
    parts: AnswerParts, name: str, existing: str = "", helpers: HelperFiles | None = None
) -> bool:
    """Whether test ``name`` checks anything: an ``assert``, an ``assert*`` call or
    ``pytest.raises``/``warns``/``fail``, in the test or in the helpers it uses, drafted
    or defined at the top of the ``existing`` test module it joins (``check_roundtrip``,
    a base class's checking method), or, given ``helpers``, imported from the project's
    own test support modules (:mod:`ttabot.drafting.testhelpers`: read, never run)."""
    trees, used = drafted_trees(parts, name)
    if any(_checks(tree) for tree in trees):
        return True
    # A name the test binds itself (a nested def, a parameter) calls that, not a helper.
    used = used - _bound_in_functions(trees[:1])
    own = _existing_helpers(existing, used)
    if any(_checks(node) for node in own):
        return True
    if helpers is None:
        return False
    try:
        aliases = (*parts.imports, *existing_level(existing).aliases)
    except SyntaxError:
        aliases = parts.imports
    reach = used.union(*(names_used(node) for node in own))
    found = imported_helpers(aliases, reach, [*trees, *own], helpers)
    return any(_checks(node) for node in found)


def idle_methods(
    parts: AnswerParts, name: str, existing: str = "", helpers: HelperFiles | None = None
) -> list[str]:
    """The test methods of drafted class ``name`` that check nothing themselves, each
    judged as if it were its class's only test (helper methods and the class's other
    code stay): a class is judged method by method, so one asserting method must not
    carry another that only runs code."""
    piece = parts.tests[name]
    methods = [unit.partition(".")[2] for unit in test_methods(piece.source, name)]
    if len(methods) < 2:
        return []  # a function, or a class of one test: judged whole already
    idle = []
    for method in methods:
        alone = without_methods(piece, [m for m in methods if m != method])
        one = None if alone is None else parts._replace(tests={**parts.tests, name: alone})
        if one is not None and not asserts_something(one, name, existing, helpers):
            idle.append(method)
    return idle


def _bound_in_functions(trees: list[ast.Module]) -> set[str]:
    """Names bound inside the functions of ``trees``: parameters, assignment and loop
    targets, nested definitions, imports."""
    bound: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            bound.update(a.arg for a in every if a is not None)
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                    bound.add(inner.id)
                elif inner is not node and isinstance(
                    inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                ):
                    bound.add(inner.name)
                elif isinstance(inner, ast.alias):
                    bound.add((inner.asname or inner.name).split(".")[0])
    return bound


def drafted_trees(parts: AnswerParts, name: str) -> tuple[list[ast.Module], set[str]]:
    """The trees of test ``name`` and of the module-level code it needs (a piece that
    does not parse is left out: the parses stage reports it), and every name it uses."""
    support, used = needed(parts, [name])
    trees = []
    for piece in (parts.tests[name], *support):
        with contextlib.suppress(SyntaxError):
            trees.append(parse_python(piece.source))
    return trees, used


@functools.lru_cache(maxsize=8)
def existing_tree(existing: str) -> ast.Module:
    """The existing test module's tree, parsed once for every test of an answer that
    is judged against it (a project's test module may run to thousands of lines).
    Shared: never changed by its readers."""
    return parse_python(existing)


@functools.lru_cache(maxsize=8)
def existing_level(existing: str) -> ModuleLevel:
    """What the existing test module holds at module level (:func:`module_level`), once
    per module, not per test. Shared: never changed by its readers."""
    return module_level(existing_tree(existing))


def _existing_helpers(existing: str, used: set[str]) -> list[ast.stmt]:
    """The top-level definitions of ``existing`` that names in ``used`` reach (transitively)."""
    try:
        tree = existing_tree(existing)
    except SyntaxError:
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    defs = [node for node in tree.body if isinstance(node, kinds)]
    reached: list[ast.stmt] = []
    used = set(used)
    changed = True
    while changed:
        changed = False
        for node in defs:
            if node not in reached and node.name in used:
                reached.append(node)
                used |= names_used(node)
                changed = True
    return reached


#: ``pytest.raises(...)`` and the like check by themselves; so does any ``assert*`` call
#: (``self.assertEqual``, ``mock.assert_called_once_with``, ``assert_allclose``) and
#: Playwright's ``expect(...)``.
_CHECKING_CALLS = frozenset({"raises", "warns", "deprecated_call", "fail", "expect"})


def _checks(node: ast.AST) -> bool:
    reached = run_nodes(node)
    if _raises_on_a_condition(node, {id(sub) for sub in reached}):
        return True
    for sub in reached:
        if isinstance(sub, ast.Assert) and not _always_true(sub.test):
            return True  # "assert True" (or "assert 1, 'ok'") holds whatever the code did
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("assertTrue", "assert_") and sub.args and _always_true(sub.args[0]):
                continue  # self.assertTrue(True)
            if name.startswith("assert") and _holds_anyway(sub):
                continue  # self.assertEqual(1, 1), assert_equal(r, r)
            if name.startswith("assert") or name in _CHECKING_CALLS:
                return True
    return False


def _raises_on_a_condition(node: ast.AST, reached: set[int]) -> bool:
    """Whether ``node`` raises on a condition it tests: ``if r != 3: raise ValueError``, or
    ``try: f() except E: pass else: raise AssertionError`` (the check ``pytest.raises``
    makes). Not a ``raise`` a test always runs (it only fails), a bare re-``raise``, nor
    one in an ``except`` handler: turning the code's own exception into a failure is what
    pytest does anyway, so ``try: f() except: raise X`` checks no more than ``f()``."""

    def visit(block: list[ast.stmt], conditional: bool) -> bool:
        return any(visit_one(statement, conditional) for statement in block)

    def visit_one(statement: ast.stmt, conditional: bool) -> bool:
        if isinstance(statement, ast.Raise):
            exc = statement.exc
            skips = exc is not None and _skips(exc)
            return exc is not None and not skips and conditional and id(statement) in reached
        if isinstance(statement, ast.If | ast.While | ast.For | ast.AsyncFor):
            # A condition no result decides (1 == 2, r is not r, a loop over a
            # constant) raises never or always: the assert of it is refused too.
            if isinstance(statement, ast.If | ast.While):
                decided = _decided(statement.test)
            else:
                decided = constant_valued(statement.iter)
            return visit(statement.body, not decided) or visit(statement.orelse, not decided)
        if isinstance(statement, ast.Try | ast.TryStar):  # not its handlers
            return (
                visit(statement.body, conditional)
                or visit(statement.orelse, True)
                or visit(statement.finalbody, conditional)
            )
        if isinstance(statement, ast.With | ast.AsyncWith):
            return visit(statement.body, conditional)
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return visit(statement.body, False)
        return False

    body = getattr(node, "body", None)
    return isinstance(body, list) and visit(body, False)


#: What a raised skip or xfail is spelled as: ``unittest.SkipTest``, ``pytest.skip.Exception``.
_SKIPPING = re.compile(r"(?:^|\.)(?:SkipTest|Skipped|XFailed|(?:skip|xfail|exit)\.Exception)$")


def _skips(exc: ast.expr) -> bool:
    """Whether raising ``exc`` skips (or xfails) the test rather than failing it: a
    wrong result would then show as a skip, which no run takes for a failure."""
    raised = exc.func if isinstance(exc, ast.Call) else exc
    return _SKIPPING.search(ast.unparse(raised)) is not None


def _decided(test: ast.expr) -> bool:
    """Whether a branch's ``test`` comes out the same whatever the code did: it reads
    no name (``1 == 2``), or it compares a thing with itself (``r is not r``)."""
    if constant_valued(test):
        return True
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and _itself(test.left, test.comparators[0])
    )


def _itself(left: ast.expr, right: ast.expr) -> bool:
    """Whether two operands are the same thing: the same names read, no call between."""
    calls = any(isinstance(sub, ast.Call) for sub in ast.walk(left))
    return not calls and ast.dump(left) == ast.dump(right)


def _always_true(test: ast.expr) -> bool:
    """Whether an ``assert`` of ``test`` holds whatever the code did.

    Constants alone (``True``, ``1 == 1``), a non-empty tuple or list (``assert
    (f() == 1, "msg")``: the parentheses make it a tuple, always true), or a thing
    compared with itself (``result == result``).
    """
    if constant_valued(test):
        return True
    if isinstance(test, ast.Tuple | ast.List | ast.Set) and test.elts:
        return True
    if isinstance(test, ast.Dict) and test.keys:
        return True
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq | ast.Is | ast.LtE | ast.GtE)
        and _itself(test.left, test.comparators[0])
    )


def _holds_anyway(call: ast.Call) -> bool:
    """Whether an ``assert…`` call of a test case or a testing function holds whatever
    the code did: its arguments are constants (``self.assertEqual(1, 1)``) or its first
    two the same thing (``assert_equal(r, r)``). A mock's ``assert_called_with(1)``
    checks the mock's calls: it is not one."""
    func = call.func
    own = isinstance(func, ast.Name) or (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
    )
    args = call.args
    if not own or not args:
        return False
    return all(constant_valued(a) for a in args) or (len(args) >= 2 and _itself(args[0], args[1]))
