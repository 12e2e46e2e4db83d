"""End to end: refactors are applied only when they lower the measure and the tests prove them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure, user_prompt
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

SIMPLE = '''\
WORDS = {words!r}


def {name}(n):
    """Name a small number."""
    return WORDS[n] if 0 <= n < 10 else "many"
'''

BRANCHY = (
    '''\
def {name}(n):
    """Name a small number."""
'''
    + "".join(f"    if n == {i}:\n        return {w!r}\n" for i, w in enumerate(WORDS))
    + ('    return "many"\n')
)

TEST = """\
from pkg.{name} import {name}


def test_names():
    assert [{name}(i) for i in range(11)] == {words!r} + ["many"]
    assert {name}(-1) == "many"
"""

REWRITE = '''\
def {name}(n):
    """Name a small number."""
    return _BY_NUMBER.get(n, {fallback!r})


_BY_NUMBER = dict(enumerate({words!r}))
'''

#: module -> what the fake model answers for it.
ANSWERS = {
    "grade": REWRITE.format(name="grade", fallback="many", words=WORDS),  # good, tested
    "label": REWRITE.format(name="label", fallback="lots", words=WORDS),  # changes behaviour
    "bucket": BRANCHY.format(name="bucket"),  # does not lower complexity
    "notests": REWRITE.format(name="notests", fallback="many", words=WORDS),  # cannot be shown
}


def responder(model: str, body: Any) -> Reply:
    name = re.search(r"Refactor `(\w+)`", user_prompt(body))
    assert name
    return answer({"code": ANSWERS[name.group(1)], "explanation": "a lookup table"})


@pytest.fixture
def project(repo: GitRepo, fake: FakeOpenAI) -> GitRepo:
    repo.write("pkg/__init__.py", "")
    for name in ANSWERS:
        repo.write(f"pkg/{name}.py", SIMPLE.format(name=name, words=WORDS))
        if name != "notests":
            repo.write(f"tests/test_{name}.py", TEST.format(name=name, words=WORDS))
    repo.commit("init")
    for name in ANSWERS:
        repo.write(f"pkg/{name}.py", BRANCHY.format(name=name))
    configure(repo, fake, responder)
    repo.stage()
    return repo


def test_refactors_are_applicable_only_when_measure_and_tests_show_it(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["draft", "--only", "refactor", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    by_module = {d["path"].split("/")[1][:-3]: d for d in doc["drafts"]}
    assert set(by_module) == set(ANSWERS)
    assert code == 1

    def stage(name: str, stage_name: str) -> dict[str, Any]:
        return next(s for s in by_module[name]["stages"] if s["name"] == stage_name)

    grade = by_module["grade"]
    assert grade["status"] == "accepted", grade["stages"]
    assert stage("grade", "lowers-measure")["detail"].startswith("complexity 11 -> 1")
    assert stage("grade", "tests-after")["passed"]
    assert "_BY_NUMBER.get(n, 'many')" in grade["diff"]

    assert by_module["label"]["status"] == "rejected"
    assert not stage("label", "tests-after")["passed"]
    assert "assert" in stage("label", "tests-after")["detail"]

    assert by_module["bucket"]["status"] == "rejected"
    assert "complexity 11 -> 11" in by_module["bucket"]["reason"]

    notests = by_module["notests"]
    assert notests["status"] == "suggestion"
    assert notests["accepted"] and not notests["applicable"]
    assert "no existing tests" in notests["reason"]


def test_apply_writes_the_proven_refactor_only(
    project: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["draft", "--only", "refactor", "--apply"])
    capsys.readouterr()
    assert (project.path / "pkg/grade.py").read_text() == ANSWERS["grade"]
    for name in ("label", "bucket", "notests"):
        assert (project.path / f"pkg/{name}.py").read_text() == BRANCHY.format(name=name)


def test_all_three_kinds_on_one_function_compose_under_apply(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/grade.py", SIMPLE.format(name="grade", words=WORDS))
    # The existing test runs the branches but no `return` but the last: room for new coverage.
    existing = "from pkg.grade import grade\n\n\ndef test_many():\n    assert grade(-1) == 'many'\n"
    repo.write("tests/test_grade.py", existing)
    repo.commit("init")
    repo.write(
        "pkg/grade.py", BRANCHY.format(name="grade").replace('    """Name a small number."""\n', "")
    )
    new_test = "from pkg.grade import grade\n\n\ndef test_nine():\n    assert grade(9) == 'nine'\n"

    def respond(model: str, body: Any) -> Reply:
        prompt = user_prompt(body)
        if prompt.startswith("Write docstrings"):
            doc = "Name a small number.\n\nArgs:\n    n: The number."
            return answer({"docstrings": [{"symbol": "grade", "docstring": doc}]})
        if prompt.startswith("Write pytest tests"):
            return answer({"code": new_test})
        code = ANSWERS["grade"].replace('    """Name a small number."""\n', "")
        return answer({"code": code})

    configure(repo, fake, respond)
    repo.stage()
    assert main(["draft", "--apply"]) == 0
    err = capsys.readouterr().err
    assert "wrote pkg/grade.py" in err and "wrote tests/test_grade.py" in err
    module = (repo.path / "pkg/grade.py").read_text()
    # The refactor dropped the docstring drafted a moment before; it was kept.
    assert module.startswith('def grade(n):\n    """Name a small number.\n\n    Args:\n')
    assert "_BY_NUMBER.get(n, 'many')" in module
    tests = (repo.path / "tests/test_grade.py").read_text()
    assert tests.startswith(existing) and "def test_nine" in tests
