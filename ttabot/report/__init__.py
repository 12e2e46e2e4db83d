"""Reports of a check: text for people, JSON, SARIF and GitHub annotations for machines.

Each format is one module with ``render(report) -> str``; :func:`render`
imports only the one asked for, so text output pays for no JSON machinery.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import NamedTuple

from ttabot.escaping import on_terminal as on_terminal
from ttabot.escaping import printable as printable
from ttabot.records import Category, CheckResult, Finding

#: format name -> module under ttabot.report
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "annotations",
    "concise": "concise",
}


def machine_path(name: str) -> str:
    """``name`` for a machine-readable report: as it is when it is UTF-8 text; else quoted
    the way git quotes it (``"caf\\351.py"``: in double quotes, C-style octal escapes).

    A name that is not UTF-8 reaches ttabot holding surrogates (``surrogateescape``),
    which no UTF-8 text can carry: written raw they make invalid JSON, replaced (U+FFFD)
    they lose the name. git's quoting keeps every byte, and any C-style unquote gives
    them back. A name that starts with a double quote is quoted too, so a path that
    starts with one is always a quoted name.
    """
    from ttabot.gitnames import quote

    if name.startswith('"') or _SURROGATE.search(name):
        return quote(name)
    return name


#: A character ``surrogateescape`` made of a byte that is not UTF-8 (or any lone surrogate).
_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (a byte that was not UTF-8) as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


class Report(NamedTuple):
    """What every format shows: the result, the policy it was judged by, and its source.

    A NamedTuple: immutable like a frozen dataclass, and far cheaper to define
    at import time on the pre-commit path.
    """

    result: CheckResult
    fail_on: frozenset[Category]
    description: str = ""
    color: bool = False
    #: The Findings contract version the result follows (docs/findings.md).
    contract: int = 2
    #: Decides per finding when set (per-path settings, ``fail-on-scope``;
    #: :func:`ttabot.policy.failing_policy`); else the category decides.
    policy: Callable[[Finding], bool] | None = None
    #: ``--quiet``: people's formats show only findings that fail the run and
    #: warnings, and no summary (machine formats are unchanged).
    quiet: bool = False

    def fails(self, finding: Finding) -> bool:
        """True when ``finding`` fails the run."""
        if self.policy is not None:
            return self.policy(finding)
        return finding.category in self.fail_on

    @property
    def failed(self) -> bool:
        """True when some finding fails the run (exit code 1)."""
        return any(self.fails(f) for f in self.result.findings)

    @property
    def exit_code(self) -> int:
        """0 when no finding fails the policy, 1 when some do."""
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        """Findings per category, every category present (zeros included)."""
        out = {category.value: 0 for category in Category}
        for finding in self.result.findings:
            out[finding.category.value] += 1
        return out


def render(fmt: str, report: Report) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`)."""
    module = importlib.import_module(f"ttabot.report.{FORMATS[fmt]}")
    text = module.render(report)
    assert isinstance(text, str)
    # A path that is not UTF-8 reaches us as surrogates (surrogateescape); no output
    # stream can encode those, so they become U+FFFD rather than a crash.
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
