"""``ttabot trust``: let the project's files send keys, and keep the state, where they say.

The command shows what the project's files choose (key routes, state locations) and
records the user's trust in it. The trust file is read and written by
:mod:`ttabot.commands.trust_store`; what the model commands do with it is
:func:`ttabot.commands.trust_guard.guard`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import click

from ttabot.commands.selection import working_folder
from ttabot.commands.trust_store import (
    read_trust,
    repository_key,
    trust_path,
    update_trust,
)
from ttabot.config import find_config, project_root, settings_from_table
from ttabot.config.locations import (
    StateLocation,
    anchor_state_dir,
    in_repository,
    location_line,
    project_locations,
)
from ttabot.config.routes import (
    Route,
    project_routes,
    route_line,
    shown,
)
from ttabot.config.trust_file import Trusted
from ttabot.errors import TtabotError


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
        _print(_listing(_asked(root), read_trust(path).get(repository_key(root), Trusted())))
        return 0
    if revoke:

        def forget(table: dict[str, Trusted]) -> None:
            table.pop(repository_key(root), None)

        if repository_key(root) in read_trust(path):
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
        table[repository_key(root)] = asked.as_trusted()

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
