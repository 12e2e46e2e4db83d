"""A scripted fake OpenAI-compatible server (OpenRouter's shapes) on the loopback server.

Each model has a queue of scripted replies; when a model's queue is empty the
``responder`` answers (by default a short success naming the model). A queue
item is a :class:`~tests.support.loopback.Reply` or a callable
``(model, request_json) -> Reply``, so tests can script answers by prompt::

    with fake_openai() as fake:
        fake.script("a", rate_limited(retry_after=1), ok("hi"))
        fake.responder = lambda model, body: ok(f"echo {last_prompt(body)}")
        base_url = fake.base_url          # http://127.0.0.1:PORT/v1

Every request is recorded with its wall-clock arrival time, and every 429 that
announces a time opens a cooldown window for its model, so tests can assert
that no request reached a model inside a window it announced
(:meth:`FakeOpenAI.violations`). ``GET /v1/models`` answers in OpenRouter's shape.
"""

from __future__ import annotations

import collections
import email.utils
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support.loopback import LoopbackServer, Reply, Request

Responder = Callable[[str, Any], Reply]
Scripted = Reply | Responder


@dataclass(frozen=True)
class Call:
    """One chat-completion request the fake received."""

    model: str
    at: float  # time.time() on arrival
    body: Any
    headers: Mapping[str, str]

    @property
    def prompt(self) -> str:
        """The content of the last message of the request."""
        return last_prompt(self.body)


@dataclass(frozen=True)
class Window:
    """A cooldown a 429 announced: no request should reach ``model`` in ``(start, end)``."""

    model: str
    start: float
    end: float


# --- reply builders ----------------------------------------------------------


def ok(
    content: str = "ok",
    *,
    prompt_tokens: int = 7,
    completion_tokens: int = 3,
    reasoning: str | None = None,
    delay: float = 0.0,
) -> Reply:
    """A successful chat completion."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message["reasoning"] = reasoning
    body = {
        "id": "gen-fake",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return Reply(200, body, delay=delay)


def _error(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, **extra}}


def rate_limited(
    retry_after: float | None = None,
    *,
    retry_after_ms: float | None = None,
    reset_ms: float | None = None,
    http_date: float | None = None,
    delay: float = 0.0,
) -> Reply:
    """A 429. ``retry_after`` seconds, ``retry_after_ms``, ``reset_ms`` (epoch milliseconds
    for ``X-RateLimit-Reset``) or ``http_date`` (an epoch time sent as an HTTP date)."""
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    if retry_after_ms is not None:
        headers["retry-after-ms"] = f"{retry_after_ms:g}"
    if reset_ms is not None:
        headers["X-RateLimit-Reset"] = str(int(reset_ms))
    if http_date is not None:
        headers["Retry-After"] = email.utils.formatdate(http_date, usegmt=True)
    return Reply(429, _error(429, "Rate limit exceeded: free-models-per-min"), headers, delay)


def sse_events(
    content: str, *, pieces: int = 3, usage: tuple[int, int] | None = (7, 3)
) -> list[bytes]:
    """The SSE events of a streamed chat completion of ``content``: the content in a few
    chunks, one with the ``finish_reason``, then (unless ``usage`` is None) the usage chunk
    with no choices that ``stream_options: {"include_usage": true}`` asks for."""
    size = max(1, -(-len(content) // max(1, pieces)))
    parts = [content[i : i + size] for i in range(0, len(content), size)] or [""]
    events: list[dict[str, Any]] = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    ]
    events += [{"choices": [{"index": 0, "delta": {"content": part}}]} for part in parts]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage is not None:
        tokens = {"prompt_tokens": usage[0], "completion_tokens": usage[1]}
        events.append({"choices": [], "usage": {**tokens, "total_tokens": sum(usage)}})
    return [f"data: {json.dumps(e)}\n\n".encode() for e in events] + [b"data: [DONE]\n\n"]


#: The comment OpenRouter sends while a request waits for a provider.
KEEPALIVE = b": OPENROUTER PROCESSING\n\n"

SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


def streamed(*chunks: bytes | float, delay: float = 0.0) -> Reply:
    """A 200 SSE reply made of raw ``chunks`` (bytes are sent, floats are pauses)."""
    return Reply(200, b"", SSE_HEADERS, delay, chunks=tuple(chunks))


def sse(
    content: str = "ok", *, keepalives: int = 0, pause: float = 0.0, delay: float = 0.0
) -> Reply:
    """A streamed success: ``keepalives`` comments, then the content in a few chunks,
    ``pause`` seconds before each chunk."""
    chunks: list[bytes | float] = []
    for event in [KEEPALIVE] * keepalives + sse_events(content):
        chunks += [pause, event] if pause else [event]
    return streamed(*chunks, delay=delay)


def keepalive_forever(interval: float = 0.05) -> Reply:
    """A stream that only ever sends keep-alive comments: accepted, alive, no answer."""

    def chunks() -> Iterator[bytes | float]:
        while True:
            yield KEEPALIVE
            yield interval

    return Reply(200, b"", SSE_HEADERS, chunks=chunks())


def as_sse(reply: Reply, *, include_usage: bool = True) -> Reply:
    """``reply`` streamed, if it is a successful chat completion; else unchanged.

    Like OpenAI, the token usage is streamed only if ``include_usage`` (the request's
    ``stream_options``) asks for it.
    """
    body = reply.body
    if isinstance(body, bytes | str):  # an encoded body is no chat completion to stream
        return reply
    try:
        content = body["choices"][0]["message"]["content"]
        usage = body.get("usage") or {}
    except (KeyError, IndexError, TypeError):
        return reply
    if reply.status != 200 or not isinstance(content, str):
        return reply
    tokens = (usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))
    events = sse_events(content, usage=tokens if include_usage else None)
    return streamed(*events, delay=reply.delay)


def server_error(status: int = 500, message: str = "upstream error") -> Reply:
    """A 5xx (or any status) with an OpenAI-style error body."""
    return Reply(status, _error(status, message))


def hang(seconds: float = 30.0) -> Reply:
    """A success that arrives only after ``seconds`` (longer than any test timeout)."""
    return ok("too late", delay=seconds)


def error_in_200(message: str = "Provider returned error", code: int = 502) -> Reply:
    """HTTP 200 whose body is an error object, as OpenRouter sends mid-stream failures."""
    return Reply(200, _error(code, message))


def empty() -> Reply:
    """HTTP 200 with empty content."""
    return ok("", completion_tokens=0)


def free_variant_ended(model: str = "x:free") -> Reply:
    """OpenRouter's 404 when a ``:free`` variant is withdrawn."""
    return Reply(
        404,
        _error(
            404,
            f"The free variant of {model} has ended.",
            metadata={"availability": {"code": "free_variant_ended"}},
        ),
    )


