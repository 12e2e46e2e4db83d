"""The error types that reach the user as a clean message, and every exit code ttabot uses.

Each command documents its codes (docs/check.md, docs/draft.md, docs/models.md);
they are all defined here, once, so two meanings never share a name. An
exception that ends a run carries its code (like click's ``exit_code``), and the
CLI has one handler that prints its line and returns that code.
"""

from __future__ import annotations

import signal

#: Success: nothing failed.
EXIT_OK = 0
#: ``check`` / ``action``: at least one finding fails the ``fail-on`` policy.
EXIT_FINDINGS = 1
#: ``draft`` / ``models --probe``: something asked for did not happen (a rejected
#: draft, a skipped file, a model that did not answer while others did).
EXIT_INCOMPLETE = 1
#: stdout was closed early (piped to ``head``): quiet, but not success.
EXIT_BROKEN_PIPE = 1
#: Usage and input errors: one ``ttabot: error:`` line, never a traceback.
EXIT_USAGE = 2
#: ``ask``: no model could answer a prompt (documented as 1 in docs/models.md).
EXIT_ASK_NO_ANSWER = 1
#: ``draft``: no model answered any request; like having no model (docs/draft.md).
EXIT_DRAFT_NO_ANSWER = 2
#: Stopped by a signal: 128 + its number (the shell's convention).
EXIT_SIGNAL_BASE = 128
#: Stopped by SIGINT (Ctrl-C), or a prompt aborted.
EXIT_INTERRUPTED = EXIT_SIGNAL_BASE + signal.SIGINT
#: Stopped by SIGTERM.
EXIT_TERMINATED = EXIT_SIGNAL_BASE + signal.SIGTERM


class TtabotError(Exception):
    """A problem with the user's input or environment.

    The CLI prints ``ttabot: error: <message>`` on one line and exits with
    :attr:`exit_code` (:data:`EXIT_USAGE`); no traceback is shown.
    """

    #: The process's exit code when this error ends the run.
    exit_code: int = EXIT_USAGE


class Stopped(Exception):
    """ttabot was stopped by a signal (``args[0]``); the CLI exits with 128 + that number.

    Not a ``KeyboardInterrupt``: click would turn that into its own "Aborted!".
    """

    @property
    def signum(self) -> int:
        """The signal's number (SIGINT when none was given)."""
        first = self.args[0] if self.args else None
        return first if isinstance(first, int) else int(signal.SIGINT)

    @property
    def exit_code(self) -> int:
        """128 + the signal's number: :data:`EXIT_INTERRUPTED` or :data:`EXIT_TERMINATED`."""
        return EXIT_SIGNAL_BASE + self.signum
