"""The ``ttabot`` command: parses, dispatches, and turns errors into one line.

Subcommands live in ``ttabot.commands.<name>`` and are imported only when
invoked, so ``ttabot check`` (the pre-commit path) never pays for the model
client, libcst or PyGithub.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TextIO, cast

import click

from ttabot import __version__
from ttabot.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Stopped,
    TtabotError,
)

#: name -> (module under ttabot.commands, one-line help shown by ``ttabot --help``)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "Find what a change leaves undone: tests, docstrings, refactors (offline)."),
    "draft": ("draft", "Draft and validate the missing tests, docstrings and refactors."),
    "ask": ("ask", "Send a prompt (or a JSONL batch) through a task kind's model chain."),
    "models": ("models", "Show model chains and their state; list free models; probe them."),
    "action": ("action", "Run as the GitHub Action (reads the event GitHub passes)."),
    "trust": ("trust", "Allow this repository's settings to send your keys and keep the state."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand's name, from the table (nothing is imported)."""
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand ``cmd_name``, importing its module now; None if there is none."""
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"ttabot.commands.{entry[0]}")
        command = module.command
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the subcommands in ``--help`` with their short help from the table."""
        # Short help comes from the table so that --help imports no subcommand.
        rows = [(name, short) for name, (_, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ttabot")
def cli() -> None:
    """ttabot keeps tests, docstrings and structure from falling behind the code.

    \b
    Typical use:
      ttabot check                  # the staged change, else the last commit
      ttabot check --range main..HEAD --format json
      ttabot draft --dry-run        # what would be drafted, with which models
    """


#: Exceptions that end a run with one line on stderr and an exit code, never a traceback.
ENDINGS = (
    TtabotError,
    click.ClickException,
    click.exceptions.Exit,
    click.exceptions.Abort,
    KeyboardInterrupt,
    Stopped,
    BrokenPipeError,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; user errors become one line and exit 2."""
    _escape_what_streams_cannot_encode()
    from ttabot.escaping import HumanStream

    # stderr carries only lines for people: one guard shows every control character and
    # workflow command there, whoever writes it (click, logging, warnings).
    stderr = sys.stderr
    if stderr is not None:  # None: started with stderr closed (2>&-)
        sys.stderr = cast("TextIO", HumanStream(stderr))
    try:
        result = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except ENDINGS as exc:
        return _end(exc)
    finally:
        sys.stderr = stderr
    return result if isinstance(result, int) else EXIT_OK


def _escape_what_streams_cannot_encode() -> None:
    """Write a character stdout or stderr cannot encode as an escape (``\\u65e5``).

    A Latin-1 or cp1252 console cannot show a CJK file name, nor the U+FFFD that
    stands for a byte that is not UTF-8: Python's strict default ended the run in a
    UnicodeEncodeError traceback. An escape keeps a line readable and JSON valid.
    """
    import codecs

    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        reconfigure = getattr(stream, "reconfigure", None)
        if not isinstance(encoding, str) or reconfigure is None:
            continue
        try:
            utf8 = codecs.lookup(encoding).name == "utf-8"
        except LookupError:
            utf8 = False
        if not utf8 and getattr(stream, "errors", None) == "strict":
            reconfigure(errors="backslashreplace")


def _end(exc: BaseException) -> int:
    """Say why the run ended (at most one line on stderr) and return its exit code."""
    if isinstance(exc, (KeyboardInterrupt, Stopped, click.exceptions.Abort)):
        return _interrupted(exc)
    if isinstance(exc, BrokenPipeError):
        # stdout closed early (e.g. piped to `head`): not an error worth a traceback.
        sys.stderr.close()
        return EXIT_BROKEN_PIPE
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    message = str(exc)
    if isinstance(exc, click.UsageError):
        # One line, like every other input error; --help has the long story.
        where = exc.ctx.command_path if exc.ctx is not None else "ttabot"
        message = f"{' '.join(exc.format_message().split())} (see '{where} --help')"
    elif isinstance(exc, click.ClickException):
        message = " ".join(exc.format_message().split())
    from ttabot.report import printable

    # One line even when the message quotes a hostile name (a newline, an escape sequence).
    click.echo(f"ttabot: error: {printable(message)}", err=True)
    return getattr(exc, "exit_code", EXIT_USAGE)


def _interrupted(exc: BaseException) -> int:
    """One line and 128 + the signal's number; scratch copies of the project are removed."""
    if isinstance(exc, click.exceptions.Abort):
        click.echo("ttabot: aborted", err=True)
        return EXIT_INTERRUPTED
    stopped = exc if isinstance(exc, Stopped) else Stopped(*exc.args)
    children = sys.modules.get("ttabot.children")
    if children is not None:  # loaded only by commands that start children
        children.remove_all_scratch()
    name = "terminated" if stopped.exit_code == EXIT_TERMINATED else "interrupted"
    click.echo(f"ttabot: {name}", err=True)
    return stopped.exit_code
