"""What a model's answer means: a usable answer, or a failure of a known kind.

Pure functions over status, headers and body, so the whole failure taxonomy is
tested as tables. The client decides what to do from a failure's ``scope``:

* ``TRANSIENT`` - cool the model (until the announced time, else a backoff) and rotate;
* ``MODEL`` - the model is gone for this run (401, 402, 403, 404 ``free_variant_ended``,
  a redirect: ttabot never follows one);
* ``SKIP`` - this request cannot use this model (prompt longer than its context), rotate;
* ``REQUEST`` - the request itself is wrong (400): fail it, another model will not help.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ttabot.llm.cooldown import announced_until
from ttabot.llm.state import DailyQuota, valid_count
from ttabot.llm.structured import (
    MAX_JSON_DEPTH,
    JSONTooDeepError,
    loads_bounded,
    strip_reasoning,
    unicode_text,
)


class FailureKind(str, enum.Enum):
    """Why an attempt did not produce an answer."""

    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    SERVER_ERROR = "server_error"
    ERROR_IN_200 = "error_in_200"
    EMPTY = "empty_content"
    MALFORMED = "malformed_response"
    TRUNCATED = "truncated_stream"  # the connection closed mid-answer
    INVALID_OUTPUT = "invalid_output"
    TOO_LARGE = "body_too_large"
    FIRST_TOKEN_TIMEOUT = "first_token_timeout"
    IDLE_TIMEOUT = "idle_timeout"
    UNAUTHORIZED = "unauthorized"
    PAYMENT_REQUIRED = "payment_required"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    FREE_VARIANT_ENDED = "free_variant_ended"
    CONTEXT_LENGTH = "context_length"
    BAD_REQUEST = "bad_request"
    REDIRECTED = "redirected"  # 3xx: never followed, it would carry the key elsewhere


class Scope(str, enum.Enum):
    """How far a failure reaches: this attempt, this model, or the whole request."""

    TRANSIENT = "transient"
    MODEL = "model"
    SKIP = "skip"
    REQUEST = "request"


@dataclass(frozen=True)
class Failure:
    """One failed attempt. ``retry_at`` is the announced end of a cooldown (epoch seconds).

    ``refused`` marks a connection the endpoint actively refused (nothing listens
    there), as opposed to a timeout or a reset: the client counts those to tell an
    endpoint that is down from one that blips.
    """

    kind: FailureKind
    scope: Scope
    message: str
    status: int | None = None
    retry_at: float | None = None
    refused: bool = False
    quota: DailyQuota | None = None  # a daily quota the response described


@dataclass(frozen=True)
class Answer:
    """A usable answer: content with any reasoning stripped, and token counts."""

    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    quota: DailyQuota | None = None  # a daily quota the response described


_PERMANENT = {
    401: FailureKind.UNAUTHORIZED,
    402: FailureKind.PAYMENT_REQUIRED,
    403: FailureKind.FORBIDDEN,
    404: FailureKind.NOT_FOUND,
}

_CONTEXT_WORDS = (
    "context length",
    "context_length",
    "context window",
    "maximum context",
    "too many tokens",
    "prompt is too long",
)


def is_context_error(message: str) -> bool:
    """Whether a 400's message says the prompt does not fit the model's context."""
    lowered = message.lower()
    return any(word in lowered for word in _CONTEXT_WORDS)


def _error_message(payload: Any, fallback: str) -> str:
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict) and error.get("message"):
            return unicode_text(str(error["message"])[:300])
        if isinstance(error, str) and error:
            return unicode_text(error[:300])
    return fallback


def _ended(payload: Any) -> bool:
    """OpenRouter marks a withdrawn free variant in ``error.metadata``."""
    text = json.dumps(payload) if isinstance(payload, dict) else ""
    return "free_variant_ended" in text


class _TooDeep:
    """A body whose JSON nests too deep: never parsed, reported as malformed."""


def _parse(body: bytes) -> Any:
    try:
        return loads_bounded(body) if body else None
    except JSONTooDeepError:
        return _TooDeep()
    except (ValueError, UnicodeDecodeError):
        return None


def transport_failure(kind: FailureKind, detail: str, *, refused: bool = False) -> Failure:
    """A timeout or connection failure: transient, nothing announced."""
    return Failure(kind, Scope.TRANSIENT, detail, refused=refused)


def classify(status: int, headers: Mapping[str, str], body: bytes, now: float) -> Answer | Failure:
    """Turn one HTTP response into an :class:`Answer` or a :class:`Failure`."""
    return classify_payload(status, headers, _parse(body), now)


def classify_payload(
    status: int, headers: Mapping[str, str], payload: Any, now: float
) -> Answer | Failure:
    """:func:`classify` for a body already parsed (a streamed answer put back together)."""
    if isinstance(payload, _TooDeep):
        if status == 200:
            detail = f"response JSON nests deeper than {MAX_JSON_DEPTH} levels"
            return Failure(FailureKind.MALFORMED, Scope.TRANSIENT, detail, status)
        payload = None  # an error status still means what it says, without its message
    if status != 200:
        message = f"HTTP {status}: {_error_message(payload, 'no error message')}"
        if status == 429 or status == 408 or status >= 500:
            kind = FailureKind.RATE_LIMITED if status == 429 else FailureKind.SERVER_ERROR
            if status == 408:
                kind = FailureKind.TIMEOUT
            return Failure(kind, Scope.TRANSIENT, message, status, announced_until(headers, now))
        if 300 <= status < 400:
            # The endpoint moved (http -> https, a proxy's login page): the request is
            # fine, this URL is not. Following would send the key to the Location.
            detail = f"HTTP {status}: redirect not followed (check the provider's base-url)"
            return Failure(FailureKind.REDIRECTED, Scope.MODEL, detail, status)
        if status == 404 and _ended(payload):
            return Failure(FailureKind.FREE_VARIANT_ENDED, Scope.MODEL, message, status)
        if status in _PERMANENT:
            return Failure(_PERMANENT[status], Scope.MODEL, message, status)
        if status in (400, 413) and is_context_error(message):
            return Failure(FailureKind.CONTEXT_LENGTH, Scope.SKIP, message, status)
        return Failure(FailureKind.BAD_REQUEST, Scope.REQUEST, message, status)
    if not isinstance(payload, dict):
        return Failure(FailureKind.MALFORMED, Scope.TRANSIENT, "response is not a JSON object", 200)
    if payload.get("error"):
        message = f"error in HTTP 200: {_error_message(payload, 'unknown error')}"
        if _ended(payload):
            return Failure(FailureKind.FREE_VARIANT_ENDED, Scope.MODEL, message, 200)
        return Failure(
            FailureKind.ERROR_IN_200, Scope.TRANSIENT, message, 200, announced_until(headers, now)
        )
    return _answer(payload)


def _answer(payload: Mapping[str, Any]) -> Answer | Failure:
    try:
        message = payload["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        return Failure(FailureKind.MALFORMED, Scope.TRANSIENT, "response has no choices", 200)
    raw = content_text(message.get("content")) if isinstance(message, dict) else None
    raw = unicode_text(raw) if raw is not None else None
    # Reasoning models put their thoughts in a `reasoning` field or <think> blocks;
    # neither is the answer.
    content = strip_reasoning(raw).strip() if raw is not None else ""
    if not content:
        return Failure(FailureKind.EMPTY, Scope.TRANSIENT, "empty content", 200)
    usage = payload.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    return Answer(
        content,
        prompt_tokens=_count(usage.get("prompt_tokens")),
        completion_tokens=_count(usage.get("completion_tokens")),
    )


def content_text(content: Any) -> str | None:
    """A message's content as text: a string, or the text parts of a list of typed parts
    (``[{"type": "text", "text": …}]``, which some servers send); None if neither."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return None
    return "".join(
        part["text"]
        for part in content
        if isinstance(part, dict)
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    )


def _count(value: Any) -> int:
    """A token count as reported, if it is one (a whole number from 0 to 10**9), else 0."""
    return valid_count(value) or 0
