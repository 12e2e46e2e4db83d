"""End to end: drafted tests are judged one function at a time; no request that cannot succeed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support import bad_answers
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
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

GOOD = "def test_clamp_low():\n    assert clamp(-5) == 0\n"
USELESS = "def test_imports():\n    assert clamp\n"

EXISTING = """\
import unittest

from pkg.calc import clamp


class TestClamp(unittest.TestCase):
    def test_inside(self):
        self.assertEqual(clamp(3), 3)


if __name__ == "__main__":
    unittest.main()
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["draft", "--only", "tests-needed", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)["drafts"]


@pytest.fixture
def project(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-secret-for-the-leak-test")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", "def clamp(x):\n    return x\n")
    repo.write("tests/test_calc.py", EXISTING)
    repo.commit("init")
    repo.write("pkg/calc.py", MODULE)
    return repo


def test_a_mixed_answer_keeps_the_good_test_and_drops_the_others_with_reasons(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bad_answers.mixed_tests(
        "from pkg.calc import clamp", GOOD, USELESS, bad_answers.leaking_test()
    )
    configure(project, fake, lambda model, body: answer({"code": code}))
    project.stage()
    status, drafts = run(capsys, "--apply")
    (draft,) = drafts
    assert draft["status"] == "accepted", draft
    assert draft["path"] == "tests/test_calc.py"
    reason = draft["reason"]
    assert "test_imports: runs no changed line" in reason
    assert "test_token_shown" in reason
    written = (project.path / "tests/test_calc.py").read_text()
    assert "def test_clamp_low" in written
    assert "test_imports" not in written and "test_token_shown" not in written
    assert "import os" not in written  # only the kept test's imports
    assert written.count("from pkg.calc import clamp") == 1
    assert written.rstrip().endswith("unittest.main()")  # new code went before the main block
    assert written.index("def test_clamp_low") < written.index('if __name__ == "__main__":')
    assert not (project.path / "stolen.txt").exists()
    assert status == 0
    # The written module passes on its own.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_calc.py"],
        cwd=project.path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project.path)},
    )
    assert done.returncode == 0, done.stdout


def commit_tests_of_every_branch(project: GitRepo) -> None:
    """Commit existing tests that run every branch of ``clamp`` (low, high and in range)."""
    project.write(
        "tests/test_calc.py",
        EXISTING.replace(
            "        self.assertEqual(clamp(3), 3)\n",
            "        self.assertEqual(clamp(3), 3)\n"
            "        self.assertEqual(clamp(-1), 0)\n"
            "        self.assertEqual(clamp(11), 10)\n",
        ),
    )
    project.git("add", "tests/test_calc.py")
    project.git("commit", "-q", "-m", "tests")


