"""What the Action leaves on the run itself: job summary, step outputs, annotations.

These work with a read-only token too, which is why they are the fallback when
ttabot may not write to the pull request (fork PRs, a 403 on write).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from ttabot.records import Finding


def append_file(path: str | None, text: str) -> None:
    """Append ``text`` to the file GitHub named (``GITHUB_STEP_SUMMARY``...), if any."""
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(text)


def render_outputs(outputs: Mapping[str, str]) -> str:
    """Step outputs in ``GITHUB_OUTPUT`` syntax; multi-line values get a random delimiter."""
    lines = []
    for name, value in outputs.items():
        if "\n" in value:
            # A fixed delimiter could be forged by the value itself.
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, level: str = "warning") -> str:
    """One ``::warning file=...,line=...::`` workflow command for a finding."""
    props = ",".join(
        (
            f"file={_escape_property(finding.path)}",
            f"line={finding.line}",
            f"endLine={max(finding.line, finding.end_line)}",
            f"title={_escape_property('ttabot ' + finding.category.value)}",
        )
    )
    return f"::{level} {props}::{_escape_data(finding.symbol + ': ' + finding.message)}"


def annotation_lines(findings: Iterable[Finding], failing: Iterable[str] = ()) -> str:
    """Workflow commands for all findings: ``error`` for failing categories, else ``warning``."""
    fail = set(failing)
    return "".join(
        annotation(f, "error" if f.category.value in fail else "warning") + "\n" for f in findings
    )
