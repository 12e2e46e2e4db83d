"""The trust file: in the user cache folder, read bounded, updated under its lock.

Never in the project, whatever ``[client] state-dir`` says. A file ttabot did not
write is one warning and trusts nothing; two updates at once do not lose one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from ttabot.config.trust_file import Trusted, parse_trust, trust_document
from ttabot.errors import TtabotError

#: The trust file's name in the user cache folder (beside the model client's state).
TRUST_FILE = "trusted-routes.json"
#: Larger trust files are ignored: a real one is a few hundred bytes per repository.
MAX_TRUST_BYTES = 1024 * 1024
#: Seconds ``ttabot trust`` waits for another one to finish its update.
TRUST_LOCK_TIMEOUT = 10.0


Warn = Callable[[str], None]


def echo_err(line: str) -> None:
    """Print one warning ``line`` on stderr (the default ``warn``)."""
    click.echo(line, err=True)


def trust_path() -> Path:
    """The trust file: in the user's cache folder, never where project settings point."""
    from ttabot.llm.state import default_state_dir

    return default_state_dir() / TRUST_FILE


def _read_bounded(path: Path) -> bytes | None:
    """Up to ``MAX_TRUST_BYTES + 1`` bytes of the regular file ``path`` (see ``read_regular``)."""
    from ttabot.fileio import read_regular

    return read_regular(path, MAX_TRUST_BYTES)


def read_trust(path: Path, warn: Warn = echo_err) -> dict[str, Trusted]:
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


def repository_key(root: Path) -> str:
    """The trust file's key for the repository at ``root``: its real path."""
    return str(root.resolve())
