"""``--format json``: one object with ``findings``, ``warnings`` and ``summary``.

The shape is documented in docs/check.md; scripts rely on it, so fields are
only ever added, never renamed. A path that is not UTF-8 is written as git quotes
it (:func:`~ttabot.report.machine_path`); :func:`dumps` does the same for the
JSON documents of ``ttabot draft``. Both print ``##[`` as ``#\\u0023[``
(:func:`~ttabot.escaping.json_for_logs`): the same strings, but no workflow command
for a CI runner that reads the report in a log.
"""

from __future__ import annotations

import json
from typing import Any

from ttabot.escaping import json_for_logs
from ttabot.records import Finding
from ttabot.report import Report, machine_path, without_surrogates

#: Bumped only if a field changes meaning or disappears.
FORMAT_VERSION = 1


def render(report: Report) -> str:
    """The report as indented JSON text (with a trailing newline)."""
    return json_for_logs(json.dumps(as_dict(report), indent=2, ensure_ascii=False)) + "\n"


def as_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-able data."""
    result = report.result
    return {
        "version": FORMAT_VERSION,
        "source": report.description,
        "contract": report.contract,
        "findings": [finding_dict(f, report.fails(f)) for f in result.findings],
        "warnings": [{"path": machine_path(w.path), "message": w.message} for w in result.warnings],
        "summary": {
            "files_checked": result.files_checked,
            "findings": len(result.findings),
            "by_category": report.counts(),
            "failing": sum(1 for f in result.findings if report.fails(f)),
            "fail_on": sorted(c.value for c in report.fail_on),
            "failed": report.failed,
        },
    }


def finding_dict(finding: Finding, fails: bool) -> dict[str, Any]:
    """One finding as JSON-able data; ``details`` tuples become lists."""
    return {
        "category": finding.category.value,
        "path": machine_path(finding.path),
        "symbol": finding.symbol,
        "line": finding.line,
        "end_line": finding.end_line,
        "task": finding.task.value,
        "message": finding.message,
        "details": {k: list(v) if isinstance(v, tuple) else v for k, v in finding.details.items()},
        "fails": fails,
    }


#: Keys whose string values name a file, in the documents :func:`dumps` writes.
PATH_KEYS = frozenset({"path", "module"})


def dumps(document: Any) -> str:
    """``document`` as indented JSON text that is valid UTF-8 whatever names it holds.

    Strings under a key of :data:`PATH_KEYS` are written with
    :func:`~ttabot.report.machine_path`, every other string (and key) with lone
    surrogates as U+FFFD: ``json.dumps`` would write those as ``\\udcXX`` escapes,
    which strict JSON readers refuse.
    """
    return json_for_logs(json.dumps(_clean(document, None), indent=2))


def _clean(value: Any, key: str | None) -> Any:
    if isinstance(value, str):
        return machine_path(value) if key in PATH_KEYS else without_surrogates(value)
    if isinstance(value, dict):
        return {without_surrogates(str(k)): _clean(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item, key) for item in value]
    return value
