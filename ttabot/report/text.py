"""The report for people: findings grouped by file, colour only on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from ttabot.categories import CATEGORIES
from ttabot.report import Report, printable

_Style = Callable[..., str]


def render(report: Report) -> str:
    """Findings grouped by file (in path order, then line), warnings, and a one-line summary."""
    result = report.result
    lines: list[str] = []
    style = _styler(report.color)
    findings = sorted(result.findings, key=lambda f: (f.path, f.line, f.category.value))
    if report.quiet:
        findings = [f for f in findings if report.fails(f)]
    for path, group in groupby(findings, key=lambda f: f.path):
        lines.append(style(printable(path), bold=True))
        for finding in group:
            mark = style(" (fails)", fg="red", bold=True) if report.fails(finding) else ""
            category = style(f"{finding.category.value:<12}", fg=CATEGORIES[finding.category].color)
            # Every message names its symbol already (`Parser.parse` has no docstring...).
            lines.append(f"  {finding.line:>5}  {category}  {printable(finding.message)}{mark}")
    for warning in result.warnings:
        label = style("warning:", fg="yellow")
        lines.append(f"{label} {printable(warning.path)}: {printable(warning.message)}")
    if not report.quiet:
        lines.append(_summary(report, style))
    return "".join(line + "\n" for line in lines)


def _summary(report: Report, style: _Style) -> str:
    result = report.result
    checked = _plural(result.files_checked, "Python file")
    # The description quotes a range or a file name: a branch name may hold a bidi override.
    where = f" in {printable(report.description)}" if report.description else ""
    if not result.findings:
        return style(f"Nothing left undone{where} ({checked} checked).", fg="green")
    parts = ", ".join(f"{n} {name}" for name, n in report.counts().items() if n)
    text = f"{_plural(len(result.findings), 'finding')}{where} ({parts}; {checked} checked)"
    failing = sum(1 for f in result.findings if report.fails(f))
    if not failing:
        return text + "; none fails the run."
    policy = ",".join(sorted(c.value for c in report.fail_on))
    return text + "; " + style(f"{failing} fail the run (fail-on: {policy}).", fg="red")


def _styler(color: bool) -> _Style:
    """``click.style`` when colour is on, the identity otherwise.

    click is imported only for colour: the pre-commit hook's output is not a
    terminal, and its fast path (ttabot.entry) imports no click.
    """
    if not color:
        return _unstyled
    import click

    def style(text: str, fg: str | None = None, bold: bool | None = None) -> str:
        return click.style(text, fg=fg, bold=bold)

    return style


def _unstyled(text: str, fg: str | None = None, bold: bool | None = None) -> str:
    return text


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
