"""Why ``/ttabot implement`` failed is the model service's text: inert in the reply.

When no model gives a usable answer, the reason shown is the client's last error,
which quotes the provider's own error message (an upstream's, through a router;
one that may echo the prompt, and the issue in the prompt is anyone's). It was
put in ttabot's reply on the issue as Markdown.
"""

from __future__ import annotations

from typing import Any

from tests.github.test_action_run import (
    CORE_WITH_SUB,
    Stage,
    implement_stage,
    stage,  # noqa: F401  (the fixture)
)
from tests.review.test_report_cut import outside_code_spans
from tests.support.loopback import Reply

PAYLOAD = "@octo/everyone ![t](https://evil.example/t.png)"


def test_a_providers_error_message_is_quoted_inert(stage: Stage) -> None:  # noqa: F811
    def answer(model: str, body: Any) -> Reply:
        return Reply(400, {"error": {"message": f"bad request: {PAYLOAD}", "code": 400}})

    with implement_stage(stage, CORE_WITH_SUB) as (s, models):
        models.responder = answer
        event = s.comment_event("/ttabot implement", on_pr=False, number=61)
        run = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
    assert stage.fake.opened == []
    (reply,) = [c for c in stage.fake.comments[61] if "ttabot:reply" in c["body"]]
    assert "could not draft" in reply["body"], run.stderr + run.summary
    assert "evil.example" in reply["body"]  # the reason is still shown...
    live = [ln for ln in reply["body"].splitlines() if "@octo" in outside_code_spans(ln)]
    assert live == []  # ...as code
