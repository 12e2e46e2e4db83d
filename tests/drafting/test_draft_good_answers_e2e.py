"""End to end: good answers near the gate's rules are accepted and written as they are.

Each was refused by a rule meant for bad answers: example code in a reST literal
block, a no-break space, a summary starting "Great-", an HTTP ``<reason_phrase>``;
a drafted test checking through the test module's own helper, or unpacking its
constants into names.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support import bad_answers
from tests.support.fake_openai import FakeOpenAI, ok
from tests.support.gitrepo import GitRepo
from ttabot.cli import main

MODULE = "def restock(item, count):\n    return item + count\n"
ARGS = "\n\nArgs:\n    item: The item.\n    count: How many to add."
GOOD_DOCSTRINGS = {
    "literal block": "Add stock to an item." + ARGS + "\n\nExample::\n\n    total = restock(1, 2)",
    "no-break space": "Ajoute du stock\u00a0: l\u2019article et le nombre." + ARGS,
    "great-circle": "Great-circle restock of an item." + ARGS,
    "reason phrase": "Add stock, logged as ``<status_code> <reason_phrase>``." + ARGS,
}


@pytest.mark.parametrize("name", sorted(GOOD_DOCSTRINGS))
def test_a_good_docstring_near_the_gates_rules_is_accepted_and_written(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo.write("shop/__init__.py", "")
    repo.commit("init")
    repo.write("shop/stock.py", MODULE)
    good = GOOD_DOCSTRINGS[name]

    def respond(model: str, body: Any) -> Any:
        return ok(bad_answers.docstrings_json({"restock": good}))

    configure(repo, fake, respond)
    repo.stage()
    code = main(["draft", "--only", "docs-missing", "--format", "json", "--apply"])
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert draft["status"] == "accepted", (name, draft["reason"])
    assert code == 0
    written = (repo.path / "shop/stock.py").read_text(encoding="utf-8")
    assert good.splitlines()[0] in written


CALC = "def clamp(x, low=0, high=10):\n    if x < low:\n        return low\n    return x\n"
EXISTING = """\
from pkg.calc import clamp


def check_clamp(value, want):
    assert clamp(value) == want


def test_inside():
    check_clamp(3, 3)
"""
USING_HELPERS = (
    "from pkg.calc import clamp\n\nLOW, WANT = -5, 0\n\n\n"
    "def test_clamp_low():\n    check_clamp(LOW, WANT)\n"
)


def test_a_test_checking_through_the_modules_helper_with_unpacked_constants_is_kept(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", "def clamp(x):\n    return x\n")
    repo.write("tests/test_calc.py", EXISTING)
    repo.commit("init")
    repo.write("pkg/calc.py", CALC)
    configure(repo, fake, lambda model, body: answer({"code": USING_HELPERS}))
    repo.stage()
    code = main(["draft", "--only", "tests-needed", "--format", "json", "--apply"])
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert draft["status"] == "accepted" and draft["reason"] == "", draft["reason"]
    written = (repo.path / "tests/test_calc.py").read_text()
    assert "LOW, WANT = -5, 0" in written and "def test_clamp_low" in written
    assert code == 0


STORE = """\
def open_store(path):
    store = {"path": path, "items": []}
    return store
"""
STORE_CHANGED = STORE.replace('"items": []}', '"items": []}\n    store["closed"] = False')
STORE_EXISTING = "from pkg.store import open_store\n\n\ndef test_exists():\n    assert open_store\n"
#: The changed line (``store["closed"] = False``) runs in the fixture or ``setUp``, not the test.
SET_UP_TESTS = {
    "pytest fixture": (
        "import pytest\n\nfrom pkg.store import open_store\n\n\n"
        "@pytest.fixture\ndef store(tmp_path):\n    return open_store(tmp_path)\n\n\n"
        "def test_a_new_store_is_open(store):\n    assert store['closed'] is False\n"
    ),
    "unittest setUp": (
        "import unittest\n\nfrom pkg.store import open_store\n\n\n"
        "class TestNewStore(unittest.TestCase):\n"
        "    def setUp(self):\n        self.store = open_store('x')\n\n"
        "    def test_is_open(self):\n        self.assertFalse(self.store['closed'])\n"
    ),
    "pytest getfixturevalue": (
        "import pytest\n\nfrom pkg.store import open_store\n\n\n"
        "@pytest.fixture\ndef store(tmp_path):\n    return open_store(tmp_path)\n\n\n"
        "def test_a_new_store_is_open(request):\n"
        "    assert request.getfixturevalue('store')['closed'] is False\n"
    ),
    "pytest setup_method": (
        "from pkg.store import open_store\n\n\n"
        "class TestNewStore:\n"
        "    def setup_method(self):\n        self.store = open_store('x')\n\n"
        "    def test_is_open(self):\n        assert self.store['closed'] is False\n"
    ),
}


@pytest.mark.parametrize("name", sorted(SET_UP_TESTS))
def test_a_test_whose_set_up_runs_the_changed_line_adds_coverage(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/store.py", STORE)
    repo.write("tests/test_store.py", STORE_EXISTING)
    repo.commit("init")
    repo.write("pkg/store.py", STORE_CHANGED)
    configure(repo, fake, lambda model, body: answer({"code": SET_UP_TESTS[name]}))
    repo.stage()
    code = main(["draft", "--only", "tests-needed", "--format", "json", "--apply"])
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert draft["status"] == "accepted" and draft["reason"] == "", (name, draft["reason"])
    assert code == 0
