"""One chat-completion request over HTTP, turned into an answer or a classified failure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ttabot.llm.errors import Answer, Failure, FailureKind, Scope, classify, transport_failure
from ttabot.llm.quota import with_daily_quota

if TYPE_CHECKING:
    import httpx

    from ttabot.llm.targets import Target


async def post_chat(
    http: httpx.AsyncClient, target: Target, body: Mapping[str, Any], timeout: float
) -> Answer | Failure:
    """POST ``body`` to ``target``; network trouble becomes a Failure, never an exception."""
    import httpx  # imported here so that importing ttabot.llm stays cheap

    if timeout <= 0:
        return transport_failure(FailureKind.TIMEOUT, "request deadline reached")
    try:
        response = await asyncio.wait_for(
            http.post(target.url, json=body, headers=target.headers, timeout=timeout), timeout
        )
    except (asyncio.TimeoutError, httpx.TimeoutException):
        return transport_failure(FailureKind.TIMEOUT, f"no answer within {timeout:.1f}s")
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        return Failure(FailureKind.CONNECTION, Scope.MODEL, f"bad URL: {exc}")
    except httpx.HTTPError as exc:
        if isinstance(exc, httpx.ConnectError) and connection_refused(exc):
            detail = f"connection refused by {target.endpoint}"
            return transport_failure(FailureKind.CONNECTION, detail, refused=True)
        return transport_failure(FailureKind.CONNECTION, f"{type(exc).__name__}: {exc}")
    now = time.time()
    outcome = classify(response.status_code, response.headers, response.content, now)
    return with_daily_quota(outcome, response.status_code, response.headers, now)


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
