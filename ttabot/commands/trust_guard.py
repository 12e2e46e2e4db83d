"""The edge the model commands (``draft``, ``ask``, ``models``) pass their settings through.

:func:`guard` leaves out every provider whose key route the project's files chose and
the user has not trusted, and puts a state location they chose (``[state] url``,
``[client] state-dir``) back to the user's cache folder until trusted, with one
warning line each. The decisions are in ``ttabot.config.routes`` and
``ttabot.config.locations``. ``ttabot action`` never comes here: its settings are read
at a commit the pull request cannot change and its keys are bound to providers by
its inputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from ttabot.commands.trust_store import (
    Warn,
    echo_err,
    read_trust,
    repository_key,
    trust_path,
)
from ttabot.config import Settings
from ttabot.config.locations import (
    StateLocation,
    anchor_state_dir,
    in_project_warning,
    in_repository,
    project_locations,
    state_warning,
    with_default_state,
)
from ttabot.config.routes import (
    blocked_routes,
    blocked_warning,
    project_routes,
    without_providers,
)
from ttabot.config.trust_file import Trusted


class Guarded(NamedTuple):
    """Settings safe to send requests with, and what of the project's files was set aside."""

    settings: Settings
    #: Providers left out of the chains: their key route is not trusted.
    untrusted: frozenset[str]
    #: State locations put back to the default: not trusted.
    untrusted_state: tuple[StateLocation, ...] = ()


def guard(
    settings: Settings,
    root: Path,
    config: Path | None,
    environ: Mapping[str, str],
    warn: Warn = echo_err,
) -> Guarded:
    """``settings`` without what the project's files chose and the user has not trusted.

    Untrusted key routes leave their providers out of every chain; an untrusted
    ``[state] url`` or ``[client] state-dir`` gives way to the state in the user's
    cache folder; one warning line for each. A relative ``state-dir`` there names a
    folder under ``root`` (as ``ttabot trust`` shows it), wherever the command runs.
    ``config`` is the ``--config`` the settings were read with: settings from a
    file the user named (it, or ``TTABOT_CONFIG``) are the user's own choice, every
    part of them, and so is a ``TTABOT_STATE_URL`` in ``environ``. Routes from the
    defaults always are; a provider whose key variable is not set sends no key and
    is left alone.
    """
    if _named_config(config, environ) or settings.source == "defaults":
        return Guarded(settings, frozenset())
    settings = anchor_state_dir(settings, root)
    candidates = blocked_routes(project_routes(settings), frozenset(), environ)
    locations = project_locations(settings, environ)
    if not candidates and not locations:
        return Guarded(settings, frozenset())  # nothing chosen: the trust file is not read
    trusted = read_trust(trust_path(), warn).get(repository_key(root), Trusted())
    where = settings.source.replace(f"{root.resolve()}{os.sep}", "").replace(f"{root}{os.sep}", "")
    in_project = in_repository(locations, root)  # never used, trusted or not
    untrusted = tuple(
        loc for loc in locations if loc not in trusted.locations and loc not in in_project
    )
    moved = tuple(loc for loc in locations if loc in in_project or loc in untrusted)
    if moved:
        from ttabot.llm.state import default_state_dir

        default = str(default_state_dir())
        if in_project:
            warn(in_project_warning(in_project, where, default))
        if untrusted:
            warn(state_warning(untrusted, where, default))
        settings = with_default_state(settings, moved)
    blocked = blocked_routes(candidates, trusted.routes, environ)
    if not blocked:
        return Guarded(settings, frozenset(), moved)
    warn(blocked_warning(blocked, where))
    names = frozenset(r.provider for r in blocked)
    return Guarded(without_providers(settings, names), names, moved)


def _named_config(config: Path | None, environ: Mapping[str, str]) -> bool:
    """Whether the settings come from a file the user named (as ``load_settings`` reads them)."""
    return config is not None or bool(environ.get("TTABOT_CONFIG"))
