"""Regression: the tests gate must not accept a drafted test that fails every time under xfail.

(Reproduced by the security review; fixed in pytest_output.failure: only PASSED passes.)

`failure` counts FAILED, ERROR and XPASS as failures and all-SKIPPED as skipped, but an
XFAIL outcome counts as a pass. A model answer (an issue's or a PR's text can steer it)
whose test asserts something false under `@pytest.mark.xfail` passes "passes",
"coverage" (it calls the function), "alone", "clean" and "reruns" and is accepted: the
draft is a test that checks nothing. docs/draft.md: drafts are kept only when they pass.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main

MODULE = 'def mod(x):\n    """Scaled."""\n    if x < 0:\n        return 0\n    return x * 2\n'
TEST = (
    "import pytest\n\nfrom pkg.mod import mod\n\n\n"
    "@pytest.mark.xfail(reason='known')\n"
    "def test_mod():\n    assert mod(3) == 7\n    assert mod(-1) == 5\n"
)


def test_a_test_that_always_fails_is_not_accepted(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    def responder(model: str, body: Any) -> Reply:
        return answer({"code": TEST})

    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/mod.py", MODULE)
    configure(repo, fake, responder)
    repo.stage()
    main(["draft", "--only", "tests-needed", "--format", "json"])
    draft = json.loads(capsys.readouterr().out)["drafts"][0]
    print([(s["name"], s["passed"], s["detail"]) for s in draft["stages"]])
    assert draft["status"] != "accepted"
    assert "xfail" in json.dumps(draft["stages"])
