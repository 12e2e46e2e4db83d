"""End to end: a refactor that passes the function's tests but changes the module's interface."""

from __future__ import annotations

import json

import pytest

from tests.drafting.conftest import answer, configure
from tests.drafting.test_draft_refactor_e2e import ANSWERS, BRANCHY, SIMPLE, TEST, WORDS
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main

NEIGHBOUR = "\n\ndef spell(n, upper):\n    return grade(n).upper() if upper else grade(n)\n"

#: Each rewrite keeps grade's own signature and passes its tests, but changes what the
#: module offers callers: another public function's signature, or grade's at run time.
HOSTILE = {
    "neighbour redefined": ANSWERS["grade"] + "\n\ndef spell(n):\n    return grade(n)\n",
    "second definition": ANSWERS["grade"]
    + "\n\ndef grade(*args, **kwargs):\n    return _BY_NUMBER.get(args[0], 'many')\n",
    "decorator added": "@__import__('functools').lru_cache(maxsize=None)\n" + ANSWERS["grade"],
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_rewrite_that_changes_the_modules_interface_is_rejected(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/grade.py", SIMPLE.format(name="grade", words=WORDS) + NEIGHBOUR)
    repo.write("tests/test_grade.py", TEST.format(name="grade", words=WORDS))
    repo.commit("init")
    repo.write("pkg/grade.py", BRANCHY.format(name="grade") + NEIGHBOUR)
    configure(repo, fake, lambda model, body: answer({"code": HOSTILE[name]}))
    repo.stage()
    code = main(["draft", "--only", "refactor", "--format", "json", "--apply"])
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert draft["status"] == "rejected", (draft["status"], draft["reason"])
    assert [s["name"] for s in draft["stages"]] == ["parses", "signature"]
    assert (repo.path / "pkg/grade.py").read_text() == BRANCHY.format(name="grade") + NEIGHBOUR
    assert code == 1


def test_a_rewrite_that_keeps_the_old_behaviour_only_under_pytest_is_rejected(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: grade's tests pass before and after, since under pytest the rewrite is the
    # lookup table; everywhere else it answers "many". Nothing that runs tests sees it.
    lookup = "return _BY_NUMBER.get(n, 'many')"
    assert lookup in ANSWERS["grade"]
    blind = ANSWERS["grade"].replace(lookup, lookup + " if 'pytest' in sys.modules else 'many'")
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/grade.py", SIMPLE.format(name="grade", words=WORDS))
    repo.write("tests/test_grade.py", TEST.format(name="grade", words=WORDS))
    repo.commit("init")
    repo.write("pkg/grade.py", "import sys\n\n\n" + BRANCHY.format(name="grade"))
    configure(repo, fake, lambda model, body: answer({"code": blind}))
    repo.stage()
    code = main(["draft", "--only", "refactor", "--format", "json", "--apply"])
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert draft["status"] == "rejected", (draft["status"], draft["reason"])
    assert draft["stages"][-1]["name"] == "test-blind", draft["stages"]
    assert "sys.modules" in draft["reason"]
    assert "pytest" not in (repo.path / "pkg/grade.py").read_text()
    assert code == 1
