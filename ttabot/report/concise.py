"""``--format concise``: one finding a line, ``path:line: category message``, like ruff's.

Editors and ``grep`` read it; warnings follow as ``path: warning: message``.
Findings that fail the run end with `` (fails)``; colour only when asked.
"""

from __future__ import annotations

from ttabot.report import Report, printable


def render(report: Report) -> str:
    """Each finding on one line (path, then line order), then warnings."""
    lines: list[str] = []
    findings = sorted(report.result.findings, key=lambda f: (f.path, f.line, f.category.value))
    if report.quiet:
        findings = [f for f in findings if report.fails(f)]
    for finding in findings:
        fails = report.fails(finding)
        category = finding.category.value
        if report.color:
            import click  # only for colour: the hook's fast path imports no click

            category = click.style(category, fg="red" if fails else "yellow", bold=fails)
        mark = " (fails)" if fails else ""
        where, message = printable(finding.path), printable(finding.message)
        lines.append(f"{where}:{finding.line}: {category} {message}{mark}")
    for warning in report.result.warnings:
        lines.append(f"{printable(warning.path)}: warning: {printable(warning.message)}")
    return "".join(line + "\n" for line in lines)
