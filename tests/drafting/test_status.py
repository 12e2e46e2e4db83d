"""One status enum for every draft, used by the JSON and by the PR comment alike."""

from __future__ import annotations

import pytest

from ttabot.drafting.output import draft_record
from ttabot.records import (
    NO_ANSWER_STAGE,
    Category,
    CheckResult,
    Draft,
    DraftStatus,
    Finding,
    TaskKind,
    ValidationStage,
)
from ttabot.review.report import ReviewReport, render_body

FINDING = Finding(Category.REFACTOR, "m.py", "f", 1, 2, TaskKind.REFACTORING, "complex")


def make(accepted: bool, applicable: bool, stage: ValidationStage) -> Draft:
    return Draft(
        TaskKind.REFACTORING,
        (FINDING,),
        "m.py",
        "a\n",
        "b\n",
        accepted,
        (stage,),
        None,
        0,
        applicable=applicable,
    )


@pytest.mark.parametrize(
    ("draft", "status"),
    [
        (make(True, True, ValidationStage("tests-after", True)), DraftStatus.ACCEPTED),
        (make(True, False, ValidationStage("tests-before", False)), DraftStatus.SUGGESTION),
        (make(False, False, ValidationStage("parses", False)), DraftStatus.REJECTED),
        (make(False, False, ValidationStage(NO_ANSWER_STAGE, False)), DraftStatus.NO_ANSWER),
    ],
)
def test_the_pr_comment_shows_the_same_status_as_the_json(
    draft: Draft, status: DraftStatus
) -> None:
    assert draft.status is status
    assert draft_record(draft)["status"] == status.value
    body = render_body(ReviewReport("abc", CheckResult((FINDING,)), drafts=(draft,)))
    assert f"**{status.value}**" in body
