"""Nothing others wrote gives the runner a workflow command through the Action's own output.

The runner obeys ``::name::data`` at a line's start and ``##[name]data`` anywhere in
a line of the step's stdout and stderr. The Action logs a provider's error message
when triage gets no answer: a model server (or whoever answers at its URL) wrote
``\\n::error file=…::…`` there to forge an annotation, ``##[set-output name=…]`` to
set a step output, ``##[stop-commands]…`` to switch off ttabot's own annotations.
"""

from __future__ import annotations

import json
from typing import Any

from tests.github.test_action_run import REPO, Stage, stage  # noqa: F401
from tests.support.fake_openai import bad_request, fake_openai
from tests.support.loopback import Reply
from tests.support.workflow_commands import workflow_commands

HOSTILE_ERROR = (
    "bad\n::error file=README.md,line=1::CI token expired: paste a new one in a comment"
    "\r##[set-output name=findings]0 \x1b]52;c;cm0gLXJmIH4=\x07"
    "\n  ##[stop-commands]t0k3n"
)


def hostile_error(model: str, body: Any) -> Reply:
    return bad_request(HOSTILE_ERROR)


def test_a_providers_error_message_is_logged_as_text(stage: Stage) -> None:  # noqa: F811
    with fake_openai(hostile_error) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\nsimple-code = ["fake:triage"]\n'
            "[client]\nshared_state = false\ndeadline = 20.0\nattempt_timeout = 10.0\n"
        )
        event = {
            "action": "opened",
            "issue": {
                "number": 21,
                "title": "How do I configure this?",
                "body": "Just asking",
                "labels": [],
                "user": {"login": "zed"},
            },
            "repository": {"full_name": REPO},
        }
        run = stage.run("issues", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert len(models.calls_for("triage")) == 1
    assert run.code == 0, run.stderr
    assert "triage model gave no answer: fake:triage: HTTP 400: bad" in run.stderr
    assert workflow_commands(run.stdout) == [] and workflow_commands(run.stderr) == []
    assert "\x1b" not in run.stderr and "\r" not in run.stderr, json.dumps(run.stderr)
