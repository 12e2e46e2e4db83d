"""Closing and reopening an issue cannot buy a model call each time.

``ttabot action`` triages ``reopened`` issues as well as ``opened`` and ``edited`` ones
(a workflow may list it). An issue's author (anyone, on a public repository) can
close and reopen their own issue in a loop; the hour that holds ``edited`` events
back did not hold ``reopened`` ones, so each reopening asked the model again.
"""

from __future__ import annotations

from typing import Any

from tests.github.test_action_run import REPO, Stage, stage  # noqa: F401
from tests.github.test_triage_edit_spam import no_labels
from tests.support.fake_openai import fake_openai


def reopened() -> dict[str, Any]:
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


def test_reopening_asks_the_model_at_most_once_an_hour(stage: Stage) -> None:  # noqa: F811
    with fake_openai(no_labels) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\nsimple-code = ["fake:triage"]\n'
            "[client]\nshared_state = false\ndeadline = 20.0\nattempt_timeout = 10.0\n"
        )
        for _ in range(3):
            run = stage.run("issues", reopened(), TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
            assert run.code == 0, run.stderr
        assert len(models.calls_for("triage")) == 1
