"""The URLs and HTTP headers settings may hold, checked before anything connects.

A provider's ``base_url`` and ``headers`` and the shared state's ``url`` are checked
once, here, so that a later split or connection never meets one it cannot read.
"""

from __future__ import annotations

import re

from ttabot.errors import TtabotError

#: Query parameters a state URL may carry: which database, the credentials, TLS (rediss).
_STATE_URL_QUERY = ("db", "username", "password", "protocol")
_STATE_URL_TLS_QUERY = ("ssl_cert_reqs", "ssl_ca_certs", "ssl_check_hostname")


def check_state_url_query(url: str, where: str) -> None:
    """Reject a query parameter of ``url`` that redis-py would pass on blindly.

    redis-py hands every query parameter it does not know to the connection class:
    ``?foo=1`` or ``?connection_class=x`` was a traceback, and ``?host=``, ``?port=``
    or ``?path=`` would move the connection away from what the URL shows when it
    names no host. Names are unquoted as redis-py unquotes them.
    """
    from urllib.parse import parse_qsl, urlsplit

    allowed = _STATE_URL_QUERY + (_STATE_URL_TLS_QUERY if url.startswith("rediss://") else ())
    try:
        query = urlsplit(url).query
    except ValueError as exc:  # "Invalid IPv6 URL": the reason, never the URL (a password)
        raise TtabotError(f"{where}: not a URL ({exc})") from None
    for name, _value in parse_qsl(query, keep_blank_values=True):
        if name not in allowed:
            raise TtabotError(
                f"{where}: query parameter {name!r} is not one ttabot passes to Redis "
                f"(use {', '.join(allowed)})"
            )


def check_state_url_host(url: str, where: str) -> None:
    """Reject a state URL whose host (or ``unix://`` socket path) holds ``%`` escapes.

    redis-py unquotes both before it connects: ``redis://%65vil.example`` connects to
    ``evil.example``, so ``ttabot trust`` would show one thing and trust another.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        place = parts.path if url.startswith("unix://") else (parts.hostname or "")
    except ValueError as exc:
        raise TtabotError(f"{where}: not a URL ({exc})") from None
    if "%" in place:
        raise TtabotError(
            f"{where}: write the host or socket path out, not in percent escapes ({place!r})"
        )


def check_http_url(url: str, where: str) -> None:
    """Fail naming ``where`` unless ``url`` is an http(s) URL with a host and a valid port.

    Checked once here: split later (trust routes, the shared state's keys), an
    unclosed ``[`` raised ValueError with a traceback. The message names the reason,
    never the URL, which may carry a password.
    """
    from urllib.parse import urlsplit

    expected = f"{where}: expected an http:// or https:// URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise TtabotError(f"{expected} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise TtabotError(expected)
    if not parts.hostname:
        raise TtabotError(f"{expected} (no host)")


#: An HTTP header name (RFC 9110 token) and value (visible ASCII, spaces and tabs).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def check_header(name: str, value: str, where: str) -> None:
    """Reject a header HTTP cannot carry, or one that would change where a request goes.

    httpx cannot encode a non-ASCII name: every attempt failed, as a transient error,
    until the request's deadline. ``Host`` would have a CDN or gateway that routes by
    it hand the request (and the key, on a route that needs no trust) to another host.
    """
    if not _HEADER_NAME.fullmatch(name):
        raise TtabotError(f"{where}: {name!r} is not an HTTP header name")
    if not _HEADER_VALUE.fullmatch(value):
        raise TtabotError(f"{where}.{name}: expected visible ASCII, spaces and tabs")
    if name.lower() == "host":
        raise TtabotError(f"{where}.{name}: the server is base_url's host, not a header's")
