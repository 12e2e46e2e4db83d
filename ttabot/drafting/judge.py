"""The stages one judgement of drafted tests goes through, each dropping the tests it fails.

A :class:`Judge` holds the verdicts so far; each step runs only the tests
still alive (by node id) and records its stage: imports and passes (all new
tests in one run, measured per test), coverage (each test runs a changed line
the existing tests do not), alone and clean (each test by itself passes and
leaves no file), reruns (rounds in one pytest process,
:mod:`~ttabot.drafting.pytestrun`) and existing (the module's tests that passed
before still pass). :func:`~ttabot.drafting.testrun.check_each_test` runs them
in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ttabot.drafting.answer_parts import AnswerParts
from ttabot.drafting.class_tests import test_methods, without_methods
from ttabot.drafting.coverage_contexts import lines_by_test
from ttabot.drafting.pytest_output import (
    class_tests,
    failure,
    outcomes,
    passed_tests,
    rounds_failure,
    skip_reasons,
    tail,
)
from ttabot.drafting.pytestrun import Measure, pytest_argv
from ttabot.drafting.sandbox import RunResult, Sandbox
from ttabot.drafting.snapshot import Stat
from ttabot.drafting.testmerge import merge
from ttabot.records import ValidationStage

Stages = tuple[ValidationStage, ...]


class TestsCheck(NamedTuple):
    """The outcome: the text to write, which tests were kept, why others were dropped."""

    text: str
    kept: tuple[str, ...]
    dropped: Mapping[str, str]
    stages: Stages
    #: The end of pytest's output for the runs that failed a test: what a retry is shown.
    failures: str = ""
    #: The drafted tests changed the copy (a file left, edited or removed, beside the
    #: test module): it no longer stands for the project and is not judged on again.
    tainted: bool = False


class Judge:
    """One judgement of drafted tests: the verdicts so far and the steps that add to them.

    Each step runs only the tests still alive and drops the ones that fail it;
    :meth:`verdict` records the step's stage.
    """

    def __init__(self, sandbox: Sandbox, test_path: str, existing: str, parts: AnswerParts) -> None:
        self.sandbox = sandbox
        self.test_path = test_path
        self.existing = existing
        self.parts = parts
        self.names = list(parts.tests)
        self.dropped: dict[str, str] = {}
        self.stages: list[ValidationStage] = []
        self.failures: list[str] = []
        #: How many outcomes (parametrized cases) each test had in its run alone.
        self.cases: dict[str, int] = {}

    def alive(self) -> list[str]:
        """The tests no step has dropped, in the answer's order."""
        return [n for n in self.names if n not in self.dropped]

    def verdict(self, stage: str, before: set[str]) -> bool:
        """Record ``stage``: passed while a test is alive; its detail names what it dropped."""
        lost = [n for n in self.dropped if n not in before]  # a class's methods too
        detail = "; ".join(f"{n}: {self.dropped[n]}" for n in lost)
        alive = self.alive()
        self.stages.append(ValidationStage(stage, bool(alive), detail or f"{len(alive)} test(s)"))
        return bool(alive)

    def done(self) -> TestsCheck:
        """The outcome so far: the module with the live tests merged in, and every reason."""
        kept = tuple(self.alive())
        text = merge(self.existing, self.parts, kept) if kept else self.existing
        failures = "\n\n".join(self.failures[:2])
        return TestsCheck(text, kept, self.dropped, tuple(self.stages), failures)

    def run(
        self, names: Sequence[str], *, rounds: int = 1, measure: Measure | None = None
    ) -> tuple[RunResult, list[str], dict[str, list[tuple[str, str]]]]:
        """Run ``names`` by node id; keep the output of a run that failed for the retry."""
        nodes = [f"{self.test_path}::{n}" for n in names]
        result, left = self.sandbox.python(pytest_argv(nodes, rounds=rounds, measure=measure))
        if result.returncode not in (0, None) or result.timed_out:
            self.failures.append(tail(result.output, 40))
        ran = outcomes(result.output, self.test_path)
        skipped = skip_reasons(result.output, self.test_path)
        if skipped:
            # pytest names a skip by file and line, not by test: a test of this run with
            # no outcome of its own was skipped, not left uncollected.
            for name in names:
                ran.setdefault(name, [("SKIPPED", "; ".join(skipped))])
        return result, left, ran

    def together(self, module: str | None) -> list[str] | None:
        """Stages imports and passes: all new tests in one run (measured per test); what it left.

        None when no test passed (or none was collected): the judgement is over.
        """
        measure = None
        if module is not None:
            data = self.sandbox.clear_coverage_data()
            measure = Measure(str(data), str(self.sandbox.path / module), contexts=True)
        names = self.alive()
        result, left, ran = self.run(names, measure=measure)
        if result.timed_out:
            self.stages.append(ValidationStage("imports", True))
            self.dropped.update(dict.fromkeys(names, "timed out"))
            self.stages.append(ValidationStage("passes", False, tail(result.output, 15)))
            return None
        if not ran:
            why = tail(result.output, 15)
            self.stages.append(
                ValidationStage("imports", False, f"pytest ran none of the tests: {why}")
            )
            self.dropped.update(dict.fromkeys(names, "not collected"))
            return None
        self.stages.append(ValidationStage("imports", True))
        before = set(self.dropped)
        for name in names:
            problem = failure(ran.get(name))
            # A class is judged method by method: a test it gets at run time (from a
            # class decorator, a base's __init_subclass__) would be judged by no stage.
            listed = {
                u.partition(".")[2] for u in test_methods(self.parts.tests[name].source, name)
            }
            stray = sorted(class_tests(result.output, self.test_path, name) - listed)
            if problem:
                self.dropped[name] = f"fails in the module: {problem}"
            elif stray:
                self.dropped[name] = (
                    f"pytest ran {name}.{stray[0]}, which the class does not define as a "
                    "test method: no stage would judge it"
                )
        return left if self.verdict("passes", before) else None

    def coverage(
        self, module: str | None, changed: frozenset[int], baseline: frozenset[int]
    ) -> bool:
        """Stage coverage: each test runs a changed line the existing tests do not."""
        if module is None:
            why = "not measurable: coverage is not installed"
            self.stages.append(ValidationStage("coverage", True, why))
            return True
        before = set(self.dropped)
        # A test class is judged method by method: each must earn its place, and one
        # that does not is taken out of the class, its sisters kept.
        units = {name: test_methods(self.parts.tests[name].source, name) for name in self.names}
        per_test = lines_by_test(self.sandbox, module, [u for us in units.values() for u in us])
        why = "runs no changed line that existing tests do not already run"
        trimmed: list[str] = []
        for name in self.alive():
            useless = [u for u in units[name] if changed and not (per_test[u] & changed) - baseline]
            if not useless:
                continue
            piece = self.parts.tests[name]
            kept = without_methods(piece, [u.partition(".")[2] for u in useless])
            if useless == [name] or kept is None:
                self.dropped[name] = ("" if useless == [name] else f"{useless[0]} ") + why
                continue
            self.parts = self.parts._replace(tests={**self.parts.tests, name: kept})
            self.dropped.update(dict.fromkeys(useless, why))
            trimmed.append(name)
        if trimmed:  # the later stages run the classes as they will be written
            self.sandbox.write(self.test_path, merge(self.existing, self.parts, self.alive()))
            self._remeasured(module, changed, baseline, trimmed)
        return self.verdict("coverage", before)

    def _remeasured(
        self, module: str, changed: frozenset[int], baseline: frozenset[int], trimmed: list[str]
    ) -> None:
        """Measure the ``trimmed`` classes again as they will be written: a method may
        have run a changed line only on what a method taken out left behind (a class
        attribute it set), so each must still add one without them, or its class goes."""
        data = self.sandbox.clear_coverage_data()
        measure = Measure(str(data), str(self.sandbox.path / module), contexts=True)
        units = {name: test_methods(self.parts.tests[name].source, name) for name in trimmed}
        _result, _left, ran = self.run(trimmed, measure=measure)
        per_test = lines_by_test(self.sandbox, module, [u for us in units.values() for u in us])
        for name in trimmed:
            problem = failure(ran.get(name))
            useless = [u for u in units[name] if not (per_test[u] & changed) - baseline]
            if problem:
                self.dropped[name] = f"fails without the methods taken out: {problem}"
            elif useless:
                self.dropped[name] = (
                    f"{useless[0]} runs no changed line that existing tests do not already "
                    "run once the methods that add none are taken out"
                )
        if any(name in self.dropped for name in trimmed):
            self.sandbox.write(self.test_path, merge(self.existing, self.parts, self.alive()))

    def alone_and_clean(self, pristine: Mapping[str, Stat], together: Sequence[str]) -> bool:
        """Stages alone and clean: each test run by itself passes and leaves no file."""
        # What the first run (all together) left: the files it created are removed, so each
        # test's run alone shows what it leaves, even a test that plants a file only once.
        for rel in together:
            if rel not in pristine:
                self.sandbox.write(rel, None)
        before = set(self.dropped)
        messy, unexplained = self._alone(set(together))
        if unexplained:  # left only when the tests ran together: which one did is unknown
            shown = ", ".join(sorted(unexplained)[:5])
            for name in self.alive():
                why = f"the tests run together left files behind: {shown}"
                messy[name] = f"{messy[name]}; {why}" if name in messy else why
        if not self.verdict("alone", before):
            return False
        before = set(self.dropped)
        self.dropped.update(messy)
        return self.verdict("clean", before)

    def _alone(self, unexplained: set[str]) -> tuple[dict[str, str], set[str]]:
        """Run each live test alone: drop the failing; which left files; what none explains."""
        messy: dict[str, str] = {}
        alone = self.alive()
        for name in alone:
            _result, left, ran = self.run([name])
            unexplained -= set(left)
            problem = failure(ran.get(name))
            self.cases[name] = len(ran.get(name) or ())
            if problem:
                self.dropped[name] = f"fails alone: {problem}"
            elif left:
                messy[name] = "the test left files behind: " + ", ".join(left[:5])
        for name in [n for n in self.names if n not in alone]:
            if not unexplained:
                break
            # Rare: only to learn whether a test dropped earlier left them (its verdict stands).
            _result, left = self.sandbox.python(pytest_argv([f"{self.test_path}::{name}"]))
            unexplained -= set(left)
        return messy, unexplained

    def reruns(self, reruns: int, passed_before: Sequence[str] = ()) -> None:
        """Stages reruns and existing, in one pytest process.

        reruns: the kept tests, in the module as it will be written, pass every round.
        The run alone was each test's first rerun; the other ``reruns - 1`` rounds run
        in one process, so a test that passes once and fails when run again (it changes
        a global, draws a random number) fails here too.

        existing (:meth:`existing_tests`): the module's tests that passed before (the
        baseline's ``passed_before``) run once, in the first round, after the kept ones.
        """
        kept = self.alive()
        self.sandbox.write(self.test_path, merge(self.existing, self.parts, kept))
        before = set(self.dropped)
        rounds = reruns - 1
        existing = list(passed_before) if kept else []
        output = ""
        if rounds >= 1 or existing:
            nodes = [f"{self.test_path}::{name}" for name in kept] + _by_id_or_module(
                existing, self.test_path
            )
            argv = pytest_argv(nodes, rounds=max(rounds, 1), once=existing)
            result, _left = self.sandbox.python(argv)
            if result.returncode not in (0, None) or result.timed_out:
                self.failures.append(tail(result.output, 40))
            output = result.output
            ran = outcomes(output, self.test_path)
            for name in kept if rounds >= 1 else ():
                problem = rounds_failure(ran.get(name), rounds, self.cases.get(name, 1))
                if problem:
                    self.dropped[name] = f"failed on a rerun (flaky): {problem}"
        self.verdict("reruns", before)
        if existing and self.alive():
            if set(self.dropped) != before:
                output = ""  # a test dropped just now ran with them: judge the rest alone
            self.existing_tests(existing, output)

    def existing_tests(self, passed_before: Sequence[str], output: str = "") -> None:
        """Stage existing: the module's tests that passed before still pass with the new ones.

        What an answer brings along with its tests (a statement run at import that the
        static checks of test-code cannot see)
        reaches every test of the module, and a test that leaves the module under
        test changed reaches every test run after it: so the new tests run first,
        then the existing ones. Which new test did it is unknown, so all are dropped.
        ``output``: such a run's, when the caller made it (else one is made here).
        """
        kept = self.alive()
        if not kept or not passed_before:
            return
        if not output:
            nodes = [f"{self.test_path}::{name}" for name in kept] + _by_id_or_module(
                passed_before, self.test_path
            )
            result, _left = self.sandbox.python(pytest_argv(nodes))
            if result.returncode not in (0, None) or result.timed_out:
                self.failures.append(tail(result.output, 40))
            output = result.output
        after = set(passed_tests(output))
        lost = [node for node in passed_before if node not in after]
        if not lost:
            detail = f"{len(passed_before)} existing test(s) still pass"
            self.stages.append(ValidationStage("existing", True, detail))
            return
        shown = ", ".join(name.rpartition("::")[2] or name for name in lost[:5])
        more = f" and {len(lost) - 5} more" if len(lost) > 5 else ""
        why = f"with the new tests merged, existing tests no longer pass: {shown}{more}"
        self.dropped.update(dict.fromkeys(kept, why))
        self.stages.append(ValidationStage("existing", False, why))


#: Most characters of existing node ids put on one command line (the kernel caps argv).
MAX_NODE_CHARS = 100_000


def _by_id_or_module(nodes: Sequence[str], test_path: str) -> list[str]:
    """``nodes`` to name on pytest's command line, or the whole module when they are too
    many for one (then they run in file order, before the new tests, not after them)."""
    if sum(len(node) + 1 for node in nodes) <= MAX_NODE_CHARS:
        return list(nodes)
    return [test_path]
