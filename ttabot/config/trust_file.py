"""The trust file's contents: what the user trusted, per repository (``ttabot trust``).

Version 2 (written now)::

    {"version": 2, "repositories": {"/real/path": {
        "routes": [{"provider": …, "base_url": …, "api_key_env": …}],
        "state": [{"setting": "[state] url", "value": "redis://…"}]}}}

Version 1 (key routes only: each repository maps to the list of routes) is still
read. A document that is anything else, in any part, trusts nothing. Pure
functions; reading and writing the file is ``ttabot.commands.trust_store``'s job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from ttabot.config.locations import SETTINGS, StateLocation
from ttabot.config.routes import Route

#: The format ``ttabot trust`` writes.
TRUST_VERSION = 2
#: Versions read: 1 held key routes only.
_READABLE = (1, 2)


class Trusted(NamedTuple):
    """What one repository's files may choose: key routes and state locations."""

    routes: frozenset[Route] = frozenset()
    locations: frozenset[StateLocation] = frozenset()


def trust_document(repositories: Mapping[str, Trusted]) -> dict[str, Any]:
    """The JSON object the trust file holds: each repository root's trusted routes and state."""
    return {
        "version": TRUST_VERSION,
        "repositories": {
            root: {
                "routes": [r._asdict() for r in sorted(trusted.routes)],
                "state": [s._asdict() for s in sorted(trusted.locations)],
            }
            for root, trusted in sorted(repositories.items())
        },
    }


def parse_trust(data: Any) -> dict[str, Trusted] | None:
    """What is trusted per repository root in ``data``; None if any of it is malformed.

    All or nothing: a file ttabot did not write (or a damaged one) trusts nothing.
    """
    version = data.get("version") if isinstance(data, dict) else None
    if type(version) is not int or version not in _READABLE:  # True == 1, but no version
        return None
    repositories = data.get("repositories")
    if not isinstance(repositories, dict):
        return None
    out: dict[str, Trusted] = {}
    for root, entry in repositories.items():
        if not isinstance(root, str) or not os.path.isabs(root):
            return None
        if version == 1:
            entry = {"routes": entry, "state": []}
        if not isinstance(entry, dict) or set(entry) != {"routes", "state"}:
            return None
        routes = _records(entry["routes"], Route)
        locations = _records(entry["state"], StateLocation)
        if routes is None or locations is None:
            return None
        if any(location.setting not in SETTINGS for location in locations):
            return None
        out[root] = Trusted(routes, locations)
    return out


def _records(entries: Any, record: Any) -> frozenset[Any] | None:
    """``entries`` as ``record`` values: objects of exactly its fields, each a non-empty string."""
    if not isinstance(entries, list):
        return None
    out = set()
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != set(record._fields):
            return None
        if not all(isinstance(v, str) and v for v in entry.values()):
            return None
        out.add(record(**entry))
    return frozenset(out)
