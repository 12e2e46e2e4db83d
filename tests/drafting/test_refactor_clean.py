"""A refactor's test runs change nothing in the shared copy that later drafts are judged on.

The rewrite is model code, and the module's tests import it: at import it can plant a
``conftest.py`` (or bytecode) in the copy that the module's later drafts run with, and
make every test there pass. Drafted tests were held to this (the copy is renewed when
they change it); refactors were not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.drafting.test_draft_refactor_e2e import BRANCHY, REWRITE, TEST, WORDS
from ttabot.drafting import refactor_check
from ttabot.drafting.isolation import project_copy

#: No bwrap on PATH: the bare copy (what is planted does not depend on the sandbox), faster.
ENV = {"PATH": "/nonexistent-no-bwrap", "HOME": "/nowhere"}

#: A conftest.py that passes every test, whatever it asserts.
PASS_ALL = (
    "import pytest\n\n\n"
    "@pytest.hookimpl(hookwrapper=True)\n"
    "def pytest_runtest_makereport(item, call):\n"
    "    outcome = yield\n"
    "    outcome.get_result().outcome = 'passed'\n"
)

PLANTING = (
    REWRITE.format(name="grade", fallback="many", words=WORDS)
    + f"\n\n__import__('pathlib').Path('tests/conftest.py').write_text({PASS_ALL!r})\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "grade.py").write_text(BRANCHY.format(name="grade"))
    (root / "tests" / "test_grade.py").write_text(TEST.format(name="grade", words=WORDS))
    return root


def _check(box: object, proposed: str) -> refactor_check.RefactorCheck:
    original = BRANCHY.format(name="grade")
    return refactor_check.check_refactor_tests(
        box,  # type: ignore[arg-type]
        "pkg/grade.py",
        original,
        proposed,
        "grade",
        ["tests/test_grade.py"],
        (),
    )


def test_a_rewrite_that_plants_a_file_in_the_copy_is_rejected_and_taints_it(
    project: Path,
) -> None:
    with project_copy(project, {}, environ=ENV, timeout=30, python=sys.executable) as box:
        result = _check(box, PLANTING)
    assert not result.accepted and not result.applicable
    assert result.stages[-1].name == "clean" and not result.stages[-1].passed
    assert "tests/conftest.py" in result.stages[-1].detail
    assert result.tainted


def test_an_honest_rewrite_is_accepted_on_a_copy_left_as_it_was(project: Path) -> None:
    honest = REWRITE.format(name="grade", fallback="many", words=WORDS)
    with project_copy(project, {}, environ=ENV, timeout=30, python=sys.executable) as box:
        result = _check(box, honest)
    assert result.accepted, result.stages
    assert not result.tainted
