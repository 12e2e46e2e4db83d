"""``ttabot trust``: let the project's files send keys, and keep the state, where they say.

Also the edge the model commands (``draft``, ``ask``, ``models``) pass their
settings through: :func:`guard` leaves out every provider whose key route the
project's files chose and the user has not trusted, and puts a state location
they chose (``[state] url``, ``[client] state-dir``) back to the user's cache
folder until trusted, with one warning line each. The decisions are in
``ttabot.config.routes`` and ``ttabot.config.locations``; the trust file (in the
user cache folder, never in the project, whatever ``[client] state-dir`` says) is
read and written here, its updates under a lock. ``ttabot action`` never comes
here: its settings are read at a commit the pull request cannot change and its
keys are bound to providers by its inputs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import click

from ttabot.commands.selection import working_folder
from ttabot.config import Settings, find_config, project_root, settings_from_table
from ttabot.config.locations import (
    StateLocation,
    anchor_state_dir,
    in_project_warning,
    in_repository,
    location_line,
    project_locations,
    state_warning,
    with_default_state,
)
from ttabot.config.routes import (
    Route,
    blocked_routes,
    blocked_warning,
    project_routes,
    route_line,
    shown,
    without_providers,
)
from ttabot.config.trust_file import Trusted, parse_trust, trust_document
from ttabot.errors import TtabotError

#: The trust file's name in the user cache folder (beside the model client's state).
TRUST_FILE = "trusted-routes.json"
#: Larger trust files are ignored: a real one is a few hundred bytes per repository.
MAX_TRUST_BYTES = 1024 * 1024
#: Seconds ``ttabot trust`` waits for another one to finish its update.
TRUST_LOCK_TIMEOUT = 10.0

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


def read_trust(path: Path, warn: Warn = _echo_err) -> dict[str, Trusted]:
    """What every repository trusts; ``{}`` (trust nothing) and one warning if unusable."""
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


def update_trust(path: Path, change: Callable[[dict[str, Trusted]], None]) -> None:
    """Apply ``change`` to the trust file's table and write it back, under the file's lock.

    Two ``ttabot trust`` runs at once (two terminals, two repositories) each read,
    change and rename a new file into place; without the lock the later rename
    would drop the earlier run's update. An error is one line, exit 2.
    """
    from ttabot.fileio import locked, write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path, TRUST_LOCK_TIMEOUT):
            table = read_trust(path)
            change(table)
            write_atomic(path, json.dumps(trust_document(table), indent=2) + "\n")
    except TimeoutError:
        raise TtabotError(
            f"trust file {path} is locked by another ttabot (lock file {path}.lock); try again"
        ) from None
    except OSError as exc:
        raise TtabotError(f"cannot write trust file {path}: {exc.strerror or exc}") from None


def _key(root: Path) -> str:
    return str(root.resolve())


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
    warn: Warn = _echo_err,
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
    trusted = read_trust(trust_path(), warn).get(_key(root), Trusted())
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


class Asked(NamedTuple):
    """What the project's files ask to be trusted with, and which files they are."""

    routes: tuple[Route, ...]
    locations: tuple[StateLocation, ...]
    where: str
    #: The state folders of ``locations`` inside the repository: never used nor trusted.
    in_project: tuple[StateLocation, ...] = ()

    def trustable(self) -> tuple[StateLocation, ...]:
        """The state locations that trust can allow (not those in the repository)."""
        return tuple(loc for loc in self.locations if loc not in self.in_project)

    def as_trusted(self) -> Trusted:
        """All that trust can allow, as the trust file keeps it."""
        return Trusted(frozenset(self.routes), frozenset(self.trustable()))


def _asked(root: Path) -> Asked:
    found = find_config(root)
    if found is None:
        return Asked((), (), "the defaults")
    table, source = found
    where = source.replace(f"{root}{os.sep}", "")
    settings = anchor_state_dir(settings_from_table(table, source), root)
    # Every location the files name: the environment may replace [state] url today, not tomorrow.
    locations = project_locations(settings, {})
    return Asked(project_routes(settings), locations, where, in_repository(locations, root))


