"""The checks a draft must pass, one :class:`ValidationStage` each.

Docstring checks and the first half of refactor checks are pure; the rest runs
code in a :class:`~ttabot.drafting.sandbox.Sandbox` (drafted tests are judged
per function in :mod:`ttabot.drafting.testrun`). Each check stops at the first
failing stage and returns the stages it went through, the last one failing.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ttabot.analysis.source import parse_python
from ttabot.config import CheckSettings
from ttabot.drafting import docstrings, refactor
from ttabot.drafting.gate import gate_docstring
from ttabot.drafting.probe import PROBE_FILE, probe_argv, read_probe
from ttabot.drafting.pytest_output import passed_tests, pytest_failure
from ttabot.drafting.readback import read_bytes
from ttabot.drafting.sandbox import RunResult, Sandbox, UnsafeFile, settle
from ttabot.drafting.snapshot import snapshot
from ttabot.records import NO_ANSWER_STAGE, ValidationStage

Stages = tuple[ValidationStage, ...]

#: The stage a draft fails when no model answered its request at all.
NO_ANSWER = NO_ANSWER_STAGE


def failed(stages: Stages) -> ValidationStage | None:
    """The stage that failed, if any."""
    return next((s for s in stages if not s.passed), None)


# --- docstrings --------------------------------------------------------------


@dataclass(frozen=True)
class DocstringCheck:
    """The outcome of checking a batch of docstrings for one module."""

    proposed: str
    accepted: tuple[str, ...]
    rejected: Mapping[str, str]  # symbol -> reason
    stages: Stages
    cleaned: Mapping[str, str] = field(
        default_factory=dict
    )  # symbol -> what the gate cleaned out of its answer
    failed_stage: Mapping[str, str] = field(
        default_factory=dict
    )  # symbol -> the stage it failed, for rejected ones
    texts: Mapping[str, str] = field(
        default_factory=dict
    )  # symbol -> the docstring inserted, for accepted ones


def check_docstrings(
    original: str,
    drafted: Mapping[str, str],
    wanted: Sequence[str],
    max_lines: int = 60,
    style: str | None = None,
) -> DocstringCheck:
    """Check drafted ``symbol -> docstring`` for ``wanted`` symbols and insert the good ones.

    Per symbol: it was answered, it is docstring text (:mod:`~ttabot.drafting.gate`:
    no code, fences, nested quotes, chat prose or reasoning, at most ``max_lines``
    lines, written in ``style`` when one is given) and its documented parameters
    match the signature. For the file: it
    parses, its AST is unchanged apart from docstrings, and each accepted
    docstring landed where it belongs.
    """
    tree = ast.parse(original)
    rejected: dict[str, str] = {}
    stage_of: dict[str, str] = {}
    good: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for symbol in wanted:
        raw = drafted.get(symbol)
        if raw is None:
            rejected[symbol] = f"{symbol}: the answer has no docstring for it"
            stage_of[symbol] = "params-match"
            continue
        gated = gate_docstring(raw, docstrings.find_definition(tree, symbol), max_lines, style)
        if gated.text is None:
            rejected[symbol], stage_of[symbol] = f"{symbol}: {gated.reason}", "docstring-text"
            continue
        problem = docstrings.params_mismatch(tree, symbol, gated.text)
        if problem:
            rejected[symbol], stage_of[symbol] = problem, "params-match"
            continue
        good[symbol] = gated.text
        if gated.cleaned:
            cleaned[symbol] = gated.cleaned

    def summed(name: str, ok: str) -> ValidationStage:
        bad = [rejected[s] for s in rejected if stage_of[s] == name]
        return ValidationStage(name, not bad, "; ".join(bad) or ok)

    text_stage = summed("docstring-text", f"{len(good)} docstring(s) are plain text")
    params = summed("params-match", f"{len(good)} docstring(s) match their signatures")
    if not good:
        return DocstringCheck(original, (), rejected, (text_stage, params), cleaned, stage_of)
    gate_and_params: Stages = (text_stage, params)
    try:
        proposed = docstrings.insert_docstrings(original, good)
    except docstrings.NotExact as exc:
        stage = ValidationStage("inserted", False, str(exc))
        return _all_rejected(original, good, rejected, (*gate_and_params, stage))
    try:
        new_tree = ast.parse(proposed)
    except SyntaxError as exc:
        stage = ValidationStage("parses", False, f"line {exc.lineno}: {exc.msg}")
        return _all_rejected(original, good, rejected, (*gate_and_params, stage))
    stages: Stages = (*gate_and_params, ValidationStage("parses", True))
    if docstrings.strip_docstrings(new_tree) != docstrings.strip_docstrings(tree):
        stage = ValidationStage("ast-unchanged", False, "the code changed, not only docstrings")
        return _all_rejected(original, good, rejected, (*stages, stage))
    stages += (ValidationStage("ast-unchanged", True),)
    missing = [s for s in good if not _has_docstring(new_tree, s)]
    if missing:
        stage = ValidationStage("inserted", False, "no docstring landed on " + ", ".join(missing))
        return _all_rejected(original, good, rejected, (*stages, stage))
    stages += (ValidationStage("inserted", True, ", ".join(good)),)
    return DocstringCheck(proposed, tuple(good), rejected, stages, cleaned, stage_of, good)


def _has_docstring(tree: ast.Module, symbol: str) -> bool:
    node = docstrings.find_definition(tree, symbol)
    return node is not None and bool(ast.get_docstring(node))


def _all_rejected(
    original: str, good: Mapping[str, str], rejected: Mapping[str, str], stages: Stages
) -> DocstringCheck:
    bad = failed(stages)
    reason = bad.detail if bad else "rejected"
    name = bad.name if bad else "docstrings"
    return DocstringCheck(
        original,
        (),
        {**rejected, **dict.fromkeys(good, reason)},
        stages,
        failed_stage=dict.fromkeys(good, name),
    )


# --- tests -------------------------------------------------------------------


class Baseline(NamedTuple):
    """What the existing test module does before any drafted test joins it."""

    #: Lines of the module under test its tests run.
    lines: frozenset[int]
    #: Node ids of its tests that passed, in the order they ran: they must still pass
    #: with drafted tests merged (and run before them).
    passed: tuple[str, ...] = ()


def baseline(
    sandbox: Sandbox, test_path: str, module_path: str, functions: Iterable[int] = ()
) -> Baseline:
    """The existing ``test_path``'s run: which lines of ``module_path`` it runs, which tests pass.

    Empty when the test module does not exist. With ``functions`` (the ``def``
    lines of the functions holding the changed lines) the run is traced only
    from the first call of one of them on (:mod:`~ttabot.drafting.probe`): the
    same lines of those functions as coverage sees, at the cost of a plain run
    when the tests never call them. Where the probe cannot instrument the
    module, coverage measures the run. A copy ttabot will not read back (see
    :class:`UnsafeFile`) raises it.
    """
    if sandbox.read(test_path) is None:
        return Baseline(frozenset())
    functions = tuple(functions)
    if functions and sandbox.has_module("pytest"):
        seen, output = _probe(sandbox, test_path, module_path, functions)
        if seen is not None:
            return Baseline(seen, passed_tests(output))
    result, _ = sandbox.pytest([test_path], coverage_of=module_path, report="-rA")
    return Baseline(sandbox.executed_lines(module_path) or frozenset(), passed_tests(result.output))


def baseline_coverage(
    sandbox: Sandbox, test_path: str, module_path: str, functions: Iterable[int] = ()
) -> frozenset[int]:
    """Lines of ``module_path`` the existing ``test_path`` runs: :func:`baseline`'s lines."""
    return baseline(sandbox, test_path, module_path, functions).lines


