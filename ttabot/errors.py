"""The one error type that reaches the user as a clean message."""

from __future__ import annotations


class TtabotError(Exception):
    """A problem with the user's input or environment.

    The CLI prints ``ttabot: error: <message>`` on one line and exits with
    :data:`EXIT_USAGE`; no traceback is shown.
    """


#: Exit code for usage and input errors.
EXIT_USAGE = 2


class Stopped(Exception):
    """ttabot was stopped by a signal (``args[0]``); the CLI exits with 128 + that number.

    Not a ``KeyboardInterrupt``: click would turn that into its own "Aborted!".
    """
