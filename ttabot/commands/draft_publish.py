"""What ``ttabot draft`` prints or writes once drafting is done, and the exit code."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from ttabot.errors import EXIT_DRAFT_NO_ANSWER, TtabotError
from ttabot.report import on_terminal, printable
from ttabot.report.json_report import dumps as json_text

if TYPE_CHECKING:
    from ttabot.llm import Metrics
    from ttabot.records import Draft
    from ttabot.sources import Selection


def echo_out(text: str) -> None:
    """``text`` on stdout; a full disk is one ``ttabot: error:`` line, not a traceback."""
    from ttabot.commands.check_run import write_out

    write_out(click.echo, text)


def publish_drafts(
    selection: Selection,
    drafts: list[Draft],
    metrics: Metrics,
    fmt: str,
    do_apply: bool,
    hook: bool,
) -> int:
    """Print the drafts as a diff or JSON, or apply them; the exit code the run ends with.

    With ``hook`` (the pre-commit hook) the code is 0 whatever was drafted.
    """
    from ttabot.drafting import output

    if fmt == "diff" and not do_apply:
        diff = output.unified_diff(drafts, selection.root)
        # On a terminal it is read, not applied: escape sequences in it show as text.
        echo_out(printable(diff, lines=True) if on_terminal(sys.stdout) else diff)
    click.echo(output.summary(drafts), nl=False, err=True)
    written: list[str] = []
    skipped: list[str] = []
    applied: dict[str, Any] = {}
    failure: TtabotError | None = None
    if do_apply:
        try:
            written, skipped = output.apply(selection.root, drafts)
        except TtabotError as exc:  # nothing written: still print the drafts below
            failure = exc
        applied = {"written": written, "skipped": skipped}
        if failure is not None:
            applied["error"] = str(failure)
        # The repository chose these file names: no escape sequence reaches the terminal.
        for path in written:
            click.echo(f"ttabot: wrote {printable(path)}", err=True)
        for line in skipped:
            click.echo(f"ttabot: skipped {printable(line)}", err=True)
    if fmt == "json":
        # After --apply, so the document says what landed: an accepted draft may be skipped.
        extra: dict[str, Any] = {"metrics": metrics.as_dict()}
        if do_apply:
            extra["applied"] = applied
        echo_out(json_text(output.to_json(drafts, extra)) + "\n")
    if failure is not None:
        raise failure
    code = output.exit_code(drafts, skipped)
    if code == EXIT_DRAFT_NO_ANSWER:
        click.echo(
            "ttabot: no model answered: is the provider running and reachable, the key valid? "
            "('ttabot models --probe' asks each chain model once)",
            err=True,
        )
    return 0 if hook else code
