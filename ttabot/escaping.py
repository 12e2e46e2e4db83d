"""Others' text made safe to print: one policy for every line ttabot shows, in one place.

What ttabot prints quotes bytes it did not choose: a change's file and symbol names,
a model's answers and errors, a provider's model ids, settings from a project's
files. Two readers act on such bytes instead of showing them:

- a **terminal** obeys control characters: ``ESC ] 52`` writes the clipboard, ``ESC ] 8``
  makes a link, CSI sequences hide, move or erase text, ``\\r`` overwrites a line,
  bidirectional controls reorder it;
- a **CI runner** obeys workflow commands in a step's stdout *and* stderr: GitHub
  Actions reads ``::name props::data`` at the start of a line (after any white
  space) and the older ``##[name props]data`` anywhere in a line, so a quoted
  ``::add-mask::``, ``##[stop-commands]…`` or ``##[set-output …]`` would mask
  text, switch off ttabot's own annotations or set a step's output.

The policy: every line for people goes through :func:`printable`, which shows control
characters as escapes (``\\x1b``) and breaks each workflow-command opener
(``\\x3a:``, ``\\x23#[``). Text on stdout is escaped where it is rendered, since
stdout also carries data for programs (JSON, SARIF, an answer piped on); stderr
carries only lines for people, so :class:`HumanStream` guards it once, for every
message, warning and log record (:func:`ttabot.cli.main`). Machine formats keep
their values exactly: :func:`json_for_logs` only respells characters inside JSON
strings as ``\\uXXXX`` escapes.
The workflow commands ttabot means to give are built, with GitHub's own escaping,
in :mod:`ttabot.report.annotations`. Everything here is pure but the stream.
"""

from __future__ import annotations

import re
from typing import Any

#: C0 and C1 control characters (and DEL): what a terminal may take as a command.
_CONTROL = {n: f"\\x{n:02x}" for n in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})
#: Bidirectional marks and overrides ("Trojan Source": text shown in another order than
#: it is) and the Unicode line and paragraph separators (a line break to some viewers).
_CONTROL.update(
    {
        n: f"\\u{n:04x}"
        for n in (0x061C, 0x200E, 0x200F, *range(0x2028, 0x202F), *range(0x2066, 0x206A))
    }
)

#: The same, keeping line breaks and tabs: for many-line text such as a model's answer.
_CONTROL_BUT_LINES = {n: e for n, e in _CONTROL.items() if n not in (0x09, 0x0A)}

#: What opens a workflow command: ``::`` where a line starts (after white space, which
#: the runner trims, Unicode's included) and ``##[`` anywhere. Group 1: the white space.
_COMMAND_OPENER = re.compile(r"^([^\S\n]*):(?=:)|#(?=#\[)", re.MULTILINE)


def _break_opener(match: re.Match[str]) -> str:
    space = match.group(1)
    return "\\x23" if space is None else f"{space}\\x3a"


def on_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal; False for a closed one (``>&-`` makes it None)."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (OSError, ValueError):  # ValueError: a closed file object
        return False


def printable(text: str, *, lines: bool = False) -> str:
    """``text`` as a line for people: control characters and workflow commands shown, not obeyed.

    Each control character shows as an escape (:func:`controls_shown`). A workflow
    command's opener loses its first character to an escape (``\\x3a:``,
    ``\\x23#[``), so CI logs show the text and the runner obeys none of it. ``lines``
    keeps newlines and tabs, and breaks an opener on every line. Printing the result
    again changes nothing.
    """
    shown = controls_shown(text, lines=lines)
    if ":" in shown or "#" in shown:
        shown = _COMMAND_OPENER.sub(_break_opener, shown)
    return shown


def controls_shown(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``), for a terminal.

    File names and messages may quote a change's own bytes; printed raw, an escape
    sequence in a file name would retitle the terminal, erase lines or set the clipboard.
    ``lines`` keeps newlines and tabs as they are (a carriage return is still shown:
    it would let text overwrite the line before it). Only for text inside a line that
    is ttabot's own workflow command (:mod:`ttabot.report.annotations`); any other
    line for people goes through :func:`printable`.

    A name that is not UTF-8 holds surrogates (``surrogateescape``), which no
    stream that encodes strictly can write: each shows as U+FFFD, as in reports.
    """
    shown = text.translate(_CONTROL_BUT_LINES if lines else _CONTROL)
    if shown.isascii():
        return shown
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in shown)


#: Characters JSON may carry raw that a terminal or a log viewer acts on: DEL and the
#: C1 controls (U+009B is an 8-bit CSI), bidi marks and overrides, line separators.
_JSON_UNSHOWN = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def json_for_logs(text: str) -> str:
    """JSON ``text`` as the same data that neither a terminal nor a CI runner obeys.

    ``json.dumps`` escapes only C0 controls; every other character :data:`_JSON_UNSHOWN`
    names is spelled ``\\uXXXX`` too, and each ``##[`` as ``#\\u0023[``. Outside
    strings JSON has none of these characters, and inside one ``\\u0023`` is ``#`` to
    every reader; a runner reading a report printed to a CI log no longer sees a
    command. (An indented or one-line JSON text never starts a line with ``::``.)
    """
    shown = _JSON_UNSHOWN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return shown.replace("##[", "#\\u0023[")


class HumanStream:
    """A text stream for people (stderr): everything written is :func:`printable` first.

    The one guard for every line ttabot writes there, whoever writes it (click, a
    logging handler, a warning). Everything but writing is the wrapped stream's own
    (``isatty``, ``flush``, ``encoding``...), except ``buffer``: bytes written to it
    would pass unguarded, and click falls back to this text stream without one.
    """

    def __init__(self, stream: Any) -> None:
        self.wrapped = stream

    def write(self, text: str) -> int:
        """Write ``text`` with its control characters and workflow commands shown."""
        if not isinstance(text, str):
            return int(self.wrapped.write(text))  # bytes: refused as the stream refuses them
        self.wrapped.write(printable(text, lines=True))
        return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self.wrapped, name)
