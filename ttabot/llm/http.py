"""One chat-completion request over HTTP, turned into an answer or a classified failure.

The request is streamed (SSE, asking for the token usage at the end) unless the
provider says ``stream = false``; a stream that closes before ``data: [DONE]`` or a
``finish_reason`` is a transient failure (a cut-off answer), not an answer. A
watchdog (:mod:`ttabot.llm.watchdog`) bounds it three ways: the whole attempt
(``timeout``), the wait for the first content token (``first_token``: a model that
accepted the request and sends nothing must not hold it for a whole attempt), and the
silence between chunks once the answer flows (``idle``; SSE ``: keep-alive`` comments
are not progress). The body is capped after decompression (:mod:`ttabot.llm.body`).
Time comes from the injected ``clock`` and ``sleep``, so tests drive every timeout
without waiting. The body and headers sent are written by
:mod:`ttabot.llm.request_encoding`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ttabot.llm.body import (
    BodyTooLarge,
    BoundedDecoder,
    StreamAssembler,
    UnsupportedEncoding,
)
from ttabot.llm.errors import (
    Answer,
    Failure,
    FailureKind,
    Scope,
    classify,
    classify_payload,
    transport_failure,
)
from ttabot.llm.quota import with_daily_quota
from ttabot.llm.request_encoding import STREAM_FIELDS, request_body, request_headers
from ttabot.llm.watchdog import AttemptLimits, Clock, Sleep, Watch, watchdog

if TYPE_CHECKING:
    import httpx

    from ttabot.llm.targets import Target


async def post_chat(
    http: httpx.AsyncClient,
    target: Target,
    body: Mapping[str, Any],
    limits: AttemptLimits,
    *,
    clock: Clock = time.time,
    sleep: Sleep = asyncio.sleep,
    on_first_token: Callable[[float], None] | None = None,
) -> Answer | Failure:
    """POST ``body`` to ``target``; network trouble becomes a Failure, never an exception.

    ``on_first_token`` is called with the seconds to the first content token (for
    a non-streamed answer: to the whole body) as soon as it arrives.
    """
    import httpx  # imported here so that importing ttabot.llm stays cheap

    if limits.timeout <= 0:
        return transport_failure(FailureKind.TIMEOUT, "request deadline reached")
    watch = Watch(limits, clock(), clock)

    def first_token() -> None:
        if watch.first_token_at is None:
            watch.first_token_at = clock()
            if on_first_token is not None:
                on_first_token(watch.first_token_at - watch.started)
        watch.progress()

    exchange = asyncio.ensure_future(_exchange(http, target, body, limits, watch, first_token))
    timer = asyncio.ensure_future(watchdog(watch, sleep))
    try:
        done, _ = await asyncio.wait({exchange, timer}, return_when=asyncio.FIRST_COMPLETED)
        if exchange in done:
            return exchange.result()
        exchange.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await exchange
        return timer.result()
    except (UnsupportedEncoding, ValueError, zlib.error) as exc:
        return Failure(FailureKind.MALFORMED, Scope.TRANSIENT, str(exc), 200)
    except BodyTooLarge as exc:
        return Failure(FailureKind.TOO_LARGE, Scope.TRANSIENT, str(exc))
    except httpx.TimeoutException:
        return transport_failure(FailureKind.TIMEOUT, f"no answer within {limits.timeout:.1f}s")
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        return Failure(FailureKind.CONNECTION, Scope.MODEL, f"bad URL: {exc}")
    except httpx.LocalProtocolError:
        # Never the exception's text: h11 quotes the header it refused, and a key with a
        # line break in it is quoted whole (as "\\n", which no key masking recognises).
        detail = "the request is not valid HTTP: a line break or control character in the key?"
        return Failure(FailureKind.CONNECTION, Scope.MODEL, detail)
    except httpx.HTTPError as exc:
        if isinstance(exc, httpx.ConnectError) and connection_refused(exc):
            detail = f"connection refused by {target.endpoint}"
            return transport_failure(FailureKind.CONNECTION, detail, refused=True)
        return transport_failure(FailureKind.CONNECTION, f"{type(exc).__name__}: {exc}")
    finally:
        for task in (exchange, timer):
            task.cancel()


async def _exchange(
    http: httpx.AsyncClient,
    target: Target,
    body: Mapping[str, Any],
    limits: AttemptLimits,
    watch: Watch,
    first_token: Callable[[], None],
) -> Answer | Failure:
    # include_usage: OpenAI-compatible servers then end the stream with a usage chunk;
    # without it a streamed answer reports no tokens.
    payload = {**body, **STREAM_FIELDS} if limits.stream else dict(body)
    headers = request_headers(target.headers)
    request = http.build_request(
        "POST", target.url, content=request_body(payload), headers=headers, timeout=limits.timeout
    )
    response = await http.send(request, stream=True)
    try:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_body:
            raise BodyTooLarge(limits.max_body)
        # A body already read (httpx.MockTransport given bytes) is already decoded.
        encoding = "" if response.is_stream_consumed else response.headers.get("content-encoding")
        decoder = BoundedDecoder(encoding or "", limits.max_body)
        kind = response.headers.get("content-type", "").lower()
        if response.status_code == 200 and kind.startswith("text/event-stream"):
            return await _read_stream(response, decoder, watch, first_token)
        watch.flowing = True
        watch.progress()
        data = bytearray()
        async for raw in _raw(response):
            data += decoder.feed(raw)
            watch.progress()
        data += decoder.flush()
        if response.status_code == 200:
            first_token()
        now = watch.clock()
        outcome = classify(response.status_code, response.headers, bytes(data), now)
        return with_daily_quota(outcome, response.status_code, response.headers, now)
    finally:
        await response.aclose()


async def _read_stream(
    response: httpx.Response,
    decoder: BoundedDecoder,
    watch: Watch,
    first_token: Callable[[], None],
) -> Answer | Failure:
    events = StreamAssembler()
    async for raw in _raw(response):
        brought = events.feed(decoder.feed(raw))
        if brought == "token":
            first_token()
        elif brought:
            watch.progress()
        if events.done:
            break
    else:
        # No line end is added: an event the server left open is not dispatched.
        events.feed(decoder.flush())
    if not events.events:
        return Failure(FailureKind.MALFORMED, Scope.TRANSIENT, "stream ended without data", 200)
    if not events.finished:
        # The connection closed mid-answer: what arrived may be any prefix of the answer.
        detail = "stream ended before data: [DONE] or a finish_reason (connection closed)"
        return Failure(FailureKind.TRUNCATED, Scope.TRANSIENT, detail, 200)
    now = watch.clock()
    outcome = classify_payload(200, response.headers, events.payload(), now)
    return with_daily_quota(outcome, 200, response.headers, now)


async def read_bounded(response: httpx.Response, limit: int) -> bytes:
    """The whole body of a streamed ``response``, decoded, or :class:`BodyTooLarge` past
    ``limit`` bytes (declared or read); ``UnsupportedEncoding`` or ``zlib.error`` if it
    cannot be decoded."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    encoding = "" if response.is_stream_consumed else response.headers.get("content-encoding")
    decoder = BoundedDecoder(encoding or "", limit)
    data = bytearray()
    async for raw in _raw(response):
        data += decoder.feed(raw)
    data += decoder.flush()
    return bytes(data)


async def _raw(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as it comes off the wire (still compressed), chunk by chunk."""
    if response.is_stream_consumed:
        yield response.content
        return
    async for raw in response.aiter_raw():
        yield raw


def connection_refused(exc: BaseException) -> bool:
    """Whether ``exc`` comes down to the endpoint refusing the connection (ECONNREFUSED).

    httpx wraps the socket error (``ConnectError`` from httpcore's from anyio's
    ``OSError``); a host with several addresses fails with a group of errors, which
    counts as refused only if every address refused. Timeouts and resets are not
    refusals: something may be listening there.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        members = getattr(current, "exceptions", None)  # an exception group (3.11+)
        if isinstance(members, tuple) and members:
            return all(connection_refused(member) for member in members)
        current = current.__cause__ or current.__context__
    return False
