"""The change-selection options that ``check`` and ``draft`` share, and what they select.

Both commands take the same change (the staged change, else the last commit;
``--range``; ``--diff`` with ``--root``) and the same ``--config``, so the
options and their meaning live here once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ttabot.errors import TtabotError

if TYPE_CHECKING:
    from ttabot.commands.check_run import Echo
    from ttabot.config import Settings
    from ttabot.sources import Selection

F = TypeVar("F", bound=Callable[..., object])


def selection_options(func: F) -> F:
    """Add ``--range``, ``--diff``, ``--root``, ``--config`` and ``--contract`` to a command."""
    import click  # here, not above: the hook's fast path imports this module without click

    options = [
        click.option(
            "--range", "rev_range", metavar="A..B", help="A commit range (A..B, or A...B)."
        ),
        click.option(
            "--diff",
            "diff_path",
            metavar="FILE",
            help="A unified diff from FILE ('-' for stdin) instead of git.",
        ),
        click.option(
            "--root",
            type=click.Path(file_okay=False, path_type=Path),
            help="Where the files of --diff live, or the repository to use (default: .).",
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Settings file instead of .ttabot.toml merged over pyproject's [tool.ttabot].",
        ),
        click.option(
            "--contract",
            type=click.Choice(["1", "2", "v1", "v2"]),
            metavar="1|2",
            help="Findings contract version (docs/findings.md). [default: 2, or `contract`]",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def working_folder() -> Path:
    """The current folder; one clean error when it was deleted (or moved) under the shell."""
    try:
        return Path.cwd()
    except FileNotFoundError:
        raise TtabotError(
            "the current folder no longer exists (deleted or moved): cd into the project again"
        ) from None


def select(
    rev_range: str | None,
    diff_path: str | None,
    root: Path | None,
    *,
    staged: bool | None = None,
    worktree: bool = False,
) -> Selection:
    """The change the options name (see :func:`ttabot.sources.select_change`)."""
    from ttabot.sources import select_change

    if rev_range is not None and diff_path is not None:
        raise TtabotError("--range and --diff cannot be used together")
    diff = read_diff(diff_path) if diff_path is not None else None
    name = "from stdin" if diff_path == "-" else (diff_path or "")
    return select_change(
        root or working_folder(),
        rev_range=rev_range,
        diff=diff,
        staged=staged,
        diff_name=name,
        worktree=worktree,
    )


def with_contract(settings: Settings, contract: str | None) -> Settings:
    """``settings`` with ``--contract`` laid over the ``contract`` setting (the flag wins)."""
    if contract is None:
        return settings
    from ttabot.config import parse_contract

    check = settings.check._replace(contract=parse_contract(contract, "--contract"))
    return settings._replace(check=check)


def limit_to_paths(
    selection: Selection, paths: Sequence[Path], cwd: Path, *, echo: Echo | None = None
) -> Selection:
    """``selection`` with only the changed files under ``paths`` (relative to ``cwd``).

    A path outside the repository (or ``--root``) is an error; one that holds no
    changed file is not (the change is simply smaller), but stderr says so
    through ``echo`` (default: ``click.echo``).
    """
    top = selection.root.resolve()
    prefixes: list[str] = []
    for path in paths:
        full = (cwd / path).resolve()
        try:
            rel = full.relative_to(top).as_posix()
        except ValueError:
            raise TtabotError(f"path {path} is outside {selection.root}") from None
        prefixes.append("" if rel == "." else rel)

    def under(file_path: str) -> bool:
        return any(not p or file_path == p or file_path.startswith(p + "/") for p in prefixes)

    files = tuple(f for f in selection.change.files if under(f.path))
    if not files and selection.change.files:
        from ttabot.report import printable

        names = ", ".join(str(p) for p in paths)
        if echo is None:
            import click

            echo = click.echo
        # A name with a newline or an escape sequence is shown, not obeyed by the terminal.
        echo(f"ttabot: no changed file under {printable(names)}", err=True)
    change = selection.change._replace(files=files)
    return selection._replace(change=change)


#: The longest ``--diff`` read, in bytes: far past any change a review takes in, and a
#: bound for input with no end (``/dev/zero``, a pipe that never closes).
MAX_DIFF_BYTES = 100 << 20


def read_diff(path: str) -> bytes:
    """The bytes of ``--diff`` (``-``: standard input), at most :data:`MAX_DIFF_BYTES`."""
    limit = MAX_DIFF_BYTES
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        try:
            with open(path, "rb") as handle:  # a FIFO too: `--diff <(git diff)`
                data = handle.read(limit + 1)
        except OSError as exc:
            raise TtabotError(f"cannot read --diff {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TtabotError(f"--diff {path} is larger than {limit >> 20} MiB: not read")
    return data