def unauthorized() -> Reply:
    """401: the key is missing or wrong."""
    return Reply(401, _error(401, "No auth credentials found"))


def payment_required() -> Reply:
    """402: the account has no credit for this model."""
    return Reply(402, _error(402, "Insufficient credits"))


def forbidden() -> Reply:
    """403: the model refuses this account or input."""
    return Reply(403, _error(403, "Forbidden"))


def bad_request(message: str = "Invalid request") -> Reply:
    """400: the request's own fault."""
    return Reply(400, _error(400, message))


def context_length() -> Reply:
    """400 because the prompt is longer than the model's context window."""
    return bad_request(
        "This endpoint's maximum context length is 8192 tokens. However, you requested "
        "about 9000 tokens. Please reduce the length of the messages."
    )


def malformed() -> Reply:
    """HTTP 200 whose body is not JSON."""
    return Reply(200, b'{"choices": [', {"Content-Type": "application/json"})


def last_prompt(body: Any) -> str:
    """The content of the last message in a chat-completion request body."""
    try:
        return str(body["messages"][-1]["content"])
    except (KeyError, IndexError, TypeError):
        return ""


def default_responder(model: str, body: Any) -> Reply:
    """A short success that names the model that answered."""
    return ok(f"answer from {model}")


def free_model(model_id: str, context_length: int = 32768) -> dict[str, Any]:
    """One ``GET /models`` entry, free."""
    return {
        "id": model_id,
        "name": model_id,
        "context_length": context_length,
        "pricing": {"prompt": "0", "completion": "0"},
    }


