"""What a GitHub Actions runner reads as workflow commands in a step's output (a test oracle).

The runner reads stdout and stderr line by line (``\\r``, ``\\n`` or ``\\r\\n`` end a
line) and tries each line twice: as ``::name props::data`` once leading whitespace
is trimmed, else as the older ``##[name props]data`` found *anywhere* in the line.
Only registered command names count. This mirrors that reading, so a test can ask
which commands some output would give, without a runner.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The runner's registered commands (plus stop-commands), as its command manager lists them.
REGISTERED = frozenset(
    {
        "add-mask",
        "add-matcher",
        "add-path",
        "debug",
        "echo",
        "endgroup",
        "error",
        "group",
        "notice",
        "remove-matcher",
        "save-state",
        "set-env",
        "set-output",
        "stop-commands",
        "warning",
    }
)

_LINE_END = re.compile(r"\r\n|\r|\n")


class WorkflowCommand(NamedTuple):
    """One command the runner would run: its name, properties and data (unescaped)."""

    name: str
    properties: dict[str, str]
    data: str


def _unescape(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    for escaped, raw in pairs:
        text = text.replace(escaped, raw)
    return text


_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
_V1 = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))


def _v2(line: str) -> WorkflowCommand | None:
    message = line.lstrip()  # .NET's TrimStart: every Unicode white space
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, props = info.partition(" ")
    if name.lower() not in REGISTERED:
        return None
    properties = {}
    for item in props.strip().split(","):
        key, sep, value = item.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, _PROPERTY)
    return WorkflowCommand(name.lower(), properties, _unescape(message[end + 2 :], _DATA))


def _v1(line: str) -> WorkflowCommand | None:
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    name, _, props = line[start + 3 : close].partition(" ")
    if name.lower() not in REGISTERED:
        return None
    properties = {}
    for item in props.split(";"):
        key, sep, value = item.partition("=")
        if sep and key and value:
            properties[key] = _unescape(value, _V1)
    return WorkflowCommand(name.lower(), properties, _unescape(line[close + 1 :], _V1))


def workflow_commands(output: str) -> list[WorkflowCommand]:
    """Every command a runner would read in ``output``, in order."""
    found = []
    for line in _LINE_END.split(output):
        command = _v2(line) or _v1(line)
        if command is not None:
            found.append(command)
    return found
