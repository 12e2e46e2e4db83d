"""Edit spam spends a model call per edit when triage adds no label.

issue 8 point 7: `edited` events re-triage "at most once an hour per issue (edit spam
must not spend the day's free quota)". The guard (`recently_triaged`) looks only for a
bot's `labeled` event in the last hour; an issue whose triage adds no label (a question,
or one that already has its labels) leaves no such event, so every edit of its title or
body by its author -- anyone, on a public repository -- asks the model again. docs/github.md
even says so ("an edit that gave no new label leaves no trace"), contradicting the promise.
"""

from __future__ import annotations

import json
from typing import Any

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


def no_labels(model: str, body: Any) -> Reply:
    return ok(json.dumps({"labels": []}))


def test_edits_ask_the_model_at_most_once_an_hour(stage: Stage) -> None:  # noqa: F811
    with fake_openai(no_labels) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\nsimple-code = ["fake:triage"]\n'
            "[client]\nshared_state = false\ndeadline = 20.0\nattempt_timeout = 10.0\n"
        )
        for n in range(5):
            run = stage.run("issues", edited(n), TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
            assert run.code == 0, run.stderr
        print(len(models.calls_for("triage")), "model calls for 5 edits")
        assert len(models.calls_for("triage")) <= 1