_EPILOG = """\b
Outside the GitHub Action, ttabot reads its settings from the project's files
(.ttabot.toml, [tool.ttabot] in pyproject.toml). A provider there may name a
key variable and a base_url; since anyone who changes those files (a pull
request you check out, a commit you merge) could point your key at their own
server, such a key route is used only after you trust it here. A route is the
provider, its base_url and its key variable: change any of them in the file and
it needs trust again. Built-in providers, a --config file you name, and
providers without a key need no trust.

\b
The same goes for where ttabot keeps its shared state (cooldowns, quotas,
learning stats): a [state] url (a Redis server ttabot would send that to and
believe what it reads back) or a [client] state-dir (a folder ttabot would
write to) in the project's files is used only after you trust its exact value
here; until then the state stays in your user cache folder. A state-dir
inside the repository is never used (its files are the next pull request's to
choose). TTABOT_STATE_URL and a --config file you name need no trust. Trust is
kept per repository in your user cache folder.

\b
Exit codes:
  0  done
  2  not in a git repository; an invalid settings file; the trust file is locked;
     the output cannot be written (a full disk): then nothing is trusted

\b
Examples:
  ttabot trust            # show what the project's files choose and trust it
  ttabot trust --list     # what is trusted here, and what the files ask for
  ttabot trust --revoke   # forget what this repository is trusted with
"""


@click.command(name="trust", epilog=_EPILOG)
@click.option("--list", "show", is_flag=True, help="Show what is trusted and what is asked for.")
@click.option("--revoke", is_flag=True, help="Forget what this repository is trusted with.")
def command(show: bool, revoke: bool) -> int:
    """Trust the project's settings to send your keys, and keep the state, where they say."""
    if show and revoke:
        raise TtabotError("--list and --revoke cannot be used together")
    root = repository_root(working_folder())
    path = trust_path()
    if show:
        _print(_listing(_asked(root), read_trust(path).get(_key(root), Trusted())))
        return 0
    if revoke:

        def forget(table: dict[str, Trusted]) -> None:
            table.pop(_key(root), None)

        if _key(root) in read_trust(path):
            update_trust(path, forget)
        click.echo(
            f"ttabot: trusts no key route or state location in {shown(str(root))} now", err=True
        )
        return 0
    asked = _asked(root)
    where = shown(asked.where)
    if not asked.routes and not asked.locations:
        _print(
            [
                f"ttabot: {where} sends no key to a server of its choosing and keeps the state "
                "in the default place; nothing to trust"
            ]
        )
        return 0
    lines = []
    if asked.routes:
        lines.append(f"{where} sends:")
        lines += [route_line(r) for r in asked.routes]
    if asked.locations:
        lines.append(f"{where} keeps the shared state in:")
        never = "  (inside the repository: never used)"
        lines += [
            location_line(loc, never if loc in asked.in_project else "") for loc in asked.locations
        ]
    _print(lines)  # shown before it is trusted: what could not be shown is not trusted

    def trust_them(table: dict[str, Trusted]) -> None:
        table[_key(root)] = asked.as_trusted()

    update_trust(path, trust_them)
    click.echo(
        f"ttabot: trusted {len(asked.routes)} key route(s) and {len(asked.trustable())} state "
        f"location(s) for {shown(str(root))}",
        err=True,
    )
    return 0


def _print(lines: list[str]) -> None:
    """Print ``lines`` on stdout; a stream that cannot take them (a full disk) is one error line."""
    from ttabot.commands.check_run import write_out

    write_out(click.echo, "".join(line + "\n" for line in lines))


def _listing(asked: Asked, trusted: Trusted) -> list[str]:
    """The routes and state locations asked for, each marked, then stale trust."""
    where = shown(asked.where)

    def mark(ok: bool) -> str:
        return "  [trusted]" if ok else "  [not trusted]"

    routes, locations = asked.routes, asked.locations
    lines = [f"key routes in {where}:" if routes else f"no key routes in {where}"]
    lines += [route_line(route, mark(route in trusted.routes)) for route in routes]
    lines.append(f"state locations in {where}:" if locations else f"no state locations in {where}")
    for location in locations:
        if location in asked.in_project:
            lines.append(location_line(location, "  [never used: inside the repository]"))
        else:
            lines.append(location_line(location, mark(location in trusted.locations)))
    stale_routes = sorted(trusted.routes - set(routes))
    stale_locations = sorted(trusted.locations - set(locations))
    if stale_routes or stale_locations:
        lines.append("trusted, no longer asked for:")
        lines += [route_line(route) for route in stale_routes]
        lines += [location_line(location) for location in stale_locations]
    return lines
