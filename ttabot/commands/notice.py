"""Say a thing once per repository: a hook that skips should explain itself, not nag.

The docstrings hook runs on every commit; pre-commit shows its output (the
hook is ``verbose``), so the reason for skipping appears on the first commit
it applies to, and again only when the reason changes. What was said is kept
in the repository's git folder (never in the work tree).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from ttabot import git
from ttabot.fileio import write_atomic


def say_once(root: Path, key: str, message: str) -> bool:
    """Print ``message`` on stderr unless it was the last thing said under ``key`` here.

    Returns whether it was printed. A git folder that cannot be written only
    means the message may be said again.
    """
    marker = git.git_path(root, f"ttabot/{key}")
    try:
        if marker.read_text(encoding="utf-8") == message:
            return False
    except (OSError, UnicodeDecodeError):
        pass  # never said (or unreadable): say it
    click.echo(f"{message} (said once; this hook passes quietly from now on)", err=True)
    # A read-only git folder: the message comes back next time, nothing worse.
    with contextlib.suppress(OSError):
        write_atomic(marker, message)
    return True