def test_changed_lines_the_existing_tests_already_run_get_no_request(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_tests_of_every_branch(project)
    configure(project, fake, lambda model, body: answer({"code": GOOD}))
    project.stage()  # the staged change: pkg/calc.py only
    main(["check", "--categories", "tests-needed", "--format", "json"])
    assert "tests-needed" in capsys.readouterr().out  # check still reports the finding
    code, drafts = run(capsys)
    assert len(fake.calls) == 0
    assert drafts == [] and code == 0


COMMENTED = '''\
def clamp(x, low=0, high=10):
    """Clamp x."""
    # Below the range: the low end.
    if x < low:
        return low

    if x > high:
        return (
            high
        )
    return x
'''


def test_blank_and_comment_lines_of_a_run_body_do_not_cost_a_request(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # No test can run a comment, a blank line or a closing bracket: every line that
    # holds code runs in the existing tests, so no test is asked for.
    commit_tests_of_every_branch(project)
    project.write("pkg/calc.py", COMMENTED)
    configure(project, fake, lambda model, body: answer({"code": GOOD}))
    project.stage()
    code, drafts = run(capsys)
    assert len(fake.calls) == 0
    assert drafts == [] and code == 0


def test_a_new_test_that_runs_only_what_the_existing_tests_run_is_dropped(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # The existing tests run every line but ``return high``: the baseline.
    project.write(
        "tests/test_calc.py",
        EXISTING.replace(
            "        self.assertEqual(clamp(3), 3)\n",
            "        self.assertEqual(clamp(3), 3)\n        self.assertEqual(clamp(-1), 0)\n",
        ),
    )
    project.git("add", "tests/test_calc.py")
    project.git("commit", "-q", "-m", "tests")
    high = "def test_clamp_high():\n    assert clamp(50) == 10\n"
    code = f"from pkg.calc import clamp\n\n\n{GOOD}\n\n{high}"
    configure(project, fake, lambda model, body: answer({"code": code}))
    project.stage()
    status, drafts = run(capsys)
    (draft,) = drafts
    assert draft["status"] == "accepted", draft
    assert draft["reason"] == (
        "dropped test_clamp_low: runs no changed line that existing tests do not already run"
    )
    assert "def test_clamp_high" in draft["diff"] and "test_clamp_low" not in draft["diff"]
    assert status == 0


def test_an_interpreter_without_pytest_costs_no_model_call(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bare = tmp_path / "bare-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    configure(
        project,
        fake,
        lambda model, body: answer({"code": GOOD}),
        python=str(bare / "bin" / "python"),
    )
    project.stage()
    code, drafts = run(capsys)
    (draft,) = drafts
    assert len(fake.calls) == 0
    assert draft["status"] == "rejected" and code == 1
    assert draft["stages"] == [
        {"name": "environment", "passed": False, "detail": draft["reason"]},
    ]
    assert "cannot import pytest" in draft["reason"]
    assert draft["requests"] == 0 and draft["attempts"] == []


RUFF_CONFIG = """\
[tool.ruff]
line-length = 100

[tool.ruff.lint]
select = ["E", "F", "I"]
"""


def test_merged_tests_are_formatted_and_linted_with_the_projects_ruff_config(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("pyproject.toml", RUFF_CONFIG)
    project.git("add", "pyproject.toml")
    project.git("commit", "-q", "-m", "ruff")
    ugly = (
        "import pytest\nfrom pkg.calc import clamp\ndef test_clamp_low( ):\n"
        "    assert clamp( -5 )==0\n    assert pytest\n"
    )
    unused = (
        "import json\nfrom pkg.calc import clamp\n\n\n"
        "def test_clamp_low():\n    x = 1\n    assert clamp(-5) == 0\n"
    )
    answers = iter([unused, ugly])

    def respond(model: str, body: Any) -> Reply:
        return answer({"code": next(answers)})

    configure(project, fake, respond, **{"feedback-rounds": 1})
    project.stage()
    code, drafts = run(capsys, "--apply")
    (draft,) = drafts
    assert draft["status"] == "accepted", draft
    first = draft["attempts"][0]
    assert (first["stage"], first["ok"]) == ("lint", False)
    assert "F841" in first["reason"]
    written = (project.path / "tests/test_calc.py").read_text()
    assert "def test_clamp_low():\n    assert clamp(-5) == 0\n" in written
    # The new import was merged into the module's own, in the project's isort order.
    assert written.startswith("import unittest\n\nimport pytest\n\nfrom pkg.calc import clamp\n")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "tests/test_calc.py"],
        cwd=project.path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    assert code == 0


def test_drafted_tests_run_under_the_projects_pytest_config_conftest_and_src_layout(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/pkg/__init__.py", "")
    repo.write("src/pkg/calc.py", "def clamp(x):\n    return x\n")
    repo.write(
        "tests/conftest.py", "import pytest\n\n\n@pytest.fixture\ndef low():\n    return -5\n"
    )
    repo.write(
        "pytest.ini", "[pytest]\nmarkers =\n    edge: edge cases\naddopts = --strict-markers\n"
    )
    repo.commit("init")
    repo.write("src/pkg/calc.py", MODULE)
    code_ = (
        "import pytest\n\nfrom pkg.calc import clamp\n\n\n"
        "@pytest.mark.edge\ndef test_clamp_low(low):\n    assert clamp(low) == 0\n"
    )
    configure(repo, fake, lambda model, body: answer({"code": code_}))
    repo.stage()
    code, drafts = run(capsys)
    (draft,) = drafts
    assert draft["status"] == "accepted", draft
    assert draft["path"] == "tests/test_calc.py" and code == 0


def test_a_test_module_that_does_not_parse_costs_no_call_and_no_crash(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("tests/test_calc.py", "def test_broken(:\n")
    project.git("add", "tests/test_calc.py")
    project.git("commit", "-q", "-m", "broken", "--", "tests/test_calc.py")
    configure(project, fake, lambda model, body: answer({"code": GOOD}))
    project.stage()
    code, drafts = run(capsys)
    (draft,) = drafts
    assert len(fake.calls) == 0 and code == 1
    assert draft["stages"][0]["name"] == "environment" and "does not parse" in draft["reason"]


#: A test that plants a conftest.py making every test pass, then fails itself (dropped).
PLANTER = """\
def test_plants_a_pass_everything_hook():
    with open("tests/conftest.py", "w") as f:
        f.write(
            "import pytest\\n"
            "@pytest.hookimpl(hookwrapper=True)\\n"
            "def pytest_runtest_makereport(item, call):\\n"
            "    outcome = yield\\n"
            "    outcome.get_result().outcome = 'passed'\\n"
        )
    assert clamp(-5) == 0
"""
#: A plainly wrong test: only a tampered copy would pass it.
WRONG = "def test_clamp_wrong():\n    assert clamp(-5) == 999\n"


#: A test that plants bytecode for pkg/calc.py (its header matching the source, so Python
#: runs it instead of compiling the source) where clamp answers 999 below the range; then fails.
PYC_PLANTER = """\
def test_plants_bytecode():
    import importlib.util
    import marshal
    import os
    import struct

    source = os.path.abspath("pkg/calc.py")
    info = os.stat(source)
    with open(source) as f:  # the same lines, so coverage sees the changed ones run
        tampered = f.read().replace("return low", "return 999")
    code = compile(tampered, source, "exec")
    header = struct.pack("<III", 0, int(info.st_mtime) & 0xFFFFFFFF, info.st_size & 0xFFFFFFFF)
    target = importlib.util.cache_from_source(source)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(importlib.util.MAGIC_NUMBER + header + marshal.dumps(code))
    assert clamp(-5) == 0
    assert False
"""


@pytest.mark.parametrize("planter", [PLANTER, PYC_PLANTER], ids=["conftest", "bytecode"])
def test_what_a_dropped_test_planted_in_the_copy_judges_no_later_answer(
    project: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], planter: str
) -> None:
    """Round 1 plants a pass-everything conftest.py (a file left: it taints the copy) or
    bytecode for pkg/calc.py (a cache file); round 2's plainly wrong test still fails."""
    answers = iter(
        [
            "from pkg.calc import clamp\n\n\n" + planter,
            "from pkg.calc import clamp\n\n\n" + WRONG,
        ]
    )
    configure(
        project,
        fake,
        lambda model, body: answer({"code": next(answers)}),
        **{"feedback-rounds": 1},
    )
    project.stage()
    _status, drafts = run(capsys)
    (draft,) = drafts
    assert len(fake.calls) == 2
    assert draft["status"] == "rejected", draft
