"""Checking a refactor draft: the rewrite of one function, then the existing tests on it.

The first half (:func:`check_refactor_code`) is pure: the rewrite parses, keeps
the function's signature and interface, and lowers its measure. The second
(:func:`check_refactor_tests`) runs the existing tests in a
:class:`~ttabot.drafting.sandbox.Sandbox` before and after. Each stops at the
first failing stage and returns the stages it went through, the last one failing.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ttabot.analysis.source import parse_python
from ttabot.config import CheckSettings
from ttabot.drafting import docstrings, refactor_interface, refactor_measures, runner_detection
from ttabot.drafting.pytest_output import pytest_failure
from ttabot.drafting.sandbox import RunResult, Sandbox, UnsafeFile, settle
from ttabot.drafting.snapshot import snapshot
from ttabot.records import Stages, ValidationStage


@dataclass(frozen=True)
class RefactorCheck:
    """The outcome of checking a refactor: ``applicable`` False means suggestion only."""

    stages: Stages
    accepted: bool
    applicable: bool
    reason: str = ""
    #: The rewrite's test runs changed the copy beyond its module: judge later drafts on a
    #: fresh copy.
    tainted: bool = False


def signature_change(original: str, proposed: str, symbol: str) -> str | None:
    """How ``symbol``'s signature differs between two versions of a module, or None."""
    old = docstrings.find_definition(ast.parse(original), symbol)
    new = docstrings.find_definition(ast.parse(proposed), symbol)
    if not isinstance(old, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    if not isinstance(new, ast.FunctionDef | ast.AsyncFunctionDef):
        return f"{symbol} is no longer a function"
    if type(old) is not type(new):
        return f"{symbol} changed between def and async def"
    if ast.get_docstring(old) != ast.get_docstring(new):
        return f"the rewrite changes the docstring of {symbol}: a rewrite is code, not docs"
    if _is_generator(old) != _is_generator(new):
        became = "is no longer" if _is_generator(old) else "became"
        return f"{symbol} {became} a generator: its callers would get another type"
    if ast.dump(old.args) != ast.dump(new.args):
        before, after = ast.unparse(old.args), ast.unparse(new.args)
        return f"the signature of {symbol} changed: ({before}) -> ({after})"
    # No annotation is not "-> None": compared as dumps, absent and None stay apart.
    if _annotation(old.returns) != _annotation(new.returns):
        return f"the return annotation of {symbol} changed"
    return refactor_interface.interface_change(ast.parse(original), ast.parse(proposed), symbol)


def _is_generator(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``node``'s own body yields (not that of a function or class inside it)."""
    todo: list[ast.AST] = list(node.body)
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    while todo:
        sub = todo.pop()
        if isinstance(sub, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(sub, scopes):
            todo.extend(ast.iter_child_nodes(sub))
    return False


def _annotation(node: ast.expr | None) -> str | None:
    return None if node is None else ast.dump(node)


def body_lines(source: str, symbol: str) -> frozenset[int]:
    """Line numbers of ``symbol``'s body, without its docstring (what only calls run)."""
    node = docstrings.find_definition(ast.parse(source), symbol)
    if node is None or not node.body:
        return frozenset()
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    if not body:
        return frozenset()
    return frozenset(range(body[0].lineno, (node.end_lineno or node.lineno) + 1))


def check_refactor_code(
    original: str, proposed: str, symbol: str, settings: CheckSettings
) -> RefactorCheck:
    """The pure half of a refactor check: it parses, keeps the signature, lowers the measure.

    ``accepted`` here means "worth running the tests on"; the sandbox half
    (:func:`check_refactor_tests`) decides the rest.
    """
    try:
        parse_python(proposed)
    except SyntaxError as exc:
        where = f"line {exc.lineno}: " if exc.lineno else ""
        stage = ValidationStage("parses", False, f"{where}{exc.msg}")
        return RefactorCheck((stage,), False, False, stage.detail)
    stages: Stages = (ValidationStage("parses", True),)
    changed = signature_change(original, proposed, symbol)
    stages += (ValidationStage("signature", changed is None, changed or "unchanged"),)
    if changed:
        return RefactorCheck(stages, False, False, changed)
    before, after = (
        refactor_measures.measures(original, symbol),
        refactor_measures.measures(proposed, symbol),
    )
    if before is None or after is None:
        stage = ValidationStage("lowers-measure", False, f"{symbol} is no longer a function")
        return RefactorCheck((*stages, stage), False, False, stage.detail)
    problem = refactor_measures.lowered(before, after, settings)
    detail = (
        problem
        or f"complexity {before.complexity} -> {after.complexity}, "
        f"parameters {before.parameters} -> {after.parameters}"
    )
    stages += (ValidationStage("lowers-measure", problem is None, detail),)
    if problem:
        return RefactorCheck(stages, False, False, problem)
    looks = sorted(
        runner_detection.runner_mentions(proposed) - runner_detection.runner_mentions(original)
    )
    if looks:
        why = (
            "the rewrite looks whether tests run it (" + ", ".join(looks[:3]) + "): the "
            "existing tests would see other code than everyone else"
        )
        return RefactorCheck(
            (*stages, ValidationStage("test-blind", False, why)), False, False, why
        )
    return RefactorCheck((*stages, ValidationStage("test-blind", True)), True, False)


def _suggestion(stages: Stages, name: str, detail: str) -> RefactorCheck:
    """The refactor as a suggestion only: stage ``name`` could not show it safe (``detail``)."""
    stage = ValidationStage(name, False, detail)
    return RefactorCheck((*stages, stage), True, False, "suggestion only: " + detail)


def check_refactor_tests(
    sandbox: Sandbox,
    module_path: str,
    original: str,
    proposed: str,
    symbol: str,
    tests: Sequence[str],
    stages: Stages,
) -> RefactorCheck:
    """The sandbox half of a refactor check: the existing tests before and after.

    They must pass both times and run ``symbol``'s body both times (coverage):
    tests that never call it show nothing. When that cannot be shown (no tests,
    tests that fail already or never run the function, coverage not installed)
    the refactor is a suggestion only. The copy's module is restored afterwards.
    A copy ttabot will not read back or write (:class:`UnsafeFile`: generated
    code left a link there) fails a "clean" stage, and so does a rewrite whose
    test run changed files in the copy the run before it (the tests with the
    original) did not: a ``conftest.py`` planted at import would pass the
    module's later drafts. Any change beyond the module marks the copy tainted.
    """
    if not tests:
        return _suggestion(stages, "tests-before", f"no existing tests for {module_path}")
    if sandbox.coverage_missing():
        return _suggestion(
            stages,
            "tests-before",
            f"cannot show the tests run {symbol}: " + str(sandbox.coverage_missing()),
        )
    runs: list[list[str]] = []
    try:
        pristine = snapshot(sandbox.path, caches=True)
        result = _refactor_tests(
            sandbox, module_path, original, proposed, symbol, tests, stages, runs
        )
        changed = settle(sandbox, pristine, {module_path})
    except UnsafeFile as exc:
        stage = ValidationStage("clean", False, f"the copy was tampered with: {exc}")
        return RefactorCheck((*stages, stage), False, False, stage.detail, tainted=True)
    planted = sorted(set(runs[1]) - set(runs[0]) - {module_path}) if len(runs) > 1 else []
    if planted:
        why = "with the rewrite, the tests left files behind: " + ", ".join(planted[:5])
        stage = ValidationStage("clean", False, why)
        return RefactorCheck((*result.stages, stage), False, False, why, tainted=True)
    return dataclasses.replace(result, tainted=bool(changed))


def _refactor_tests(
    sandbox: Sandbox,
    module_path: str,
    original: str,
    proposed: str,
    symbol: str,
    tests: Sequence[str],
    stages: Stages,
    runs: list[list[str]],
) -> RefactorCheck:
    """The two test runs; each run's leftover files are appended to ``runs``."""
    restore = sandbox.read(module_path)

    def run_tests() -> RunResult:
        result, left = sandbox.pytest(list(tests), coverage_of=module_path)
        runs.append(left)
        return result

    try:
        sandbox.write(module_path, original)
        result = run_tests()
        if result.returncode != 0:
            return _suggestion(
                stages,
                "tests-before",
                "the existing tests fail before the refactor: " + pytest_failure(result.output),
            )
        ran = (sandbox.executed_lines(module_path) or frozenset()) & body_lines(original, symbol)
        if not ran:
            return _suggestion(stages, "tests-before", f"the existing tests never run {symbol}")
        stages += (
            ValidationStage(
                "tests-before", True, f"{', '.join(tests)} run {len(ran)} line(s) of {symbol}"
            ),
        )
        sandbox.write(module_path, proposed)
        result = run_tests()
        if result.returncode != 0:
            stage = ValidationStage("tests-after", False, pytest_failure(result.output))
            return RefactorCheck(
                (*stages, stage), False, False, "the existing tests fail after the refactor"
            )
        ran = (sandbox.executed_lines(module_path) or frozenset()) & body_lines(proposed, symbol)
        if not ran:
            return _suggestion(
                stages, "tests-after", f"the existing tests never run the new {symbol}"
            )
    finally:
        sandbox.write(module_path, restore)
    return RefactorCheck(
        (
            *stages,
            ValidationStage("tests-after", True, f"{', '.join(tests)} run {len(ran)} line(s)"),
        ),
        True,
        True,
    )
