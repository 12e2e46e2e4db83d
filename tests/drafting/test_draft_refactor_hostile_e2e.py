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
