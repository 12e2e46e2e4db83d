"""``--format github``: workflow commands that GitHub Actions shows as annotations.

``::error file=PATH,line=N,endLine=M,title=TITLE::MESSAGE`` for findings that
fail the run, ``::warning`` for the others and for input warnings. Values are
escaped as the Actions toolkit does, so a ``,`` or ``:`` in a symbol or a
newline in a message cannot end a property or the command early. Other control
characters (a file name's escape sequences) are shown as escapes first, as the
text report shows them: GitHub's escaping has no form for them, and raw they
would reach the workflow log and any terminal the output is read in. A line that is
a command already is never read for another (the runner tries ``##[`` only on lines
that are none), so ``::`` and ``##[`` inside values stay as they are.
"""

from __future__ import annotations

from ttabot.escaping import controls_shown
from ttabot.report import Report


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, ``\\r`` and ``\\n``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int) -> str:
    """One workflow command line, e.g. ``::warning file=a.py,line=3::text``."""
    props = ",".join(
        f"{key}={escape_property(controls_shown(str(value), lines=True))}"
        for key, value in properties.items()
    )
    head = f"::{level} {props}" if props else f"::{level}"
    return f"{head}::{escape_data(controls_shown(message, lines=True))}"


def render(report: Report) -> str:
    """One annotation per finding and per warning."""
    lines = []
    for finding in report.result.findings:
        level = "error" if report.fails(finding) else "warning"
        lines.append(
            command(
                level,
                finding.message,
                file=finding.path,
                line=finding.line,
                endLine=finding.end_line,
                title=f"ttabot {finding.category.value}: {finding.symbol}",
            )
        )
    for warning in report.result.warnings:
        lines.append(command("warning", warning.message, file=warning.path, title="ttabot"))
    return "".join(line + "\n" for line in lines)
