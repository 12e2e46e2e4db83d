"""A fork's report artifact chooses where the sticky comment's finding links point.

The artifact's `path` is any one-line string up to 300 characters; the publisher shows it
as a code span (inert) but also builds the link `{blob_url}/{quote(path)}#L{line}`.
`quote` keeps `.` and `/`, so `../../../../attacker/repo/...` leaves the PR's blob view:
browsers drop the dot segments and the finding links to a page of the fork author's
choosing (github.com/attacker/...), in ttabot's comment on the base repository.
docs/github.md: "paths and symbols are shown as inline code"; the artifact is data.
So the artifact is refused whole, and the link builder links no such path anyway.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ttabot.categories import TASK_FOR_CATEGORY
from ttabot.errors import TtabotError
from ttabot.github.artifact import parse_report
from ttabot.records import Category, CheckResult, Finding
from ttabot.review.report import ReviewReport, link_safe, render_body

SHA = "b" * 40
BASE = f"https://github.com/owner/repo/blob/{SHA}"
ESCAPES = [
    "../../../../attacker/phish/blob/main/README.md",
    "pkg/../../../attacker/x.py",
    "/etc/passwd",
    "pkg//x.py",
    "pkg/./x.py",
    "./x.py",
    "pkg/",
    "..\\..\\attacker\\x.py",
    "pkg/\tx.py",
    "pkg/\x1b[0mx.py",
    "pkg/\x7fx.py",
]


def artifact(path: str, *, warning: bool = False) -> bytes:
    finding = {"category": "docs-missing", "path": path, "symbol": "f", "line": 1}
    doc: dict[str, Any] = {
        "version": 1,
        "pull_request": 7,
        "head_sha": SHA,
        "findings": [] if warning else [finding],
        "warnings": [{"path": path}] if warning else [],
    }
    return json.dumps(doc).encode()


@pytest.mark.parametrize("path", ESCAPES)
@pytest.mark.parametrize("warning", [False, True])
def test_an_artifact_path_that_could_leave_the_repository_is_refused(
    path: str, warning: bool
) -> None:
    with pytest.raises(TtabotError) as caught:
        parse_report(artifact(path, warning=warning))
    message = str(caught.value)
    assert message.startswith("report artifact rejected: ") and "\n" not in message
    assert ".path: expected a relative path" in message


def test_plain_paths_still_pass_and_link() -> None:
    for path in ("pkg/core.py", "a", "dir.d/..x/x..py", "pkg/ünï cödé.py", ".github/x.py"):
        report = parse_report(artifact(path))
        body = render_body(ReviewReport(SHA, report.result, blob_url=BASE))
        assert f"]({BASE}/" in body, path


@pytest.mark.parametrize("path", ESCAPES)
def test_the_link_builder_links_no_path_that_could_leave_the_repository(path: str) -> None:
    finding = Finding(
        Category.DOCS_MISSING,
        path,
        "f",
        1,
        1,
        TASK_FOR_CATEGORY[Category.DOCS_MISSING],
        "has no docstring",
    )
    body = render_body(ReviewReport(SHA, CheckResult((finding,), ()), blob_url=BASE))
    hrefs = re.findall(r"\]\((https?://[^)\s]+)\)", body)
    resolved = [_normalise(h) for h in hrefs]
    assert all(r.startswith("https://github.com/owner/repo/") for r in resolved), resolved
    assert not hrefs and not link_safe(path)
    assert "`f`: has no docstring" in body  # still listed, as a code span


def _normalise(url: str) -> str:
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    out: list[str] = []
    for part in re.split(r"[/\\]|%5C", path):
        if part == "..":
            if out:
                out.pop()
        elif part != ".":
            out.append(part)
    return f"{scheme}://{host}/" + "/".join(out)
