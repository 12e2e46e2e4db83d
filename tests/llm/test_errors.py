"""The failure taxonomy as a table: status, body -> kind and scope."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import fake_openai as f
from tests.support.loopback import Reply
from ttabot.llm.errors import Answer, Failure, FailureKind, Scope, classify

NOW = 1_800_000_000.0


def run(reply: Any) -> Answer | Failure:
    data, headers = reply.encoded()
    return classify(reply.status, headers, data, NOW)


@pytest.mark.parametrize(
    ("reply", "kind", "scope"),
    [
        (f.rate_limited(), FailureKind.RATE_LIMITED, Scope.TRANSIENT),
        (f.server_error(500), FailureKind.SERVER_ERROR, Scope.TRANSIENT),
        (f.server_error(503), FailureKind.SERVER_ERROR, Scope.TRANSIENT),
        (f.server_error(408), FailureKind.TIMEOUT, Scope.TRANSIENT),
        (f.error_in_200(), FailureKind.ERROR_IN_200, Scope.TRANSIENT),
        (f.empty(), FailureKind.EMPTY, Scope.TRANSIENT),
        (f.ok("<think>only thoughts</think>  "), FailureKind.EMPTY, Scope.TRANSIENT),
        (f.malformed(), FailureKind.MALFORMED, Scope.TRANSIENT),
        (Reply(200, {"choices": []}), FailureKind.MALFORMED, Scope.TRANSIENT),
        (f.unauthorized(), FailureKind.UNAUTHORIZED, Scope.MODEL),
        (f.payment_required(), FailureKind.PAYMENT_REQUIRED, Scope.MODEL),
        (f.forbidden(), FailureKind.FORBIDDEN, Scope.MODEL),
        (f.free_variant_ended(), FailureKind.FREE_VARIANT_ENDED, Scope.MODEL),
        (
            Reply(404, {"error": {"message": "No endpoints found"}}),
            FailureKind.NOT_FOUND,
            Scope.MODEL,
        ),
        (f.context_length(), FailureKind.CONTEXT_LENGTH, Scope.SKIP),
        (f.bad_request(), FailureKind.BAD_REQUEST, Scope.REQUEST),
        (Reply(422, b"nope"), FailureKind.BAD_REQUEST, Scope.REQUEST),
    ],
)
def test_failures(reply: Any, kind: FailureKind, scope: Scope) -> None:
    outcome = run(reply)
    assert isinstance(outcome, Failure)
    assert (outcome.kind, outcome.scope) == (kind, scope)


def test_announced_time_travels_with_the_failure() -> None:
    outcome = run(f.rate_limited(retry_after=20))
    assert isinstance(outcome, Failure) and outcome.retry_at == NOW + 20
    assert isinstance(run(f.rate_limited()), Failure)
    assert run(f.rate_limited()).retry_at is None  # type: ignore[union-attr]


def test_answer_carries_content_and_usage_and_ignores_reasoning() -> None:
    outcome = run(f.ok("Done.", prompt_tokens=11, completion_tokens=2, reasoning="secret plan"))
    assert outcome == Answer("Done.", 11, 2)


def test_error_message_is_kept_short() -> None:
    body = json.dumps({"error": {"message": "x" * 5000}}).encode()
    outcome = classify(500, {}, body, NOW)
    assert isinstance(outcome, Failure) and len(outcome.message) < 400


@pytest.mark.parametrize("count", [-5, 10**100, 2**63, True])
def test_token_counts_a_provider_reports_are_believed_only_in_range(count: Any) -> None:
    # They are summed into the metrics and the job summary: a negative count or
    # a hundred-digit one must not reach them.
    body = json.dumps(
        {
            "choices": [{"message": {"content": "Done."}}],
            "usage": {"prompt_tokens": count, "completion_tokens": count},
        }
    ).encode()
    assert classify(200, {}, body, NOW) == Answer("Done.", 0, 0)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_the_endpoints_fault_not_the_requests(status: int) -> None:
    # ttabot never follows a redirect (it would carry the key to wherever it
    # points); the request itself is fine, so the next model should be asked.
    outcome = classify(status, {"location": "http://elsewhere.invalid/"}, b"", NOW)
    assert isinstance(outcome, Failure)
    assert outcome.scope is Scope.MODEL
    assert "redirect" in outcome.message


def test_content_sent_as_a_list_of_parts_is_read_as_its_text_parts() -> None:
    # Some OpenAI-compatible servers (reasoning models especially) send content as
    # a list of typed parts; read as "not a string", every answer was empty content.
    parts = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
        {"type": "text", "text": "Done"},
        {"type": "text", "text": "."},
        {"type": "image_url", "image_url": {"url": "x"}},
        "stray",
    ]
    body = json.dumps({"choices": [{"message": {"content": parts}}]}).encode()
    assert classify(200, {}, body, NOW) == Answer("Done.")
