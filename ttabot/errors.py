"""The one error type that reaches the user as a clean message."""

from __future__ import annotations


class TtabotError(Exception):
    """A problem with the user's input or environment.

    The CLI prints ``ttabot: error: <message>`` on one line and exits with
    :data:`EXIT_USAGE`; no traceback is shown.
    """


#: Exit code for usage and input errors.
EXIT_USAGE = 2