def paid_model(model_id: str, context_length: int = 128000) -> dict[str, Any]:
    """One ``GET /models`` entry, paid."""
    return {
        "id": model_id,
        "name": model_id,
        "context_length": context_length,
        "pricing": {"prompt": "0.0000003", "completion": "0.0000012"},
    }


# --- the server --------------------------------------------------------------


def announced_end(reply: Reply, now: float) -> float | None:
    """The wall-clock end of the cooldown a reply announces, if any."""
    headers = {k.lower(): v for k, v in reply.headers.items()}
    ends: list[float] = []
    if "retry-after-ms" in headers:
        ends.append(now + float(headers["retry-after-ms"]) / 1000)
    if "retry-after" in headers:
        value = headers["retry-after"]
        try:
            ends.append(now + float(value))
        except ValueError:
            ends.append(email.utils.parsedate_to_datetime(value).timestamp())
    if "x-ratelimit-reset" in headers:
        ends.append(float(headers["x-ratelimit-reset"]) / 1000)
    return max(ends) if ends else None


class FakeOpenAI:
    """Scripted OpenAI-compatible chat server; see the module docstring."""

    def __init__(self, responder: Responder = default_responder) -> None:
        self.responder = responder
        self.calls: list[Call] = []
        self.windows: list[Window] = []
        self.catalog: list[dict[str, Any]] = []
        #: Answer requests that ask for ``stream: true`` with SSE (successes only).
        self.stream = False
        self._queues: dict[str, collections.deque[Scripted]] = collections.defaultdict(
            collections.deque
        )
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle)

    @property
    def base_url(self) -> str:
        """The provider ``base_url`` to configure, ending in ``/v1``."""
        return self._server.url + "/v1"

    def script(self, model: str, *replies: Scripted) -> None:
        """Queue replies for ``model``; each is used once, in order."""
        with self._lock:
            self._queues[model].extend(replies)

    def calls_for(self, model: str) -> list[Call]:
        """The chat requests ``model`` received, in arrival order."""
        with self._lock:
            return [c for c in self.calls if c.model == model]

    def violations(self, grace: float = 0.0) -> list[Call]:
        """Requests that reached a model inside a window it had announced.

        ``grace`` excuses requests that arrive within that many seconds of the
        429 (they may have been in flight before the client read it).
        """
        with self._lock:
            return [
                c
                for c in self.calls
                if any(c.model == w.model and w.start + grace < c.at < w.end for w in self.windows)
            ]

    def _next_reply(self, model: str, body: Any) -> Reply:
        with self._lock:
            queue = self._queues.get(model)
            item: Scripted | None = queue.popleft() if queue else None
        if item is None:
            item = self.responder
        return item if isinstance(item, Reply) else item(model, body)

    def _handle(self, request: Request) -> Reply:
        if request.method == "GET" and request.path.endswith("/models"):
            return Reply(200, {"data": self.catalog})
        if not request.path.endswith("/chat/completions"):
            return Reply(404, _error(404, f"no route {request.path}"))
        try:
            body = request.json()
            model = str(body["model"])
        except (ValueError, KeyError, TypeError):
            return bad_request("body is not a chat completion request")
        now = time.time()
        with self._lock:
            self.calls.append(Call(model, now, body, request.headers))
        reply = self._next_reply(model, body)
        if self.stream and isinstance(body, dict) and body.get("stream") is True:
            options = body.get("stream_options")
            wants_usage = isinstance(options, dict) and options.get("include_usage") is True
            reply = as_sse(reply, include_usage=wants_usage)
        if reply.status == 429:
            # The window opens when the 429 leaves the server (after any delay).
            sent = now + reply.delay
            end = announced_end(reply, sent)
            if end is not None:
                with self._lock:
                    self.windows.append(Window(model, sent, end))
        return reply

    def start(self) -> FakeOpenAI:
        """Start serving."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging replies are abandoned."""
        self._server.stop()


@contextmanager
def fake_openai(
    responder: Responder = default_responder,
    catalog: Sequence[Mapping[str, Any]] = (),
) -> Iterator[FakeOpenAI]:
    """Run a :class:`FakeOpenAI` for the duration of the block."""
    fake = FakeOpenAI(responder)
    fake.catalog = [dict(entry) for entry in catalog]
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def chat_json(body: Any) -> str:
    """Serialise a chat request body for assertions in failure messages."""
    return json.dumps(body, sort_keys=True)