#: Larger probe data is not the probe's: it lists each line of one module at most once.
MAX_PROBE_BYTES = 16 * 1024 * 1024


def probe_lines(
    sandbox: Sandbox, test_path: str, module_path: str, functions: Sequence[int]
) -> frozenset[int] | None:
    """Lines of ``module_path`` that ``test_path`` runs, traced from a changed function on.

    None when the probe could not instrument the module (the caller measures
    with coverage instead); data ttabot will not read raises :class:`UnsafeFile`.
    """
    return _probe(sandbox, test_path, module_path, functions)[0]


def _probe(
    sandbox: Sandbox, test_path: str, module_path: str, functions: Sequence[int]
) -> tuple[frozenset[int] | None, str]:
    """:func:`probe_lines`, and pytest's output of the run."""
    sandbox.write(PROBE_FILE, None)
    out = str(sandbox.path / PROBE_FILE)
    result, _ = sandbox.python(
        probe_argv([test_path], str(sandbox.path / module_path), functions, out)
    )
    if result.timed_out:
        return frozenset(), ""  # as coverage: a run killed at the timeout measured nothing
    try:
        data = read_bytes(sandbox.path, PROBE_FILE, limit=MAX_PROBE_BYTES)
    finally:
        sandbox.write(PROBE_FILE, None)
    if data is None:
        return None, ""  # the run died before it wrote: measure with coverage
    try:
        return read_probe(data), result.output
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise UnsafeFile(f"the probe's data cannot be read: {exc}") from None


# --- refactors ---------------------------------------------------------------


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
    return refactor.interface_change(ast.parse(original), ast.parse(proposed), symbol)


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
    before, after = refactor.measures(original, symbol), refactor.measures(proposed, symbol)
    if before is None or after is None:
        stage = ValidationStage("lowers-measure", False, f"{symbol} is no longer a function")
        return RefactorCheck((*stages, stage), False, False, stage.detail)
    problem = refactor.lowered(before, after, settings)
    detail = (
        problem
        or f"complexity {before.complexity} -> {after.complexity}, "
        f"parameters {before.parameters} -> {after.parameters}"
    )
    stages += (ValidationStage("lowers-measure", problem is None, detail),)
    if problem:
        return RefactorCheck(stages, False, False, problem)
    looks = sorted(refactor.runner_mentions(proposed) - refactor.runner_mentions(original))
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
