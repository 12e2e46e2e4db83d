"""What the Action leaves on the run itself: the job summary and the step outputs.

These need no token, which is why they (with annotations from
``ttabot.report.annotations``) are the fallback when ttabot may not write to the
pull request (fork PRs, a 403 on write).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path


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
