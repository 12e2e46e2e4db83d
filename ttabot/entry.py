"""The ``ttabot`` console script: the pre-commit hook's ``ttabot check`` runs without click.

The hook runs ``ttabot check`` on every ``git commit``, and importing click
costs about as much as the check itself. So :func:`main` recognises the
invocations a hook makes — ``check``, optionally with changed-file PATHs and
``--config FILE`` — and runs them through the same
:func:`ttabot.commands.check_run.run` the click command calls, writing with
:func:`echo` instead of ``click.echo``. Everything else, and every doubt (any
other option, a value click would reject, a stream click would rewrap), goes
to :func:`ttabot.cli.main` unchanged: the click command stays the one
definition of the options, and tests hold the two paths to byte-identical
output and exit codes.
"""

from __future__ import annotations

import codecs
import gc
import os
import stat
import sys

# Only modules Python has loaded before ttabot starts are imported at module level;
# the rest load in main(), with the cyclic garbage collector off (see main).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn

    from ttabot.commands.check_run import CheckOptions

#: The options the fast path takes, each as the click command spells it (a test checks that).
HOOK_OPTIONS = ("--config",)

#: click's own pattern for the ANSI sequences it strips from output that is not coloured.
ANSI_PATTERN = r"\033\[[0-?]*[ -/]*[@-~]"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ttabot``: the hook's ``check`` directly, anything else through the click CLI."""
    code = hook_run(argv)
    if code is not None:
        return code
    from ttabot.cli import main as cli_main

    return cli_main(argv)


def script() -> NoReturn:
    """The console script: :func:`main`, ending a hook run without the interpreter's teardown.

    Tearing down the modules a hook run imported costs about as much as a git
    call. After :func:`hook_run` nothing is left to finish (no thread, no open
    file, no temporary folder, no ``atexit`` work), so once both standard
    streams are flushed the process ends with ``os._exit``. A stream that will
    not flush ends quietly, with the broken-pipe code unless the run already
    failed. Every other command exits through :func:`sys.exit` as usual.
    """
    code = hook_run(None)
    if code is None:
        from ttabot.cli import main as cli_main

        sys.exit(cli_main())
    os._exit(_flushed(code))


def _flushed(code: int) -> int:
    """``code`` once stdout and stderr are flushed; the broken-pipe code when one cannot be."""
    from ttabot.errors import EXIT_BROKEN_PIPE

    for stream in (sys.stdout, sys.stderr):
        if stream is None or stream.closed:
            continue
        try:
            stream.flush()
        except OSError:  # the reader went away (EPIPE) or the disk is full
            return code or EXIT_BROKEN_PIPE
    return code


def hook_run(argv: Sequence[str] | None) -> int | None:
    """Run a hook-shaped ``check`` and return its exit code; None when click must parse ``argv``.

    The hook's run is short and makes little cyclic garbage, so the cyclic
    collector stays off while it imports and checks (a few percent of its
    time); it is on again for the click CLI (``draft`` runs long) and when
    this returns.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        options = hook_options(sys.argv[1:] if argv is None else argv)
        return None if options is None else run_hook(options)
    finally:
        if collecting:
            gc.enable()


def hook_options(args: Sequence[str]) -> CheckOptions | None:
    """The options of a hook-shaped ``check`` invocation, or None: let click parse it.

    Taken: ``check`` then PATHs and at most one ``--config FILE`` (or
    ``--config=FILE``), where click would accept every value as given. A
    path that exists must be readable, and ``--config`` no directory, as
    click's ``Path`` types require; a value that is empty or starts with ``-``
    is left to click.
    """
    if not args or args[0] != "check" or not _plain_streams():
        return None
    from pathlib import Path

    from ttabot.commands.check_run import CheckOptions

    config: str | None = None
    paths: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--config" or arg.startswith("--config="):
            value = arg.partition("=")[2] if "=" in arg else next(rest, "")
            if config is not None or not _click_takes(value, directory_ok=False):
                return None
            config = value
        elif _click_takes(arg, directory_ok=True):
            paths.append(arg)
        else:
            return None
    return CheckOptions(
        config=Path(config) if config is not None else None,
        paths=tuple(Path(p) for p in paths),
    )


def run_hook(options: CheckOptions) -> int:
    """Run ``check`` with ``options``; errors become one line and an exit code, as in ttabot.cli."""
    from ttabot.commands.check_run import run
    from ttabot.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, Stopped, TtabotError

    # The codes come from the one table in ttabot.errors; ttabot.cli._end is the one
    # handler for every other run, but it needs click, which this path must not import.
    try:
        return run(options, echo)
    except TtabotError as exc:
        from ttabot.report import printable

        echo(f"ttabot: error: {printable(str(exc))}", err=True)
        return exc.exit_code
    except (EOFError, KeyboardInterrupt):
        # Inside a command click turns these into Abort: an empty line, then ttabot.cli's line.
        echo("", err=True)
        echo("ttabot: aborted", err=True)
        return EXIT_INTERRUPTED
    except Stopped as exc:
        from ttabot.cli import _interrupted  # rare: only here does the fast path load click

        return _interrupted(exc)
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_BROKEN_PIPE


def echo(message: str, *, err: bool = False, nl: bool = True, color: bool | None = None) -> None:
    """Write ``message`` as ``click.echo`` writes a ``str`` to a standard stream.

    A newline unless ``nl`` is false; ANSI sequences removed when ``color`` is
    false, or when it is None and the stream is not a terminal; on stderr, shown as
    :class:`ttabot.escaping.HumanStream` shows it; flushed.
    """
    import re  # cached by re after the first call

    from ttabot.escaping import on_terminal, printable  # re alone: cheap on the hook path

    stream = sys.stderr if err else sys.stdout
    out = message + "\n" if nl else message
    if out:
        if (not on_terminal(stream)) if color is None else not color:
            out = re.sub(ANSI_PATTERN, "", out)
        if err:  # as ttabot.cli.main's guard on stderr shows it (ttabot.escaping)
            out = printable(out, lines=True)
        stream.write(out)
    stream.flush()


def _click_takes(value: str, *, directory_ok: bool) -> bool:
    """Whether click's ``Path`` type (readable, ``dir_okay=directory_ok``) takes ``value`` as is."""
    if not value or value.startswith("-"):
        return False
    try:
        mode = os.stat(value).st_mode
    except ValueError:  # an embedded NUL byte: whatever click does with it, it does it
        return False
    except OSError:  # click takes a path that does not exist (exists=False)
        return True
    return (directory_ok or not stat.S_ISDIR(mode)) and os.access(value, os.R_OK)


def _plain_streams() -> bool:
    """stdout and stderr are UTF-8 text streams click would write to as they are.

    click rewraps a stream whose encoding is ASCII (and uses the console API
    on Windows); then the fast path steps aside rather than imitate that.
    """
    if sys.platform == "win32":
        return False
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not isinstance(encoding, str):
            return False
        try:
            if codecs.lookup(encoding).name != "utf-8":
                return False
        except LookupError:
            return False
    return True
