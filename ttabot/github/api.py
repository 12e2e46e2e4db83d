"""The GitHub REST client: PyGithub's requester, with ttabot's rules for waiting and writing.

- The base URL comes from ``GITHUB_API_URL`` (GitHub Enterprise Server works the same).
- Writes are serialised (one at a time) and paced (``write_interval`` apart), as
  GitHub asks of integrations.
- Secondary rate limits are waited out: ``retry-after`` if given, else
  ``x-ratelimit-reset`` when ``x-ratelimit-remaining`` is 0, else 60 s.
- A write that may have happened (timeout, 5xx, rate limit after the fact) is not
  blindly retried: the caller's ``recover`` looks for what the first attempt made,
  so a retry never duplicates a comment, review or commit.

PyGithub's own retry and pacing are switched off: they sleep with no upper bound
and cannot consult ``recover``. The clock and the sleep are injectable for tests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from github import Auth, Github, GithubException

from ttabot.errors import TtabotError

log = logging.getLogger(__name__)

#: Statuses after which a write may or may not have taken effect.
_UNCERTAIN = frozenset({500, 502, 503, 504})
_SECONDARY_HINTS = ("secondary rate limit", "abuse", "api rate limit exceeded")


class GitHubApiError(TtabotError):
    """A GitHub request that failed for good; ``status`` is 0 for network errors."""

    def __init__(self, verb: str, path: str, status: int, message: str) -> None:
        self.status = status
        self.api_message = message
        where = f"{verb} {path}"
        super().__init__(
            f"GitHub API {where} failed: {status or 'network error'} {message}".strip()
        )


def rate_limit_wait(
    status: int, headers: Mapping[str, str], message: str, now: float
) -> float | None:
    """Seconds to wait before retrying a rate-limited request, or None if it was not rate limited.

    ``now`` is the Unix time; ``headers`` have lower-case names.
    """
    remaining = headers.get("x-ratelimit-remaining")
    limited = status == 429 or (
        status == 403
        and (
            "retry-after" in headers
            or remaining == "0"
            or any(hint in message.lower() for hint in _SECONDARY_HINTS)
        )
    )
    if not limited:
        return None
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass  # an HTTP date: fall through to the reset header or the default
    reset = headers.get("x-ratelimit-reset")
    if remaining == "0" and reset is not None:
        try:
            return max(1.0, float(reset) - now)
        except ValueError:
            pass
    return 60.0


class GitHubApi:
    """A small REST surface over PyGithub's requester (paths like ``/repos/o/r/...``)."""

    def __init__(
        self,
        token: str,
        base_url: str = "https://api.github.com",
        *,
        write_interval: float = 1.0,
        max_wait: float = 900.0,
        attempts: int = 4,
        timeout: int = 30,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        scrub: Callable[[Any], Any] | None = None,
    ) -> None:
        #: Applied to every write's body: secrets never reach GitHub (see ``inert.Redactor``).
        self._scrub = scrub
        self._github = Github(
            base_url=base_url.rstrip("/"),
            auth=Auth.Token(token) if token else None,
            timeout=timeout,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            user_agent="ttabot",
            per_page=100,
        )
        self._requester = self._github.requester
        self._write_interval = write_interval
        self._max_wait = max_wait
        self._attempts = attempts
        self._sleep = sleep
        self._clock = clock
        self._write_lock = threading.Lock()
        self._last_write: float | None = None
        self.writes = 0

    def close(self) -> None:
        """Close the HTTP connections."""
        self._github.close()

    # --- reads --------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and return the decoded JSON."""
        return self._call("GET", path, params=params)

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """GET every page of a list endpoint (100 per page)."""
        items: list[Any] = []
        page = 1
        while True:
            batch = self.get(path, {**(params or {}), "per_page": 100, "page": page})
            if not isinstance(batch, list):
                raise GitHubApiError("GET", path, 200, "expected a list")
            items.extend(batch)
            if len(batch) < 100:
                return items
            page += 1

    # --- writes -------------------------------------------------------------

    def write(
        self,
        verb: str,
        path: str,
        body: Any = None,
        *,
        recover: Callable[[], Any | None] | None = None,
    ) -> Any:
        """Send one write (POST/PATCH/PUT/DELETE), serialised, paced and never duplicated.

        ``recover`` is called before any retry of a write whose outcome is unknown;
        if it returns something, the first attempt took effect and that is returned.
        """
        if self._scrub is not None and body is not None:
            body = self._scrub(body)
        with self._write_lock:
            return self._call(verb, path, body=body, recover=recover)

    def _pace(self) -> None:
        if self._last_write is not None:
            wait = self._last_write + self._write_interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_write = self._clock()

    def _call(
        self,
        verb: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        recover: Callable[[], Any | None] | None = None,
    ) -> Any:
        is_write = verb != "GET"
        waited = 0.0
        for attempt in range(1, self._attempts + 1):
            if is_write:
                self._pace()
            if attempt > 1 and recover is not None:
                found = recover()
                if found is not None:
                    log.info("%s %s: the earlier attempt took effect; not repeating it", verb, path)
                    return found
            try:
                _, data = self._requester.requestJsonAndCheck(
                    verb, path, parameters=dict(params) if params else None, input=body
                )
            except GithubException as exc:
                message = _message(exc.data)
                wait = rate_limit_wait(exc.status, exc.headers or {}, message, self._clock())
                uncertain = exc.status in _UNCERTAIN
                if (wait is None and not uncertain) or attempt == self._attempts:
                    raise GitHubApiError(verb, path, exc.status, message) from None
                wait = 2.0 ** (attempt - 1) if wait is None else wait
            except OSError as exc:
                # PyGithub lets its transport's errors through: requests' connection errors
                # and timeouts are OSErrors, so ttabot needs no import of an undeclared library.
                if attempt == self._attempts:
                    raise GitHubApiError(verb, path, 0, type(exc).__name__) from None
                wait = 2.0 ** (attempt - 1)
            else:
                if is_write:
                    self.writes += 1
                return data
            if waited + wait > self._max_wait:
                raise GitHubApiError(
                    verb, path, 403, f"rate limited for longer than {self._max_wait:.0f} s"
                )
            log.warning("%s %s: waiting %.1f s before retrying", verb, path, wait)
            self._sleep(wait)
            waited += wait
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _message(data: Any) -> str:
    if isinstance(data, dict):
        return str(data.get("message") or "")
    return ""
