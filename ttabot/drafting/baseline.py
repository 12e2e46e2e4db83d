"""The baseline a drafted test is judged against: what the existing test module does.

Which lines of the module under test its tests run (traced from the first call
of a changed function by :mod:`~ttabot.drafting.probe`, else measured by
coverage) and which of its tests pass, before any drafted test joins it. Runs
code in a :class:`~ttabot.drafting.sandbox.Sandbox`; the drafted tests
themselves are judged per function in :mod:`ttabot.drafting.testrun`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ttabot.drafting.probe import PROBE_FILE, probe_argv, read_probe
from ttabot.drafting.pytest_output import passed_tests
from ttabot.drafting.readback import read_bytes
from ttabot.drafting.sandbox import Sandbox, UnsafeFile


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
