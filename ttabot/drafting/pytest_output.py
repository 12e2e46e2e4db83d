"""What pytest's output says: each test's verdicts in the ``-rA`` summary, and its end.

pytest's "short test summary info" (``-rA``) has one line a test case:
``PASSED path::test[case]``, ``FAILED path::test - message``. These read it,
so a drafted test is judged on the verdicts pytest gave it, not on the exit
code of a run that held others; and they pick what a retry or a drop reason
shows of a run that failed. Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ttabot.drafting.limits import limit_hint

#: How a non-passing outcome is named in a drop reason.
_NOT_PASSED = {
    "XFAIL": "xfail (a drafted test must pass, not be expected to fail)",
    "XPASS": "xpass (a drafted test must pass without an xfail mark)",
    "SKIPPED": "skipped (a drafted test must run)",
}
#: A ``-rA`` summary line: the verdict, then the node id (a case id may hold spaces and
#: `` - ``) and, after `` - ``, the message.
_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XPASS|XFAIL|SKIPPED) (.+)$")
#: A ``-rA`` summary line of a skip: pytest names it by file (and line), never by node id,
#: however the test was skipped (a mark, ``pytest.skip``, a class-level mark: no line).
_SKIPPED = re.compile(r"^SKIPPED \[\d+\] (.+?)(?::\d+)?: (.*)$")
#: The test's name at the start of a node id's part after ``path::``; then its case id.
_NODE_NAME = re.compile(r"([^\[\s:]+)(\[)?")


def tail(text: str, lines: int = 30) -> str:
    """The end of a tool's output, where pytest puts the failure summary."""
    return "\n".join(text.strip().splitlines()[-lines:])


def pytest_failure(output: str) -> str:
    """pytest's one-line verdicts (``FAILED x::t - why``) first, then the end of its output."""
    verdicts = [
        line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR ", "[ttabot]"))
    ]
    return "\n".join([*verdicts[:10], tail(output)]) if verdicts else tail(output)


def passed_tests(output: str) -> tuple[str, ...]:
    """Node ids pytest's ``-rA`` summary reports ``PASSED``, in its order, each once."""
    lines = output.splitlines()
    nodes = (line[len("PASSED ") :].strip() for line in lines if line.startswith("PASSED "))
    return tuple(dict.fromkeys(nodes))


def outcomes(output: str, test_path: str) -> dict[str, list[tuple[str, str]]]:
    """``test name -> [(outcome, message)]`` from pytest's ``-rA`` summary lines."""
    out: dict[str, list[tuple[str, str]]] = {}
    prefix = f"{test_path}::"
    for line in output.splitlines():
        match = _OUTCOME.match(line.strip())
        if match is None or not match.group(2).startswith(prefix):
            continue
        verdict, rest = match.group(1), match.group(2)[len(prefix) :]
        named = _NODE_NAME.match(rest)
        if named is None:
            continue
        # The message follows " - " after the node id: after the case id's "]" when there is one.
        after = rest.find("] - ", named.end()) + 1 if named.group(2) else named.end()
        _, dash, message = rest[after:].partition(" - ") if after > 0 else ("", "", "")
        out.setdefault(named.group(1), []).append((verdict, message if dash else ""))
    return out


def class_tests(output: str, test_path: str, name: str) -> set[str]:
    """What pytest ran inside test class ``name`` by ``-rA`` summary lines: the name that
    follows ``name::`` in each node id (a method, or a nested class)."""
    found: set[str] = set()
    prefix = f"{test_path}::{name}::"
    for line in output.splitlines():
        match = _OUTCOME.match(line.strip())
        if match is None or not match.group(2).startswith(prefix):
            continue
        named = _NODE_NAME.match(match.group(2)[len(prefix) :])
        if named is not None:
            found.add(named.group(1))
    return found


def skip_reasons(output: str, test_path: str) -> list[str]:
    """The reasons pytest's ``-rA`` summary gives for skipping tests of ``test_path``, each once.

    A skip's summary line names no test (``SKIPPED [1] tests/test_m.py:9: reason``),
    so :func:`outcomes` cannot attribute it; a test with no outcome in a run that
    skipped tests of its module is one of those skipped.
    """
    reasons: dict[str, None] = {}
    for line in output.splitlines():
        match = _SKIPPED.match(line.strip())
        if match is not None and match.group(1) == test_path:
            reasons[match.group(2)] = None
    return list(reasons)


def failure(results: Sequence[tuple[str, str]] | None) -> str | None:
    """Why a test did not pass, from its outcomes in one run; None if it passed.

    Only PASSED passes: a drafted test that is skipped, expected to fail (xfail)
    or unexpectedly passes an xfail mark (xpass) checks nothing the gate can trust.
    """
    if not results:
        return "pytest did not run it"
    bad = [(v, m) for v, m in results if v != "PASSED"]
    if bad:
        verdict, message = bad[0]
        word = _NOT_PASSED.get(verdict, verdict.lower())
        return f"{word}: {message}{limit_hint(message)}" if message else word
    return None


def rounds_failure(
    results: Sequence[tuple[str, str]] | None, rounds: int, cases: int = 1
) -> str | None:
    """Why a test did not pass each of its ``cases`` in all ``rounds`` rounds; None if it did.

    ``cases``: the outcomes the test had in its run alone (its parametrized cases). A
    case that skips itself on a rerun shows no line naming it (``-rA`` names a skip by
    file and line), so the count of passes is what tells it.
    """
    problem = failure(results)
    passed = sum(verdict == "PASSED" for verdict, _message in results or ())
    expected = rounds * max(cases, 1)
    of = f"{expected} ({cases} cases, {rounds} rounds)" if cases > 1 else f"{rounds} rounds"
    if problem is not None:
        return f"passed {passed} of {of}; {problem}"
    if passed < expected:
        return f"passed {passed} of {of}; pytest did not run the others"
    return None
