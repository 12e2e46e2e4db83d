"""End to end: ``ttabot draft`` drafts pytest tests through a fake model and keeps only good ones.

One module per case, so each case is its own task with its own verdict.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure, user_prompt
from tests.support.fake_openai import FakeOpenAI, server_error
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main

SECRET = "sk-or-v1-parent-secret-do-not-leak"

MODULE = '''\
def {name}(x):
    """Return x scaled."""
    if x < 0:
        return 0
    return x * 2
'''

GOOD = """\
import os

from pkg.{name} import {name}


def test_{name}_doubles():
    assert {name}(3) == 6


def test_{name}_clamps_negative():
    assert {name}(-1) == 0
"""

TESTS: dict[str, str] = {
    "good": GOOD,
    "syntax": "def test_broken(:\n    pass\n",
    "failing": "from pkg.failing import failing\n\n\ndef test_it():\n    assert failing(3) == 7\n",
    # Fails 63 runs in 64, with a seed no rerun can repeat: flaky, and writes no file.
    "flaky": (
        "import os\n\nfrom pkg.flaky import flaky\n\n\n"
        "def test_it():\n    assert flaky(1) == 2\n    assert os.urandom(1)[0] < 4\n"
    ),
    # Imports the module but runs none of the changed lines.
    "nocover": "import pkg.nocover\n\n\ndef test_imports():\n    assert pkg.nocover\n",
    # Tests another module and never imports its own: it runs nothing of the change.
    "elsewhere": "from pkg.good import good\n\n\ndef test_other():\n    assert good(3) == 6\n",
    "writer": (
        "from pkg.writer import writer\n\n\n"
        "def test_it():\n    open('left-behind.txt', 'w').write('x')\n    assert writer(1) == 2\n"
    ),
    # Passes only where the parent's key is not visible.
    "envcheck": (
        "import os\n\nfrom pkg.envcheck import envcheck\n\n\n"
        "def test_env_is_scrubbed():\n"
        "    print(dict(os.environ))\n"
        "    assert 'OPENROUTER_API_KEY' not in os.environ\n"
        f"    assert {SECRET!r} not in repr(os.environ)\n"
        "    assert os.environ['HOME'].endswith('home')\n"
        "    assert envcheck(2) == 4\n    assert envcheck(-2) == 0\n"
    ),
    "hang": (
        "import time\n\nfrom pkg.hang import hang\n\n\n"
        "def test_it():\n    time.sleep(600)\n    assert hang(1) == 2\n"
    ),
}

#: How each case's answer is wrapped: reasoning blocks, prose, fences.
WRAPS = {
    "good": "<think>The user wants tests. Let me think {about} it.</think>Here you go:",
    "envcheck": "Sure! Below is the JSON.\n```json",
}


def responder(model: str, body: Any) -> Reply:
    prompt = user_prompt(body)
    name = re.search(r"from `pkg/(\w+)\.py`", prompt)
    assert name, prompt[:200]
    case = name.group(1)
    code = TESTS[case].format(name=case) if case == "good" else TESTS[case]
    return answer({"code": code}, prose=WRAPS.get(case, ""))


@pytest.fixture
def project(repo: GitRepo, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("OPENROUTER_API_KEY", SECRET)
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    for case in TESTS:
        repo.write(f"pkg/{case}.py", MODULE.format(name=case))
    configure(repo, fake, responder, **{"test-timeout": 8})
    repo.stage()
    return repo


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["draft", "--only", "tests-needed", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_good_tests_are_accepted_and_bad_ones_rejected_with_the_reason(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = run_json(capsys)
    by_case = {d["findings"][0]["path"].split("/")[1][:-3]: d for d in doc["drafts"]}
    assert set(by_case) == set(TESTS)
    assert code == 1  # some drafts were rejected

    def failed_stage(case: str) -> str:
        stage = next(s for s in by_case[case]["stages"] if not s["passed"])
        return str(stage["name"])

    for case in ("good", "envcheck"):
        draft = by_case[case]
        assert draft["status"] == "accepted", (case, draft["stages"])
        assert [s["name"] for s in draft["stages"]] == [
            "parses",
            "test-code",
            "imports",
            "passes",
            "coverage",
            "alone",
            "clean",
            "reruns",
            "tests",
        ]
        assert draft["path"] == "tests/test_" + case + ".py"
        assert draft["model"] == "fake:tests"
        assert draft["prompt_tokens"] == 100 and draft["requests"] == 1
        assert [a["ok"] for a in draft["attempts"]] == [True]
    assert failed_stage("syntax") == "parses"
    assert failed_stage("failing") == "passes"
    assert by_case["failing"]["reason"].startswith("passes: test_it: fails in the module")
    assert "assert 6 == 7" in by_case["failing"]["reason"]
    # Passing once in 64, it fails whichever run comes first: in the module, alone or a rerun.
    assert failed_stage("flaky") in ("passes", "alone", "reruns")
    assert failed_stage("nocover") == "coverage"
    assert failed_stage("elsewhere") == "coverage"
    assert by_case["elsewhere"]["reason"] == (
        "coverage: test_other: runs no changed line that existing tests do not already run"
    )
    assert failed_stage("writer") == "clean"
    assert "left-behind.txt" in by_case["writer"]["reason"]
    assert failed_stage("hang") == "passes"
    assert "killed after 8 s" in by_case["hang"]["reason"]
    for case in TESTS:
        if by_case[case]["status"] == "rejected":
            assert by_case[case]["reason"]
    # Nothing was written to the user's tree without --apply.
    assert not (project.path / "tests").exists()
    assert not (project.path / "left-behind.txt").exists()


def test_a_failing_test_is_retried_with_the_pytest_failure_fed_back(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", MODULE.format(name="calc"))
    seen: list[str] = []

    def respond(model: str, body: Any) -> Reply:
        last = body["messages"][-1]["content"]
        seen.append(last)
        if "failed ttabot's check `passes`" in last:
            return answer({"code": GOOD.format(name="calc")})
        return answer({"code": TESTS["failing"].replace("failing", "calc")})

    configure(repo, fake, respond, **{"feedback-rounds": 1})
    repo.stage()
    code, doc = run_json(capsys)
    (draft,) = doc["drafts"]
    assert draft["status"] == "accepted", draft["reason"]
    assert draft["requests"] == 2 and code == 0
    assert [(a["stage"], a["ok"]) for a in draft["attempts"]] == [
        ("passes", False),
        ("tests", True),
    ]
    assert len(seen) == 2
    assert "- test_it: fails in the module: failed: assert 6 == 7" in seen[1]
    # pytest's own output follows, with the failing line in context.
    assert "pytest output:" in seen[1] and "assert calc(3) == 7" in seen[1]


def test_a_model_that_never_answers_gives_a_no_answer_draft_not_a_crash(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", MODULE.format(name="calc"))
    configure(repo, fake, lambda model, body: server_error(503, "overloaded"))
    repo.stage()
    code, doc = run_json(capsys)
    (draft,) = doc["drafts"]
    # Not "rejected" (exit 1): nothing was drafted to check, because no model answered.
    assert draft["status"] == "no-answer" and code == 2
    assert draft["stages"][0]["name"] == "model"
    assert "503" in draft["reason"] or "overloaded" in draft["reason"]


def test_two_functions_tested_in_two_test_modules_get_a_draft_each(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # The project tests prompt in test_prompts.py and pager in test_paging.py: each
    # function's tests go where the project keeps them, validated and written apart.
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/termui.py", "def prompt(x):\n    return x\n\n\ndef pager(x):\n    return x\n")
    repo.write(
        "tests/test_prompts.py",
        "from pkg.termui import prompt\n\n\ndef test_p():\n    assert prompt(1) == 1\n",
    )
    repo.write(
        "tests/test_paging.py",
        "from pkg.termui import pager\n\n\ndef test_q():\n    assert pager(1) == 1\n",
    )
    repo.commit("init")
    repo.write(
        "pkg/termui.py",
        "def prompt(x):\n    if x is None:\n        return ''\n    return x\n\n\n"
        "def pager(x):\n    if x is None:\n        return []\n    return x\n",
    )
    asked: list[str] = []

    def respond(model: str, body: Any) -> Reply:
        prompt = user_prompt(body)
        (test_path,) = re.findall(r"The existing test module `([^`]+)`", prompt)
        asked.append(test_path)
        name, empty = ("prompt", "''") if "prompts" in test_path else ("pager", "[]")
        code = (
            f"from pkg.termui import {name}\n\n\n"
            f"def test_{name}_none():\n    assert {name}(None) == {empty}\n"
        )
        return answer({"code": code})

    configure(repo, fake, respond)
    repo.stage()
    code, doc = run_json(capsys, "--apply")
    assert code == 0, doc
    assert sorted(asked) == ["tests/test_paging.py", "tests/test_prompts.py"]
    assert sorted((d["path"], d["status"]) for d in doc["drafts"]) == [
        ("tests/test_paging.py", "accepted"),
        ("tests/test_prompts.py", "accepted"),
    ]
    assert "def test_pager_none" in (repo.path / "tests/test_paging.py").read_text()
    assert "def test_prompt_none" in (repo.path / "tests/test_prompts.py").read_text()
    assert "test_pager" not in (repo.path / "tests/test_prompts.py").read_text()
