"""Regression: the sandbox read-back escape in the Action must not post a host secret.

(Reproduced by the security review; see tests/drafting/test_readback_escape_e2e.py.)

Same mechanics as test_sandbox_symlink_readback.py, through `python -m ttabot action` on
the fake GitHub: a same-repository PR with `[tool.ruff]`, suggest mode, tests drafted by
the model. The drafted test (a model's answer: the prompt holds the PR's code and
comments, so anyone who can steer the model can write it) plants a linked `ruff`
package; the "formatted" test ttabot reads back is ttabot's own /proc/self/environ. The
Action redacts the token and the provider keys it knows, but every other variable of the
job (here a cloud key the workflow sets at job level) is posted in the PR comment.
docs/github.md: generated code "never reach[es]" the job's secrets through its environment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.drafting.test_readback_escape_e2e import PLANTED_MAIN, TEST
from tests.github.test_action_run import Stage, stage  # noqa: F401
from tests.support.fake_openai import fake_openai, ok
from tests.support.loopback import Reply
from tests.support.sandbox import needs_bwrap

CLOUD = "AKIAATTACKDEMO-cloud-secret-41f0"

ANSWER = (
    TEST.replace("from pkg.mod import mod", "from pkg.core import add")
    .replace("assert mod(3) == 6\n    assert mod(-1) == 0", "assert add(1, 2) == 3")
    .replace("def test_mod", "def test_add")
    .format(main=PLANTED_MAIN.format(target="/proc/self/environ"))
)


def model_answer(model: str, body: Any) -> Reply:
    return ok(json.dumps({"code": ANSWER}))


@pytest.fixture
def tests_stage(stage: Stage) -> Iterator[Stage]:  # noqa: F811
    with fake_openai(model_answer) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\nunit-tests = ["fake:tests"]\n'
            "[client]\nshared_state = false\ndeadline = 30.0\nattempt_timeout = 15.0\n"
            "[draft]\nfeedback_rounds = 0\n"
        )
        # The PR's project configures ruff (its own pyproject.toml, at the head).
        stage.repo.git("checkout", "-q", "feature")
        stage.pull.head_sha = stage.repo.commit(
            "ruff", **{"pyproject.toml": "[project]\nname = 'pkg'\nversion = '0'\n\n[tool.ruff]\n"}
        )
        yield stage


@needs_bwrap
def test_job_secrets_do_not_reach_the_sticky_comment(tests_stage: Stage) -> None:
    env = {
        "TTABOT_MODE": "suggest",
        "TTABOT_CATEGORIES": "tests-needed",
        "TTABOT_PROVIDER_KEYS": "fake=sk-model-secret",
        "AWS_SECRET_ACCESS_KEY": CLOUD,
    }
    run = tests_stage.run("pull_request", tests_stage.pr_event(), **env)
    bodies = [c["body"] for cs in tests_stage.fake.comments.values() for c in cs]
    print(run.code, run.stderr[-500:])
    leaked = [b for b in bodies if CLOUD in b]
    if leaked:
        at = leaked[0].find(CLOUD)
        print("LEAKED:", repr(leaked[0][max(0, at - 40) : at + 40]))
        print("token redacted:", "GITHUB_TOKEN=***" in leaked[0])
    assert not leaked, "a job secret was posted on the PR"
