"""Edits and reopenings cannot buy a model call each.

issue 8 point 7: `edited` events re-triage "at most once an hour per issue (edit spam
must not spend the day's free quota)". The guard (`recently_triaged`) looked only for a
bot's `labeled` event in the last hour; an issue whose triage adds no label (a question,
or one that already has its labels) left no such event, so every edit of its title or
body by its author -- anyone, on a public repository -- asked the model again.
``ttabot action`` triages ``reopened`` issues too (a workflow may list it), and an author
can close and reopen their own issue in a loop: the hour did not hold those back either.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.github.test_action_run import REPO, Stage, stage  # noqa: F401
from tests.support.fake_openai import fake_openai, ok
from tests.support.loopback import Reply


def edited(n: int) -> dict[str, Any]:
    return {
        "action": "edited",
        "changes": {"body": {"from": f"v{n}"}},
        "issue": {
            "number": 21,
            "title": "How do I configure this?",
            "body": f"Just asking (edit {n})",
            "labels": [],
            "user": {"login": "zed"},
        },
        "repository": {"full_name": REPO},
    }


def reopened(n: int) -> dict[str, Any]:
    return {
        "action": "reopened",
        "issue": {
            "number": 22,
            "title": "How do I configure this?",
            "body": "Just asking",
            "labels": [],
            "user": {"login": "zed"},
        },
        "repository": {"full_name": REPO},
    }


def no_labels(model: str, body: Any) -> Reply:
    return ok(json.dumps({"labels": []}))


@pytest.mark.parametrize("event", [edited, reopened])
def test_the_model_is_asked_at_most_once_an_hour(stage: Stage, event: Any) -> None:  # noqa: F811
    with fake_openai(no_labels) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\nsimple-code = ["fake:triage"]\n'
            "[client]\nshared_state = false\ndeadline = 20.0\nattempt_timeout = 10.0\n"
        )
        for n in range(4):
            run = stage.run("issues", event(n), TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
            assert run.code == 0, run.stderr
        assert len(models.calls_for("triage")) == 1
