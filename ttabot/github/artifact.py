"""The report a fork PR's ``pull_request`` run hands to the privileged ``workflow_run`` job.

The ``pull_request`` run of a fork executes the fork's workflow file, so whatever
it uploads is the fork's to write. The publisher therefore treats the artifact
as hostile data: a size cap before parsing, a strict schema (known keys, types,
lengths, counts, categories, paths relative and plain: no ``..``), and nothing
from it but paths, symbols, lines and categories reaches the comment (messages are
ttabot's own, rebuilt here, and every string is shown as an inline code span).
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from ttabot.categories import CATEGORIES, TASK_FOR_CATEGORY
from ttabot.errors import TtabotError
from ttabot.records import Category, CheckResult, CheckWarning, Finding
from ttabot.review.report import link_safe

#: The artifact format's version; the publisher accepts only this one.
VERSION = 1
#: Bytes read from the artifact at most (a report of MAX_FINDINGS entries fits easily).
MAX_BYTES = 1_000_000
MAX_FINDINGS = 500
MAX_WARNINGS = 100
MAX_TEXT = 300
_SHA = re.compile(r"[0-9a-f]{40}")

#: The messages the publisher shows (the artifact's own are never shown).
MESSAGES = {category: info.relayed_message for category, info in CATEGORIES.items()}
#: The line shown for each warning: the artifact names its path only, so the line is
#: true of every warning ``check`` gives (a ``.py`` made a symbolic link is no parse error).
RELAYED_WARNING = "not checked: it does not parse or decode, or it is a symbolic link"


class PullReport(NamedTuple):
    """A validated report: which PR and head commit it claims, and what was found."""

    pull_request: int
    head_sha: str
    result: CheckResult


def to_json(pull_request: int, head_sha: str, result: CheckResult) -> str:
    """The artifact text for a PR's check result."""
    return json.dumps(
        {
            "version": VERSION,
            "pull_request": pull_request,
            "head_sha": head_sha,
            "findings": [
                {"category": f.category.value, "path": f.path, "symbol": f.symbol, "line": f.line}
                for f in result.findings[:MAX_FINDINGS]
            ],
            "warnings": [{"path": w.path} for w in result.warnings[:MAX_WARNINGS]],
        },
        indent=1,
    )


def _fail(why: str) -> TtabotError:
    return TtabotError(f"report artifact rejected: {why}")


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or "\n" in value:
        raise _fail(f"{where}.{key}: expected one line of text up to {MAX_TEXT} characters")
    return value


def _path(item: dict[str, Any], where: str) -> str:
    value = _text(item, "path", where)
    if not link_safe(value):
        # A finding links to {blob_url}/{path}: ``..`` would point it off the repository.
        raise _fail(
            f"{where}.path: expected a relative path of plain components "
            "(no leading /, no '..', '.' or empty component, no backslash or control character)"
        )
    return value


def _line(item: dict[str, Any], where: str) -> int:
    value = item.get("line")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000_000:
        raise _fail(f"{where}.line: expected a positive line number")
    return value


def _items(data: dict[str, Any], key: str, keys: set[str], limit: int) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or len(items) > limit:
        raise _fail(f"{key}: expected a list of at most {limit}")
    for n, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != keys:
            raise _fail(f"{key}[{n}]: expected exactly the keys {', '.join(sorted(keys))}")
    return items


def parse_report(data: bytes) -> PullReport:
    """Validate an artifact; one-line :class:`TtabotError` for anything off-schema."""
    if len(data) > MAX_BYTES:
        raise _fail(f"larger than {MAX_BYTES} bytes")
    try:
        doc = json.loads(data.decode("utf-8"))
    # ValueError also covers Python's refusal of a number over 4,300 digits, which
    # is not a JSONDecodeError (and neither is a RecursionError from deep nesting).
    except (ValueError, RecursionError):
        raise _fail("not UTF-8 JSON") from None
    expected = {"version", "pull_request", "head_sha", "findings", "warnings"}
    if not isinstance(doc, dict) or set(doc) != expected:
        raise _fail(f"expected an object with exactly {', '.join(sorted(expected))}")
    version = doc["version"]
    if isinstance(version, bool) or version != VERSION:
        # Named only when it is a small number: anything else is the fork's text.
        named = (
            f"version {version}" if isinstance(version, int) and 0 < version < 1000 else "version"
        )
        raise _fail(f"{named}: this ttabot reads version {VERSION}")
    number = doc["pull_request"]
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise _fail("pull_request: expected a PR number")
    sha = doc["head_sha"]
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise _fail("head_sha: expected a 40-digit commit SHA")
    findings = []
    keys = {"category", "path", "symbol", "line"}
    for n, item in enumerate(_items(doc, "findings", keys, MAX_FINDINGS)):
        where = f"findings[{n}]"
        try:
            category = Category(item["category"])
        except ValueError:
            raise _fail(f"{where}.category: not a finding category") from None
        path, symbol, line = (
            _path(item, where),
            _text(item, "symbol", where),
            _line(item, where),
        )
        findings.append(
            Finding(
                category,
                path,
                symbol,
                line,
                line,
                TASK_FOR_CATEGORY[category],
                MESSAGES[category],
            )
        )
    warnings = [
        CheckWarning(_path(item, f"warnings[{n}]"), RELAYED_WARNING)
        for n, item in enumerate(_items(doc, "warnings", {"path"}, MAX_WARNINGS))
    ]
    return PullReport(number, sha, CheckResult(tuple(findings), tuple(warnings)))
