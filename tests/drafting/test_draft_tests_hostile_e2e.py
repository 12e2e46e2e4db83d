"""End to end: drafted tests that pass themselves but break the module's existing tests are dropped.

Every new test passes alone and in rounds and runs a changed line, yet what the answer
brings into the module along with it (a statement run at import, a global it leaves
changed) changes how the module's existing tests run. The written module would fail (or skip)
tests that passed before the draft.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main

MODULE = '''\
def clamp(x, low=0, high=10):
    """Clamp x."""
    if x < low:
        return low
    if x > high:
        return high
    return x
'''

EXISTING = """\
from pkg.calc import clamp


def limits():
    return (0, 10)


def test_inside():
    assert clamp(3) == 3


def test_limits():
    assert limits() == (0, 10)
"""

GOOD = "from pkg.calc import clamp\n\n\ndef test_clamp_low():\n    assert clamp(-5) == 0\n"

#: Each answer's new test passes and runs ``return low``; each breaks an existing test.
#: (A helper that shadows one of the module's own, or an autouse fixture that reaches the
#: module's tests, is refused before anything runs: below.)
HOSTILE = {
    # A call at import, changing clamp through a local alias: past what a static check
    # can follow (a setattr(...) in the value itself, or an assignment to an imported
    # object, is refused at test-code, see test_testcode.py).
    "import-time call": (
        "import pkg.calc\nfrom pkg.calc import clamp\n\n\n"
        "def _widen():\n    f = pkg.calc.clamp\n    f.__defaults__ = (-1, 1)\n    return -1\n\n\n"
        "LOW = _widen()\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == LOW\n"
    ),
}


@pytest.fixture
def project(repo: GitRepo) -> GitRepo:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", "def clamp(x):\n    return x\n")
    repo.write("tests/test_calc.py", EXISTING)
    repo.commit("init")
    repo.write("pkg/calc.py", MODULE)
    return repo


def run(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["draft", "--only", "tests-needed", "--format", "json", "--apply"])
    return code, json.loads(capsys.readouterr().out)["drafts"]


def drafted(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], *codes: str
) -> tuple[int, dict[str, Any]]:
    """Serve ``codes`` as the model's answers, one per attempt; the exit code and the draft."""
    answers = iter(codes)
    rounds = {"feedback-rounds": len(codes) - 1} if len(codes) > 1 else {}
    configure(project, fake, lambda model, body: answer({"code": next(answers)}), **rounds)
    project.stage()
    status, drafts = run(capsys)
    (draft,) = drafts
    return status, draft


def accepted_on_retry(
    project: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    first_answer: str,
    second_answer: str,
) -> tuple[int, dict[str, Any]]:
    """Serve ``first_answer`` then ``second_answer``; the draft's exit code and first attempt.

    The draft must end accepted (the second answer is a good one).
    """
    status, draft = drafted(project, fake, capsys, first_answer, second_answer)
    assert draft["status"] == "accepted", draft["reason"]
    first: dict[str, Any] = draft["attempts"][0]
    return status, first


