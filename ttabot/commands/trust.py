"""``ttabot trust``: allow the project's files to send provider keys where they say.

Also the edge the model commands (``draft``, ``ask``, ``models``) pass their
settings through: :func:`guard` leaves out every provider whose key route the
project's files chose and the user has not trusted, with one warning line. The
decisions are in ``ttabot.config.routes``; the trust file (in the user cache
folder, never in the project, whatever ``[client] state-dir`` says) is read and
written here. ``ttabot action`` never comes here: its settings are read at a commit
the pull request cannot change and its keys are bound to providers by its inputs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import click

from ttabot.config import Settings, find_config, project_root, settings_from_table
from ttabot.config.routes import (
    Route,
    blocked_routes,
    blocked_warning,
    parse_trust,
    project_routes,
    route_line,
    shown,
    trust_document,
    without_providers,
)
from ttabot.errors import TtabotError

#: The trust file's name in the user cache folder (beside the model client's state).
TRUST_FILE = "trusted-routes.json"
#: Larger trust files are ignored: a real one is a few hundred bytes per repository.
MAX_TRUST_BYTES = 1024 * 1024

Warn = Callable[[str], None]


def _echo_err(line: str) -> None:
    click.echo(line, err=True)


def trust_path() -> Path:
    """The trust file: in the user's cache folder, never where project settings point."""
    from ttabot.llm.state import default_state_dir

    return default_state_dir() / TRUST_FILE


def _read_bounded(path: Path) -> bytes | None:
    """Up to ``MAX_TRUST_BYTES + 1`` bytes of the regular file ``path`` (see ``read_regular``)."""
    from ttabot.fileio import read_regular

    return read_regular(path, MAX_TRUST_BYTES)


def read_trust(path: Path, warn: Warn = _echo_err) -> dict[str, frozenset[Route]]:
    """Every repository's trusted routes; ``{}`` (trust nothing) and one warning if unusable."""
    try:
        raw = _read_bounded(path)
        if raw is None or len(raw) > MAX_TRUST_BYTES:
            table = None
        else:
            table = parse_trust(json.loads(raw.decode("utf-8")))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8 or JSON, absurd
        table = None
    if table is None:
        warn(f"ttabot: warning: trust file {path} is not one ttabot wrote; trusting nothing")
        return {}
    return table


def _key(root: Path) -> str:
    return str(root.resolve())


class Guarded(NamedTuple):
    """Settings safe to send requests with, and the providers left out of their chains."""

    settings: Settings
    untrusted: frozenset[str]


def guard(
    settings: Settings,
    root: Path,
    config: Path | None,
    environ: Mapping[str, str],
    warn: Warn = _echo_err,
) -> Guarded:
    """``settings`` without the untrusted key routes of the project's files (one warning).

    ``config`` is the ``--config`` the settings were read with: settings from a file
    the user named (it, or ``TTABOT_CONFIG``) are the user's own choice, every route
    in them. Routes from the defaults always are; a provider whose key variable is
    not set sends no key and is left alone.
    """
    if _named_config(config, environ) or settings.source == "defaults":
        return Guarded(settings, frozenset())
    candidates = blocked_routes(project_routes(settings), frozenset(), environ)
    if not candidates:
        return Guarded(settings, frozenset())  # nothing to send: the trust file is not read
    trusted = read_trust(trust_path(), warn).get(_key(root), frozenset())
    blocked = blocked_routes(candidates, trusted, environ)
    if not blocked:
        return Guarded(settings, frozenset())
    where = settings.source.replace(f"{root.resolve()}{os.sep}", "").replace(f"{root}{os.sep}", "")
    warn(blocked_warning(blocked, where))
    names = frozenset(r.provider for r in blocked)
    return Guarded(without_providers(settings, names), names)


def _named_config(config: Path | None, environ: Mapping[str, str]) -> bool:
    """Whether the settings come from a file the user named (as ``load_settings`` reads them)."""
    return config is not None or bool(environ.get("TTABOT_CONFIG"))


# --- the command -----------------------------------------------------------------


def repository_root(cwd: Path) -> Path:
    """The real path of the git repository holding ``cwd``; an error outside one."""
    root = project_root(cwd)
    if (root / ".git").exists():
        return root
    raise TtabotError(
        f"{cwd.resolve()} is not in a git repository: trust is recorded per repository "
        "(outside one, name the settings file with --config)"
    )


def _project_routes(root: Path) -> tuple[tuple[Route, ...], str]:
    found = find_config(root)
    if found is None:
        return (), "the defaults"
    table, source = found
    where = source.replace(f"{root}{os.sep}", "")
    return project_routes(settings_from_table(table, source)), where


_EPILOG = """\b
Outside the GitHub Action, ttabot reads its settings from the project's files
(.ttabot.toml, [tool.ttabot] in pyproject.toml). A provider there may name a
key variable and a base_url; since anyone who changes those files (a pull
request you check out, a commit you merge) could point your key at their own
server, such a key route is used only after you trust it here. A route is the
provider, its base_url and its key variable: change any of them in the file and
it needs trust again. Built-in providers, a --config file you name, and
providers without a key need no trust. Trust is kept per repository in your
user cache folder.

\b
Exit codes:
  0  done
  2  not in a git repository; an invalid settings file

\b
Examples:
  ttabot trust            # show the project's key routes and trust them
  ttabot trust --list     # what is trusted here, and what the files ask for
  ttabot trust --revoke   # forget this repository's trusted routes
"""


@click.command(name="trust", epilog=_EPILOG)
@click.option("--list", "show", is_flag=True, help="Show the trusted and the requested routes.")
@click.option("--revoke", is_flag=True, help="Forget this repository's trusted routes.")
def command(show: bool, revoke: bool) -> int:
    """Trust the project's settings to send your provider keys where they say."""
    from ttabot.fileio import write_atomic

    if show and revoke:
        raise TtabotError("--list and --revoke cannot be used together")
    root = repository_root(Path.cwd())
    path = trust_path()
    table = read_trust(path)
    trusted = table.get(_key(root), frozenset())
    if show:
        routes, where = _project_routes(root)
        click.echo(
            f"key routes in {shown(where)}:" if routes else f"no key routes in {shown(where)}"
        )
        for route in routes:
            click.echo(route_line(route, "  [trusted]" if route in trusted else "  [not trusted]"))
        stale = sorted(trusted - set(routes))
        if stale:
            click.echo("trusted, no longer asked for:")
            click.echo("\n".join(route_line(r) for r in stale))
        return 0
    if revoke:
        if table.pop(_key(root), None) is not None:
            write_atomic(path, json.dumps(trust_document(table), indent=2) + "\n")
        click.echo(f"ttabot: trusts no key route in {shown(str(root))} now", err=True)
        return 0
    routes, where = _project_routes(root)
    if not routes:
        click.echo(
            f"ttabot: {shown(where)} sends no key to a server of its choosing; nothing to trust"
        )
        return 0
    click.echo(f"{shown(where)} sends:")
    click.echo("\n".join(route_line(r) for r in routes))
    table[_key(root)] = frozenset(routes)
    write_atomic(path, json.dumps(trust_document(table), indent=2) + "\n")
    click.echo(f"ttabot: trusted {len(routes)} key route(s) for {shown(str(root))}", err=True)
    return 0
