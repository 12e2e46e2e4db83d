"""State locations: where the project's files would have ttabot keep its shared state.

The shared state (cooldowns, pacing logs, daily quotas, learning stats) lives in
the user's cache folder unless ``[client] state-dir`` names another folder or
``[state] url`` names a Redis server. Outside the Action the project's own files
are settings too, so a pull request checked out locally could point the state at
``redis://evil.example:6379/0`` (ttabot would send it what it learns and believe
what it reads back) or at a folder of its choosing (ttabot would write there).
Such a location is used only once the user trusted it for that repository
(``ttabot trust``), keyed by the setting and its exact value, like key routes.
Pure decisions only; the trust file and the warning live in ``ttabot.commands.trust_store``
and ``ttabot.commands.trust_guard``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from ttabot.config.routes import host_note, shown, shown_ascii
from ttabot.config.settings import Settings

#: The settings that choose where the state lives, as the trust file and the warnings name them.
STATE_URL = "[state] url"
STATE_DIR = "[client] state-dir"
SETTINGS = (STATE_URL, STATE_DIR)
#: The environment variable that sets ``[state] url`` (the user's own choice, like ``--config``).
STATE_URL_ENV = "TTABOT_STATE_URL"


class StateLocation(NamedTuple):
    """One setting that moves the shared state away from its default, and its exact value."""

    setting: str  # one of SETTINGS
    value: str


def without_password(url: str) -> str:
    """``url`` with its password (in the user part or a ``password=`` query) as ``***``.

    A Redis URL may carry one; warnings and ``ttabot trust`` show everything else
    as written (the host, port, database or socket path are what the user must
    judge). Plain string surgery: parsing and rebuilding the URL would drop the
    tabs and line breaks a hostile value hides things behind. Nothing else is
    hidden: a ``password=`` in the path (a ``unix://`` socket's) says where ttabot
    connects, and is shown.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    cut = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, tail = rest[:cut], rest[cut:]
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.partition(':')[0]}:***@{hostport}"
    # Only the query carries a password (a path may hold "&password=" too: a socket's).
    before_fragment, hash_, fragment = tail.partition("#")
    path, mark, query = before_fragment.partition("?")
    query = re.sub(r"((?:^|&)password=)[^&]*", r"\1***", query)
    return f"{scheme}{sep}{netloc}{path}{mark}{query}{hash_}{fragment}"


def shown_value(location: StateLocation) -> str:
    """``location``'s value as shown for review: no password, control characters escaped.

    A URL is ASCII when honest, so anything else in it is escaped too (a look-alike
    host); a folder keeps its letters (:func:`ttabot.config.routes.shown`).
    """
    if location.setting == STATE_URL:
        return shown_ascii(without_password(location.value)) + host_note(location.value)
    return shown(location.value)


def project_locations(settings: Settings, environ: Mapping[str, str]) -> tuple[StateLocation, ...]:
    """The state locations in ``settings`` that differ from the defaults.

    Meant for settings read from the project's files. A ``[state] url`` that
    ``TTABOT_STATE_URL`` in ``environ`` replaced is the user's, not the files';
    with ``shared-state = false`` no state is kept anywhere, so nothing is chosen.
    """
    if not settings.client.shared_state:
        return ()
    found = []
    if settings.state.url and not environ.get(STATE_URL_ENV):
        found.append(StateLocation(STATE_URL, settings.state.url))
    if settings.client.state_dir:
        found.append(StateLocation(STATE_DIR, settings.client.state_dir))
    return tuple(found)


def anchor_state_dir(settings: Settings, root: Path) -> Settings:
    """``settings`` with a relative ``[client] state-dir`` made absolute under ``root``.

    For settings read from the project's files, ``root`` being the project's root.
    Trust is per exact value, so the value must name one folder: read against the
    working directory, ``"st"`` would be ``sub/st`` for a run from ``sub/``, a
    folder ``ttabot trust`` never showed. Joined, not resolved: what is shown and
    trusted is what is used.
    """
    state_dir = settings.client.state_dir
    if not state_dir or os.path.isabs(state_dir):
        return settings
    client = settings.client._replace(state_dir=str(root.resolve() / state_dir))
    return settings._replace(client=client)


def inside(folder: str, root: Path) -> bool:
    """Whether ``folder`` is ``root`` or under it, as written (``..`` folded) or resolved.

    A repository's files are a pull request's to choose: a state folder there can be
    checked out as a symlink to anywhere, or hold planted lock and state files.
    """
    real_root = root.resolve()
    written = Path(os.path.normpath(folder))
    if any(written == top or top in written.parents for top in (root, real_root)):
        return True
    try:
        real = written.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return False
    return real == real_root or real_root in real.parents


def in_repository(locations: Iterable[StateLocation], root: Path) -> tuple[StateLocation, ...]:
    """The ``[client] state-dir`` of ``locations`` inside the repository at ``root``."""
    return tuple(loc for loc in locations if loc.setting == STATE_DIR and inside(loc.value, root))


def in_project_warning(locations: Iterable[StateLocation], where: str, default: str) -> str:
    """One line saying the state folders ``where`` names are in the repository, never used."""
    folders = " and ".join(f"{shown_value(loc)} ({loc.setting})" for loc in locations)
    return (
        f"ttabot: warning: {shown(where)} keeps ttabot's shared state in {folders} inside "
        "the repository, whose files a pull request can change; never used; using "
        f"{shown(default)} instead"
    )


def with_default_state(settings: Settings, locations: Iterable[StateLocation]) -> Settings:
    """``settings`` with each of ``locations`` put back to its default (the user's cache)."""
    settings_of = {location.setting for location in locations}
    if STATE_URL in settings_of:
        settings = settings._replace(state=settings.state._replace(url=""))
    if STATE_DIR in settings_of:
        settings = settings._replace(client=settings.client._replace(state_dir=None))
    return settings


def location_line(location: StateLocation, mark: str = "") -> str:
    """``  [state] url = value`` (then ``mark``), shown safely for review."""
    return f"  {location.setting} = {shown_value(location)}{mark}"


def state_warning(locations: Iterable[StateLocation], where: str, default: str) -> str:
    """One line saying where ``where`` would keep the state, and what is used until trusted."""
    keeps = " and ".join(
        f"{shown_value(loc)} ({loc.setting})" for loc in sorted(locations, key=_order)
    )
    return (
        f"ttabot: warning: {shown(where)} keeps ttabot's shared state (cooldowns, quotas, "
        f"learning stats) in {keeps}; not used until you run 'ttabot trust' in this "
        f"repository; using {shown(default)} instead"
    )


def _order(location: StateLocation) -> int:
    return SETTINGS.index(location.setting)