def existing_tests_pass(project: GitRepo) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "tests"],
        cwd=project.path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project.path)},
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_new_tests_that_break_existing_ones_are_dropped_and_asked_again(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    answers = iter([HOSTILE[name], GOOD])
    seen: list[str] = []

    def respond(model: str, body: Any) -> Any:
        seen.append(body["messages"][-1]["content"])
        return answer({"code": next(answers)})

    configure(project, fake, respond, **{"feedback-rounds": 1})
    project.stage()
    code, drafts = run(capsys)
    (draft,) = drafts
    assert draft["status"] == "accepted", draft
    first = draft["attempts"][0]
    assert (first["stage"], first["ok"]) == ("existing", False), draft["attempts"]
    assert "test_inside" in first["reason"] or "test_limits" in first["reason"]
    assert "existing tests" in seen[1]
    done = existing_tests_pass(project)
    assert done.returncode == 0 and done.stdout.count("PASSED") == 3, done.stdout
    assert code == 0


def test_good_tests_merged_beside_existing_ones_stay_accepted(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, draft = drafted(project, fake, capsys, GOOD)
    assert draft["status"] == "accepted" and code == 0, (draft["stages"], draft["reason"])
    assert [s["name"] for s in draft["stages"]][-2:] == ["existing", "tests"]
    assert len(fake.calls) == 1


@pytest.mark.parametrize("useless", ["test_calc", "tests"])
def test_a_useless_test_named_like_its_module_gets_no_coverage_credit(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], useless: str
) -> None:
    # Coverage names a test's context "test_calc.test_clamp_low" (or "tests.test_calc...."):
    # a test named like a part of that dotted name must not be credited with its lines.
    if useless == "tests":  # a package: the context is "tests.test_calc.test_clamp_low"
        project.write("tests/__init__.py", "")
        project.git("add", "tests/__init__.py")
        project.git("commit", "-q", "-m", "tests package")
    code = GOOD + f"\n\ndef {useless}():\n    assert clamp\n"
    status, draft = drafted(project, fake, capsys, code)
    assert draft["status"] == "accepted", draft["reason"]
    assert draft["reason"] == (
        f"dropped {useless}: runs no changed line that existing tests do not already run"
    )
    written = (project.path / "tests/test_calc.py").read_text()
    assert f"def {useless}()" not in written
    assert status == 0


def test_a_test_class_is_judged_method_by_method(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # One method runs a changed line, the other only what test_inside already runs:
    # kept as a whole, the class would carry a test that checks nothing new. Dropped
    # whole, the class would lose test_low with it (attrs' TestNot_ lost 15 good
    # methods for one). The method is taken out, its sister kept, on the first answer.
    mixed = (
        "from pkg.calc import clamp\n\n\nclass TestClampEdges:\n"
        "    def test_low(self):\n        assert clamp(-5) == 0\n\n"
        "    @pytest.mark.slow\n"
        "    def test_inside_again(self):\n        assert clamp(3) == 3\n\n"
        "    def test_high(self):\n        assert clamp(50) == 10\n"
    )
    status, draft = drafted(project, fake, capsys, "import pytest\n" + mixed)
    assert draft["status"] == "accepted", draft["reason"]
    assert len(draft["attempts"]) == 1
    coverage = next(s for s in draft["stages"] if s["name"] == "coverage")
    assert coverage["passed"] and "TestClampEdges.test_inside_again" in coverage["detail"], coverage
    written = (project.path / "tests/test_calc.py").read_text()
    assert "test_low" in written and "test_high" in written
    assert "test_inside_again" not in written and "mark.slow" not in written
    assert existing_tests_pass(project).returncode == 0
    assert status == 0


def test_a_test_class_whose_every_method_adds_nothing_is_dropped_whole(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    idle = (
        "from pkg.calc import clamp\n\n\nclass TestClampEdges:\n"
        "    def test_inside_again(self):\n        assert clamp(3) == 3\n\n"
        "    def test_inside_twice(self):\n        assert clamp(4) == 4\n"
    )
    status, first = accepted_on_retry(project, fake, capsys, idle, GOOD)
    assert (first["stage"], first["ok"]) == ("coverage", False), first
    assert "TestClampEdges.test_inside_again" in first["reason"]
    assert "TestClampEdges" not in (project.path / "tests/test_calc.py").read_text()
    assert status == 0


def test_a_class_method_that_checks_nothing_does_not_ride_on_its_sisters(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: test_inside_again asserts but runs only what test_inside runs; test_low
    # runs the changed line but checks nothing. Judged as a class, it asserted
    # something; judged per method, the one that adds coverage checks nothing.
    sneaky = (
        "from pkg.calc import clamp\n\n\nclass TestClampEdges:\n"
        "    def test_inside_again(self):\n        assert clamp(3) == 3\n\n"
        "    def test_low(self):\n        clamp(-5)\n"
    )
    status, first = accepted_on_retry(project, fake, capsys, sneaky, GOOD)
    assert (first["stage"], first["ok"]) == ("coverage", False), first
    assert "TestClampEdges.test_low: asserts nothing" in first["reason"], first
    assert "TestClampEdges" not in (project.path / "tests/test_calc.py").read_text()
    assert status == 0


def test_a_class_keeps_its_checking_methods_without_the_idle_one(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    mixed = (
        "from pkg.calc import clamp\n\n\nclass TestClampEdges:\n"
        "    def test_low(self):\n        assert clamp(-5) == 0\n\n"
        "    def test_high_runs(self):\n        clamp(50)\n"
    )
    status, draft = drafted(project, fake, capsys, mixed)
    assert draft["status"] == "accepted", draft["reason"]
    stage = next(s for s in draft["stages"] if s["name"] == "test-code")
    assert "TestClampEdges.test_high_runs: asserts nothing" in stage["detail"], stage
    written = (project.path / "tests/test_calc.py").read_text()
    assert "def test_low" in written and "test_high_runs" not in written
    assert status == 0


def test_a_new_test_that_leaves_the_module_under_test_changed_is_dropped(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # It passes in every round (its own call does not see the change it leaves), but
    # every test that runs after it in the session sees clamp's range cut to 0..2.
    # (Through a local alias: a static check refuses the direct assignment, below.)
    polluting = (
        "import pkg.calc\nfrom pkg.calc import clamp\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == 0\n"
        "    f = pkg.calc.clamp\n    f.__defaults__ = (0, 2)\n"
    )
    status, first = accepted_on_retry(project, fake, capsys, polluting, GOOD)
    assert (first["stage"], first["ok"]) == ("existing", False), first
    assert "test_inside" in first["reason"]
    assert "__defaults__" not in (project.path / "tests/test_calc.py").read_text()
    assert status == 0


@pytest.mark.parametrize(
    "silent",
    [
        "def test_clamp_high():\n    clamp(50)\n",
        "def test_clamp_high():\n    try:\n        clamp(50)\n    except Exception:\n"
        "        pass\n",
        "def test_clamp_high():\n    result = clamp(50)\n    print(result)\n",
    ],
    ids=["call", "swallowed", "printed"],
)
def test_a_test_that_asserts_nothing_is_dropped(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], silent: str
) -> None:
    # It runs a changed line (return high) and passes: but it checks nothing.
    status, draft = drafted(project, fake, capsys, GOOD + "\n\n" + silent)
    assert draft["status"] == "accepted", draft["reason"]
    assert draft["reason"].startswith("dropped test_clamp_high: asserts nothing"), draft["reason"]
    assert "test_clamp_high" not in (project.path / "tests/test_calc.py").read_text()
    assert status == 0


@pytest.mark.parametrize(
    "checking",
    [
        "def test_clamp_high():\n    assert clamp(50) == 10\n",
        "import pytest\n\n\ndef test_clamp_high():\n    with pytest.raises(TypeError):\n"
        "        clamp(50) + 'x'\n",
        "import unittest\n\n\nclass TestHigh(unittest.TestCase):\n"
        "    def test_clamp_high(self):\n        self.assertEqual(clamp(50), 10)\n",
        "def check_high(value):\n    assert clamp(value) == 10\n\n\n"
        "def test_clamp_high():\n    check_high(50)\n",
        # pytest collects a TestCase subclass whatever its name.
        "import unittest\n\n\nclass HighTests(unittest.TestCase):\n"
        "    def test_clamp_high(self):\n        self.assertEqual(clamp(50), 10)\n",
    ],
    ids=["assert", "raises", "unittest", "helper", "unittest named otherwise"],
)
def test_tests_that_check_in_any_usual_way_are_kept(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], checking: str
) -> None:
    status, draft = drafted(project, fake, capsys, GOOD + "\n\n" + checking)
    assert draft["status"] == "accepted" and draft["reason"] == "", draft["reason"]
    assert status == 0


def with_another_test_module(repo: GitRepo, check: str) -> None:
    """A project whose ``tests/test_other.py`` also tests clamp (``check`` is its assert),
    with the change to ``pkg/calc.py`` in the work tree: what a test that changes shared
    objects would break beyond the placed module."""
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", "def clamp(x):\n    return x\n")
    repo.write(
        "tests/test_calc.py",
        "from pkg.calc import clamp\n\n\ndef test_exists():\n    assert callable(clamp)\n",
    )
    repo.write(
        "tests/test_other.py", f"from pkg.calc import clamp\n\n\ndef test_in():\n    {check}\n"
    )
    repo.commit("init")
    repo.write("pkg/calc.py", MODULE)


def test_module_level_code_that_changes_other_objects_at_import_is_refused(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Collecting the project's tests imports every test module before any test runs: an
    # assignment to the module under test at import time changes what every other test
    # module sees (here tests/test_other.py), whether or not the placed module notices.
    with_another_test_module(repo, "assert clamp(3) == 3")
    polluting = (
        "import pkg.calc\nfrom pkg.calc import clamp\n\n"
        "LOW = pkg.calc.clamp.__defaults__ = (-1, 1)\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == LOW[0]\n"
    )
    status, first = accepted_on_retry(repo, fake, capsys, polluting, GOOD)
    assert (first["stage"], first["ok"]) == ("test-code", False), first
    assert "runs at import" in first["reason"]
    assert existing_tests_pass(repo).returncode == 0
    assert status == 0


def test_an_autouse_fixture_lends_no_coverage_to_the_tests_it_runs_for(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture runs the changed line before every test of the module; a test that
    # checks only what test_inside already checks must not be credited with that line.
    # (In the test's own class: a module-wide one would reach the module's tests too.)
    code = (
        "import pytest\n\nfrom pkg.calc import clamp\n\n\n"
        "class TestAgain:\n"
        "    @pytest.fixture(autouse=True)\n"
        "    def warm(self):\n        clamp(-5)\n\n"
        "    def test_inside_again(self):\n        assert clamp(4) == 4\n"
    )
    status, draft = drafted(project, fake, capsys, code)
    assert draft["status"] == "rejected" and status == 1, draft
    assert "test_inside_again" in draft["reason"] and "changed line" in draft["reason"]
    assert not (project.path / "tests/test_calc.py").read_text().count("warm")


def test_a_helper_of_the_module_drafted_again_otherwise_is_refused_before_it_runs(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: the answer redefines the module's own helper so that its existing test
    # still passes (the same value, built otherwise). Merged below it, the drafted
    # limits() would replace the maintainers' one for test_limits: no test fails.
    redefining = (
        "from pkg.calc import clamp\n\n\n"
        "def limits():\n    return tuple([0, 10])\n\n\n"
        "def test_clamp_low():\n    low, _ = limits()\n    assert clamp(-5) == low\n"
    )
    status, first = accepted_on_retry(project, fake, capsys, redefining, GOOD)
    assert (first["stage"], first["ok"]) == ("test-code", False), first
    assert "'limits'" in first["reason"], first["reason"]
    written = (project.path / "tests/test_calc.py").read_text()
    assert written.count("def limits(") == 1 and "tuple([0, 10])" not in written
    assert status == 0


def test_a_drafted_copy_of_the_modules_own_helper_is_kept_once(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Models copy what the prompt shows them: the copy is the module's own helper.
    copying = (
        "from pkg.calc import clamp\n\n\n"
        "def limits():\n    return (0, 10)\n\n\n"
        "def test_clamp_low():\n    low, _ = limits()\n    assert clamp(-5) == low\n"
    )
    status, draft = drafted(project, fake, capsys, copying)
    assert draft["status"] == "accepted" and draft["reason"] == "", draft
    written = (project.path / "tests/test_calc.py").read_text()
    assert written.count("def limits(") == 1 and "def test_clamp_low():" in written
    assert existing_tests_pass(project).returncode == 0
    assert status == 0


def test_a_test_class_inheriting_the_modules_tests_is_refused(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: the model wants the module's setUp and subclasses its TestCase; every test
    # of CalcTests would run a second time under TestEdges in the written module, and
    # test_low alone adds the coverage, so no other stage objects.
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", "def clamp(x):\n    return x\n")
    repo.write(
        "tests/test_calc.py",
        "import unittest\n\nfrom pkg.calc import clamp\n\n\n"
        "class CalcTests(unittest.TestCase):\n    def setUp(self):\n        self.low = 0\n\n"
        "    def test_inside(self):\n        self.assertEqual(clamp(3), 3)\n",
    )
    repo.commit("init")
    repo.write("pkg/calc.py", MODULE)
    inheriting = (
        "from pkg.calc import clamp\n\n\nclass TestEdges(CalcTests):\n"
        "    def test_low(self):\n        self.assertEqual(clamp(-5), self.low)\n"
    )
    status, first = accepted_on_retry(repo, fake, capsys, inheriting, GOOD)
    assert (first["stage"], first["ok"]) == ("test-code", False), first
    assert "inherits the test methods of CalcTests" in first["reason"], first["reason"]
    assert "CalcTests)" not in (repo.path / "tests/test_calc.py").read_text()
    assert status == 0


@pytest.mark.parametrize(
    "skipping",
    [
        "import pytest\n\n\n@pytest.mark.skip(reason='later')\n"
        "def test_clamp_high():\n    assert clamp(50) == 10\n",
        "import pytest\n\n\n@pytest.mark.skipif(True, reason='never')\n"
        "def test_clamp_high():\n    assert clamp(50) == 10\n",
        "import pytest\n\n\ndef test_clamp_high():\n"
        "    assert clamp(50) == 10\n    pytest.skip('done')\n",
        "import pytest\n\n\n@pytest.mark.parametrize('x', [])\n"
        "def test_clamp_high(x):\n    assert clamp(50) == x\n",
    ],
    ids=["mark", "skipif", "inside", "no cases"],
)
def test_a_test_that_skips_or_runs_no_case_is_dropped(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], skipping: str
) -> None:
    # Each runs a changed line (return high) or would, and pytest reports no failure:
    # but a skipped test checks nothing for the maintainers (and a skip in a real pytest
    # run's -rA summary names a file and line, not the test).
    status, draft = drafted(project, fake, capsys, GOOD + "\n\n" + skipping)
    assert draft["status"] == "accepted", draft["reason"]
    assert draft["reason"].startswith("dropped test_clamp_high: "), draft["reason"]
    assert "def test_clamp_high" not in (project.path / "tests/test_calc.py").read_text()
    assert status == 0


MODULE_WIDE = {
    # For the maintainers' tests only, clamp is swapped for a stand-in: every test still
    # passes, and test_inside would test a lambda from then on, whatever clamp does.
    "stand-in": (
        "import sys\n\nimport pytest\n\nfrom pkg.calc import clamp\n\n\n"
        "@pytest.fixture(autouse=True)\n"
        "def steady(request, monkeypatch):\n"
        "    if request.node.name != 'test_clamp_low':\n"
        "        monkeypatch.setattr(sys.modules[__name__], 'clamp', lambda x: x)\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == 0\n"
    ),
    "autouse fixture": (
        "import pytest\n\nimport pkg.calc\nfrom pkg.calc import clamp\n\n\n"
        "@pytest.fixture(autouse=True)\n"
        "def wider_range(monkeypatch):\n"
        "    monkeypatch.setattr(pkg.calc.clamp, '__defaults__', (5, 10))\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == 5\n"
    ),
    "autouse skip": (
        "import pytest\n\nfrom pkg.calc import clamp\n\n\n"
        "@pytest.fixture(autouse=True)\n"
        "def only_mine(request):\n"
        "    if request.node.name != 'test_clamp_low':\n"
        "        pytest.skip('not mine')\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == 0\n"
    ),
    "pytestmark": (
        "import pytest\n\nfrom pkg.calc import clamp\n\n"
        "pytestmark = pytest.mark.filterwarnings('ignore')\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == 0\n"
    ),
}


@pytest.mark.parametrize("name", sorted(MODULE_WIDE))
def test_an_autouse_fixture_or_pytestmark_that_reaches_the_existing_tests_is_refused(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    # Attack: an autouse fixture runs for every test of the module, a pytestmark marks
    # them all: what they do to the maintainers' tests only the existing stage could see,
    # and not at all when those still pass.
    neutering = MODULE_WIDE[name]
    status, first = accepted_on_retry(project, fake, capsys, neutering, GOOD)
    assert (first["stage"], first["ok"]) == ("test-code", False), first
    assert "autouse" in first["reason"], first["reason"]
    written = (project.path / "tests/test_calc.py").read_text()
    assert "autouse" not in written and "pytestmark" not in written
    assert status == 0


def test_a_test_smuggled_in_with_the_code_a_kept_test_needs_never_lands_unjudged(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: only test_clamp_low is judged (run by node id); the failing test_evil
    # comes along with HELPER, which test_clamp_low uses, and pytest collects it in the
    # written module: the maintainers' suite would fail from the next run on.
    smuggling = (
        "from pkg.calc import clamp\n\n"
        "if True:\n    HELPER = 0\n\n    def test_evil():\n        assert False\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == HELPER\n"
    )
    status, first = accepted_on_retry(project, fake, capsys, smuggling, GOOD)
    assert (first["stage"], first["ok"]) == ("test-code", False), first
    assert "test_evil" in first["reason"], first["reason"]
    assert "test_evil" not in (project.path / "tests/test_calc.py").read_text()
    assert existing_tests_pass(project).returncode == 0
    assert status == 0


def test_a_test_that_leaves_an_imported_object_changed_for_other_modules_is_refused(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: the placed module's own tests never call clamp with its defaults, so the
    # existing stage sees nothing; tests/test_other.py, collected after it, does, and
    # would fail in every full run from then on.
    with_another_test_module(repo, "assert clamp(30) == 10")
    polluting = (
        "import pkg.calc\nfrom pkg.calc import clamp\n\n\n"
        "def test_clamp_low():\n    assert clamp(-5) == 0\n"
        "    pkg.calc.clamp.__defaults__ = (0, 2)\n"
    )
    status, first = accepted_on_retry(repo, fake, capsys, polluting, GOOD)
    assert (first["stage"], first["ok"]) == ("test-code", False), first
    assert "monkeypatch" in first["reason"], first["reason"]
    assert existing_tests_pass(repo).returncode == 0
    assert status == 0


def test_a_method_left_in_a_class_is_measured_without_the_methods_taken_out(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: test_inside_again adds no changed line and is taken out at coverage; it
    # ran first and left the class the value that made test_low run 'return low'.
    # Without it test_low runs only clamp(3), passes, and would be written adding nothing.
    leaning = (
        "from pkg.calc import clamp\n\n\nclass TestClampEdges:\n"
        "    def test_inside_again(self):\n        type(self).value = -5\n"
        "        assert clamp(3) == 3\n\n"
        "    def test_low(self):\n        value = getattr(type(self), 'value', 3)\n"
        "        assert clamp(value) in (0, 3)\n"
    )
    status, draft = drafted(project, fake, capsys, leaning, GOOD)
    assert draft["status"] == "accepted", draft["reason"]
    first = draft["attempts"][0]
    assert (first["stage"], first["ok"]) == ("coverage", False), first
    assert "TestClampEdges.test_low" in first["reason"], first
    assert "TestClampEdges" not in (project.path / "tests/test_calc.py").read_text()
    assert status == 0


@pytest.mark.parametrize(
    "adds",
    [
        # A class decorator, or a base's __init_subclass__, gives the class a test no
        # static reading lists as its method: judged per method, it ran unjudged.
        "def with_low(cls):\n    cls.test_low = lambda self: clamp(-5)\n    return cls\n\n\n"
        "@with_low\nclass TestClampEdges:\n",
        "class Base:\n    def __init_subclass__(cls):\n"
        "        cls.test_low = lambda self: clamp(-5)\n\n\nclass TestClampEdges(Base):\n",
    ],
)
def test_a_test_a_class_gets_at_run_time_is_not_carried_by_its_methods(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], adds: str
) -> None:
    hidden = (
        f"from pkg.calc import clamp\n\n\n{adds}"
        "    def test_high(self):\n        assert clamp(50) == 10\n\n"
        "    def test_top(self):\n        assert clamp(60) == 10\n"
    )
    status, draft = drafted(project, fake, capsys, hidden, GOOD)
    assert draft["status"] == "accepted", draft["reason"]
    first = draft["attempts"][0]
    assert (first["stage"], first["ok"]) == ("passes", False), first
    assert "TestClampEdges.test_low" in first["reason"], first
    assert "TestClampEdges" not in (project.path / "tests/test_calc.py").read_text()
    assert status == 0
