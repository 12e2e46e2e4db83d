"""The review flow end to end against the in-memory forge: the seam a second forge would use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from tests.support.memory_forge import MemoryForge, MemoryJob
from ttabot.config import Settings
from ttabot.records import Category
from ttabot.review.labels import triage_issue
from ttabot.review.obey import obey_comment
from ttabot.review.pull import Ask, review_pull
from ttabot.review.records import Comment, Issue, JobResult, PullRequest
from ttabot.review.report import STICKY_MARKER

REPO = "owner/project"
ALLOWED = ("OWNER", "MEMBER", "COLLABORATOR")


def pull_request(repo: GitRepo, *, fork: bool = False) -> PullRequest:
    base = repo.commit("base", **{"pkg__core.py": "def old():\n    '''Old.'''\n    return 1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit(
        "add add",
        **{
            "pkg__core.py": "def old():\n    '''Old.'''\n    return 1\n\n\ndef add(a, b):\n"
            "    return a + b\n"
        },
    )
    head_repo = "stranger/project" if fork else REPO
    return PullRequest(7, head, "feature", head_repo, base, "main", REPO)


def test_a_review_posts_one_sticky_report_and_edits_it_in_place(repo: GitRepo) -> None:
    pr = pull_request(repo)
    forge = MemoryForge(pulls={7: pr})
    job = MemoryJob(repo.path)
    first = review_pull(job, forge, pr, Ask("comment"), can_write=True, may_run_code=True)
    second = review_pull(job, forge, pr, Ask("comment"), can_write=True, may_run_code=True)
    assert list(forge.reports) == [7]
    body = forge.reports[7]
    assert body.startswith(STICKY_MARKER) and "pkg/core.py" in body and "add" in body
    assert f"memory://blob/{pr.head_sha}/pkg/core.py" in body
    assert first.outcome.comment_url == second.outcome.comment_url == "memory://pulls/7#report"
    assert first.outcome.findings >= 1 and first.outcome.failed  # docs-missing fails by default
    assert any(f.category is Category.DOCS_MISSING for f in first.checked.findings)
    assert STICKY_MARKER not in first.outcome.summary


def test_a_read_only_review_writes_nothing(repo: GitRepo) -> None:
    pr = pull_request(repo, fork=True)
    forge = MemoryForge(pulls={7: pr})
    done = review_pull(
        MemoryJob(repo.path), forge, pr, Ask("comment"), can_write=False, may_run_code=False
    )
    assert forge.reports == {} and forge.suggestions == [] and forge.commits == []
    assert done.outcome.comment_url == ""
    assert "cannot write to this PR" in done.outcome.summary


def test_a_refused_write_degrades_to_the_summary(repo: GitRepo) -> None:
    pr = pull_request(repo)
    forge = MemoryForge(pulls={7: pr}, refuse_writes=True)
    done = review_pull(
        MemoryJob(repo.path), forge, pr, Ask("comment"), can_write=True, may_run_code=True
    )
    assert forge.reports == {} and done.outcome.comment_url == ""
    assert "memory forge refused a write (403 read-only)" in done.outcome.summary


def test_narrowing_keeps_only_what_was_asked(repo: GitRepo) -> None:
    pr = pull_request(repo)
    forge = MemoryForge(pulls={7: pr})
    ask = Ask("comment", frozenset({Category.DOCS_MISSING}), "pkg/core.py", "add")
    done = review_pull(MemoryJob(repo.path), forge, pr, ask, can_write=True, may_run_code=True)
    assert {(f.category, f.symbol) for f in done.checked.findings} == {
        (Category.DOCS_MISSING, "add")
    }


@dataclass
class Handlers:
    """Records which verb work was asked for; does none of it."""

    reviews: list[tuple[PullRequest, Ask, bool]] = field(default_factory=list)
    triaged: list[int] = field(default_factory=list)

    def review(self, pr: PullRequest, ask: Ask, *, may_run_code: bool) -> JobResult:
        self.reviews.append((pr, ask, may_run_code))
        return JobResult(findings=1, summary="reviewed\n", failed=True)

    def triage(self, issue: Issue) -> JobResult:
        self.triaged.append(issue.number)
        return JobResult(summary="triaged\n")

    def implement(self, issue: Issue, comment_id: int) -> JobResult:
        raise AssertionError("implement is not asked for in these tests")


def same_repo_pr() -> PullRequest:
    return PullRequest(7, "h" * 40, "feature", REPO, "b" * 40, "main", REPO)


def comment(body: str, author: str = "carol", association: str = "COLLABORATOR") -> Comment:
    return Comment(99, body, author, "User", association)


PR_ISSUE = Issue(7, "Add add", "", is_pull_request=True)


def test_a_read_only_commander_is_refused_with_one_reply_and_nothing_run() -> None:
    forge = MemoryForge(pulls={7: same_repo_pr()}, roles={"carol": "read"})
    handlers = Handlers()
    done = obey_comment(
        forge,
        handlers,
        PR_ISSUE,
        comment("/ttabot docs"),
        mode="suggest",
        allowed_associations=ALLOWED,
    )
    assert handlers.reviews == [] and forge.reactions == []
    assert len(forge.replies) == 1 and "ttabot did nothing" in forge.replies[0][2]
    assert "@carol has read" in done.summary and done.comment_url


@pytest.mark.parametrize(
    "who",
    [
        comment("/ttabot docs", association="NONE"),
        Comment(99, "/ttabot docs", "helper[bot]", "Bot", "MEMBER"),
        comment("<!-- ttabot: -->\n/ttabot docs"),
    ],
)
def test_strangers_bots_and_ttabot_itself_are_not_obeyed(who: Comment) -> None:
    forge = MemoryForge(pulls={7: same_repo_pr()}, roles={"carol": "admin"})
    handlers = Handlers()
    done = obey_comment(
        forge, handlers, PR_ISSUE, who, mode="suggest", allowed_associations=ALLOWED
    )
    assert "command ignored" in done.summary
    assert forge.replies == [] and forge.reactions == [] and forge.permission_asked == []
    assert handlers.reviews == []


def test_a_fork_pr_never_gets_code_running_drafts() -> None:
    fork = PullRequest(7, "h" * 40, "feature", "stranger/project", "b" * 40, "main", REPO)
    forge = MemoryForge(pulls={7: fork}, roles={"carol": "write"})
    handlers = Handlers()
    done = obey_comment(
        forge,
        handlers,
        PR_ISSUE,
        comment("/ttabot tests"),
        mode="suggest",
        allowed_associations=ALLOWED,
    )
    assert handlers.reviews == [] and done.failed is False
    assert "not drafted for fork PRs" in forge.replies[0][2]
    assert forge.reactions == [(99, "eyes"), (99, "confused")]


def test_a_writer_command_is_narrowed_and_acknowledged() -> None:
    forge = MemoryForge(pulls={7: same_repo_pr()}, roles={"carol": "write"})
    handlers = Handlers()
    done = obey_comment(
        forge,
        handlers,
        PR_ISSUE,
        comment("/ttabot docs ./pkg/core.py::add"),
        mode="commit",
        allowed_associations=ALLOWED,
    )
    [(pr, ask, may_run)] = handlers.reviews
    assert ask == Ask("commit", frozenset({Category.DOCS_MISSING}), "pkg/core.py", "add")
    assert pr.number == 7 and may_run
    # The review's findings are not a failure of the comment's job.
    assert done.findings == 1 and done.failed is False
    assert forge.reactions == [(99, "eyes"), (99, "confused")]


def test_issue_verbs_go_to_their_handler_and_pr_verbs_do_not_work_on_issues() -> None:
    forge = MemoryForge(roles={"carol": "write"})
    handlers = Handlers()
    issue = Issue(3, "Crash", "", is_pull_request=False)
    obey_comment(
        forge,
        handlers,
        issue,
        comment("/ttabot triage"),
        mode="comment",
        allowed_associations=ALLOWED,
    )
    assert handlers.triaged == [3]
    done = obey_comment(
        forge,
        handlers,
        issue,
        comment("/ttabot docs"),
        mode="comment",
        allowed_associations=ALLOWED,
    )
    assert "Unknown command `docs`" in forge.replies[-1][2] and not done.failed
    assert forge.reactions[-1] == (99, "confused")


def test_triage_adds_fitting_labels_but_never_one_a_person_removed(tmp_path: Path) -> None:
    job = MemoryJob(tmp_path, Settings())
    issue = Issue(5, "Crash when saving", "Traceback: it fails with an error", False)
    forge = MemoryForge(roles={})
    done = triage_issue(job, forge, issue)
    assert forge.labels[5] and "labelled #5" in done.summary
    taken_off = MemoryForge(removed={5: frozenset(label.lower() for label in forge.labels[5])})
    again = triage_issue(job, taken_off, issue)
    assert taken_off.labels == {} and "no triage label fits" in again.summary
    offline = triage_issue(job, None, issue)
    assert "already has" in offline.summary  # reported only: nothing can be written


def test_an_unknown_verb_is_echoed_inert_and_bounded() -> None:
    # Any org MEMBER may give a verb that needs no write permission. The unknown verb
    # was echoed between single backticks: one with its own backticks broke out and
    # made the bot ping a team and show an image; a 60,000-character one was echoed whole.
    forge = MemoryForge(pulls={7: same_repo_pr()}, roles={})
    verb = "x`@org/everyone`<img/src=//evil.example/t.png>"
    obey_comment(
        forge,
        Handlers(),
        PR_ISSUE,
        comment(f"/ttabot {verb}", association="MEMBER"),
        mode="comment",
        allowed_associations=ALLOWED,
    )
    reply = forge.replies[-1][2]
    shown = reply.split("\n", 1)[0]
    assert shown == "Unknown command ``x`@org/everyone`<img/src=//evil.example/t.png>`` here."
    obey_comment(
        forge,
        Handlers(),
        PR_ISSUE,
        comment("/ttabot " + "y" * 60_000, association="MEMBER"),
        mode="comment",
        allowed_associations=ALLOWED,
    )
    assert len(forge.replies[-1][2]) < 2_000
