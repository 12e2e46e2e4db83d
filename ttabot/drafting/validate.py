"""The checks a draft must pass, one :class:`ValidationStage` each.

Docstring checks are pure. Test and refactor checks run code in a
:class:`~ttabot.drafting.sandbox.Sandbox`; each function stops at the first
failing stage and returns the stages it went through, the last one failing.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ttabot.config import CheckSettings
from ttabot.drafting import docstrings, refactor
from ttabot.drafting.gate import gate_docstring
from ttabot.drafting.sandbox import RunResult, Sandbox
from ttabot.records import NO_ANSWER_STAGE, ValidationStage

Stages = tuple[ValidationStage, ...]

#: The stage a draft fails when no model answered its request at all.
NO_ANSWER = NO_ANSWER_STAGE


def failed(stages: Stages) -> ValidationStage | None:
    """The stage that failed, if any."""
    return next((s for s in stages if not s.passed), None)


def tail(text: str, lines: int = 30) -> str:
    """The end of a tool's output, where pytest puts the failure summary."""
    return "\n".join(text.strip().splitlines()[-lines:])


def pytest_failure(output: str) -> str:
    """pytest's one-line verdicts (``FAILED x::t - why``) first, then the end of its output."""
    verdicts = [
        line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR ", "[ttabot]"))
    ]
    return "\n".join([*verdicts[:10], tail(output)]) if verdicts else tail(output)


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
    original: str, drafted: Mapping[str, str], wanted: Sequence[str], max_lines: int = 60
) -> DocstringCheck:
    """Check drafted ``symbol -> docstring`` for ``wanted`` symbols and insert the good ones.

    Per symbol: it was answered, it is docstring text (:mod:`~ttabot.drafting.gate`:
    no code, fences, nested quotes, chat prose or reasoning, at most ``max_lines``
    lines) and its documented parameters match the signature. For the file: it
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
        gated = gate_docstring(raw, docstrings.find_definition(tree, symbol), max_lines)
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
    proposed = docstrings.insert_docstrings(original, good)
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


def _pytest_stages(result: RunResult, left: Sequence[str], name: str) -> Stages:
    """Stages for one pytest run: ``imports`` (collection) then ``name`` (passing), ``clean``."""
    if result.timed_out:
        return (ValidationStage(name, False, pytest_failure(result.output)),)
    code = result.returncode
    if code == 5:
        return (ValidationStage("imports", False, "pytest collected no tests"),)
    if code not in (0, 1):
        return (ValidationStage("imports", False, pytest_failure(result.output)),)
    stages: Stages = (ValidationStage("imports", True),)
    if code != 0:
        return (*stages, ValidationStage(name, False, pytest_failure(result.output)))
    stages += (ValidationStage(name, True),)
    if left:
        detail = "the tests left files behind: " + ", ".join(left[:10])
        return (*stages, ValidationStage("clean", False, detail))
    return stages


def coverage_stage(
    executed: frozenset[int] | None,
    changed: frozenset[int],
    baseline: frozenset[int],
    *,
    module: str = "the module",
    unmeasurable: str = "coverage could not be measured",
) -> ValidationStage:
    """Whether the tests run changed lines the project's tests did not already run.

    ``executed`` is None only when coverage cannot be measured at all
    (``unmeasurable`` says why); an empty set means the tests ran nothing of
    ``module``, which fails like any other test that misses the change.
    """
    if executed is None:
        return ValidationStage("coverage", True, f"not measurable: {unmeasurable}")
    if not changed:
        return ValidationStage("coverage", True, "no changed lines in the function bodies to run")
    new = (executed & changed) - baseline
    if not new:
        lines = ", ".join(str(n) for n in sorted(changed)[:20])
        detail = (
            f"the tests never run {module}: none of its changed lines ({lines}) ran"
            if not executed
            else f"the tests run none of the changed lines of {module} "
            f"not already covered ({lines})"
        )
        return ValidationStage("coverage", False, detail)
    return ValidationStage(
        "coverage", True, f"runs {len(new)} of {len(changed)} changed lines not already covered"
    )


def baseline_coverage(sandbox: Sandbox, test_path: str, module_path: str) -> frozenset[int]:
    """Lines of ``module_path`` the existing ``test_path`` runs (empty when it does not exist)."""
    if sandbox.read(test_path) is None:
        return frozenset()
    sandbox.pytest([test_path], coverage_of=module_path)
    return sandbox.executed_lines(module_path) or frozenset()


def check_tests(
    sandbox: Sandbox,
    test_path: str,
    text: str,
    module_path: str,
    changed: frozenset[int],
    baseline: frozenset[int],
    reruns: int,
) -> Stages:
    """Write ``text`` to ``test_path`` in the sandbox and run the test stages.

    Order: parses, imports, passes (no files left behind), coverage of the
    changed lines, then ``reruns`` more passing runs. Coverage comes before
    the reruns because it is read from the first run and costs nothing, while
    reruns are the expensive part; a test that covers nothing is not rerun.
    """
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return (ValidationStage("parses", False, f"line {exc.lineno}: {exc.msg}"),)
    stages: Stages = (ValidationStage("parses", True),)
    sandbox.write(test_path, text)
    result, left = sandbox.pytest([test_path], coverage_of=module_path)
    stages += _pytest_stages(result, left, "passes")
    if failed(stages):
        return stages
    executed = sandbox.executed_lines(module_path)
    why = (sandbox.coverage_missing() if executed is None else None) or "the run was not measured"
    stages += (coverage_stage(executed, changed, baseline, module=module_path, unmeasurable=why),)
    if failed(stages):
        return stages
    for n in range(1, reruns + 1):
        result, left = sandbox.pytest([test_path])
        rerun = _pytest_stages(result, left, "reruns")
        bad = failed(rerun)
        if bad:
            detail = f"failed on rerun {n} of {reruns} (flaky): {bad.detail}"
            return (
                *stages,
                ValidationStage(bad.name if bad.name == "clean" else "reruns", False, detail),
            )
    return (*stages, ValidationStage("reruns", True, f"passed {reruns} reruns"))


# --- refactors ---------------------------------------------------------------


@dataclass(frozen=True)
class RefactorCheck:
    """The outcome of checking a refactor: ``applicable`` False means suggestion only."""

    stages: Stages
    accepted: bool
    applicable: bool
    reason: str = ""


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
    if ast.dump(old.args) != ast.dump(new.args):
        before, after = ast.unparse(old.args), ast.unparse(new.args)
        return f"the signature of {symbol} changed: ({before}) -> ({after})"
    if ast.dump(old.returns or ast.Constant(None)) != ast.dump(new.returns or ast.Constant(None)):
        return f"the return annotation of {symbol} changed"
    return None


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
        ast.parse(proposed)
    except SyntaxError as exc:
        stage = ValidationStage("parses", False, f"line {exc.lineno}: {exc.msg}")
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
    return RefactorCheck(stages, problem is None, False, problem or "")


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
    """
    restore = sandbox.read(module_path)

    def suggestion(name: str, detail: str) -> RefactorCheck:
        stage = ValidationStage(name, False, detail)
        return RefactorCheck((*stages, stage), True, False, "suggestion only: " + detail)

    if not tests:
        return suggestion("tests-before", f"no existing tests for {module_path}")
    if sandbox.coverage_missing():
        return suggestion(
            "tests-before",
            f"cannot show the tests run {symbol}: " + str(sandbox.coverage_missing()),
        )
    try:
        sandbox.write(module_path, original)
        result, _ = sandbox.pytest(list(tests), coverage_of=module_path)
        if result.returncode != 0:
            return suggestion(
                "tests-before",
                "the existing tests fail before the refactor: " + pytest_failure(result.output),
            )
        ran = (sandbox.executed_lines(module_path) or frozenset()) & body_lines(original, symbol)
        if not ran:
            return suggestion("tests-before", f"the existing tests never run {symbol}")
        stages += (
            ValidationStage(
                "tests-before", True, f"{', '.join(tests)} run {len(ran)} line(s) of {symbol}"
            ),
        )
        sandbox.write(module_path, proposed)
        result, _ = sandbox.pytest(list(tests), coverage_of=module_path)
        if result.returncode != 0:
            stage = ValidationStage("tests-after", False, pytest_failure(result.output))
            return RefactorCheck(
                (*stages, stage), False, False, "the existing tests fail after the refactor"
            )
        ran = (sandbox.executed_lines(module_path) or frozenset()) & body_lines(proposed, symbol)
        if not ran:
            return suggestion("tests-after", f"the existing tests never run the new {symbol}")
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
