"""Committing drafts to a PR branch: fast-forward only, never forks, never a moved branch."""

from __future__ import annotations

from tests.github.conftest import Hub
from tests.support.fake_github import Fault, PullState
from tests.support.loopback import Reply, Request
from ttabot.github.commit import TRAILER, commit_drafts, commit_message
from ttabot.github.event import PullRequest
from ttabot.records import Category, Draft, Finding, TaskKind

HEAD, BASE = "a" * 40, "b" * 40


def pr(head_repo: str = "octo/proj") -> PullRequest:
    return PullRequest(4, HEAD, "feature", head_repo, BASE, "main", "octo/proj")


def draft(accepted: bool = True, applicable: bool = True) -> Draft:
    f = Finding(Category.DOCS_MISSING, "m.py", "f", 1, 2, TaskKind.DOCUMENTATION, "m")
    return Draft(
        TaskKind.DOCUMENTATION,
        (f,),
        "m.py",
        "def f():\n    pass\n",
        'def f():\n    """Do f."""\n',
        accepted,
        (),
        "openrouter:m",
        1,
        applicable=applicable,
    )


def test_fast_forward_commit_with_trailer(hub: Hub) -> None:
    hub.fake.add_pull(PullState(4, HEAD, "feature", BASE))
    outcome = commit_drafts(hub.api, "octo/proj", pr(), [draft(), draft(accepted=False)])
    assert outcome.sha is not None
    assert hub.fake.refs["feature"] == outcome.sha
    commit = hub.fake.commits[outcome.sha]
    assert commit["parents"] == [HEAD]
    assert commit["message"].rstrip().endswith(TRAILER)
    (tree,) = hub.fake.trees.values()
    assert tree["tree"] == [
        {"path": "m.py", "mode": "100644", "type": "blob", "content": 'def f():\n    """Do f."""\n'}
    ]


def test_moved_branch_gets_no_commit(hub: Hub) -> None:
    hub.fake.add_pull(PullState(4, HEAD, "feature", BASE))
    hub.fake.refs["feature"] = "c" * 40  # someone pushed after the analysis
    outcome = commit_drafts(hub.api, "octo/proj", pr(), [draft()])
    assert outcome.sha is None and "moved" in outcome.message
    assert hub.fake.refs["feature"] == "c" * 40
    assert hub.fake.writes == []


def test_branch_moving_during_the_commit_is_refused_by_github(hub: Hub) -> None:
    hub.fake.add_pull(PullState(4, HEAD, "feature", BASE))

    def push_meanwhile(request: Request) -> None:
        if request.method == "POST" and request.path.endswith("/git/commits"):
            hub.fake.refs["feature"] = "d" * 40

    # The ref check passes, then someone pushes before the ref update: GitHub answers 422.
    hub.fake.hooks.append(push_meanwhile)
    outcome = commit_drafts(hub.api, "octo/proj", pr(), [draft()])
    assert outcome.sha is None and "moved" in outcome.message
    assert hub.fake.refs["feature"] == "d" * 40


def test_lost_reply_on_ref_update_is_not_an_error(hub: Hub) -> None:
    hub.fake.add_pull(PullState(4, HEAD, "feature", BASE))
    hub.fake.faults.append(
        Fault(
            "PATCH",
            r"/repos/octo/proj/git/refs/heads/feature",
            Reply(502, {"message": "Bad Gateway"}),
            after=True,
        )
    )
    outcome = commit_drafts(hub.api, "octo/proj", pr(), [draft()])
    assert outcome.sha is not None and hub.fake.refs["feature"] == outcome.sha
    assert [m for m, p in hub.fake.writes if "refs" in p] == ["PATCH"]


def test_fork_and_nothing_valid_get_no_write(hub: Hub) -> None:
    hub.fake.add_pull(PullState(4, HEAD, "feature", BASE, head_repo="fork/proj"))
    outcome = commit_drafts(hub.api, "octo/proj", pr("fork/proj"), [draft()])
    assert outcome.sha is None and "fork" in outcome.message
    outcome = commit_drafts(
        hub.api, "octo/proj", pr(), [draft(accepted=False), draft(applicable=False)]
    )
    assert outcome.sha is None and "no validated draft" in outcome.message
    assert hub.fake.writes == [] and len(hub.server.requests) == 0


def test_commit_message_lists_symbols() -> None:
    message = commit_message([draft()])
    assert message.startswith("ttabot: documentation for 1 definition(s)")
    assert "- m.py: f" in message


def test_conflict_409_on_ref_update_means_moved(hub: Hub) -> None:
    hub.fake.add_pull(PullState(4, HEAD, "feature", BASE))
    hub.fake.faults.append(
        Fault(
            "PATCH",
            r"/repos/octo/proj/git/refs/heads/feature",
            Reply(409, {"message": "Git Repository is empty."}),
        )
    )
    outcome = commit_drafts(hub.api, "octo/proj", pr(), [draft()])
    assert outcome.sha is None and "nothing was pushed" in outcome.message
    assert hub.fake.refs["feature"] == HEAD


def test_a_branch_name_is_shown_as_an_inert_code_span(hub: Hub) -> None:
    # git allows backticks, "@" and "<" in branch names; the name was put between
    # single backticks in the report's notes, so `x`@org/team`<img ...>` broke out
    # of the span and the sticky comment pinged a team and loaded a remote image.
    branch = "x`@org/team`<img/src=//evil.example/t.png>"
    hub.fake.default_branch = branch
    hub.fake.add_pull(PullState(4, HEAD, branch, BASE))
    pull = PullRequest(4, HEAD, branch, "octo/proj", BASE, "main", "octo/proj")
    outcome = commit_drafts(hub.api, "octo/proj", pull, [draft()])
    assert outcome.sha is None
    assert outcome.message.startswith(
        "commit mode: ``x`@org/team`<img/src=//evil.example/t.png>`` is the default branch"
    )


def test_a_file_name_cannot_add_trailers_or_close_issues_in_the_commit_message() -> None:
    # git keeps a line break in a file name. Listed raw, a PR's file named
    # "a\nCo-authored-by: ...\nb.py" wrote lines of its own into ttabot's commit message
    # (not trailers: ttabot's own trailer paragraph stays last), and a file named
    # "fixes #1.py" closed issue #1 once the commit reached the default branch.
    import re

    path = "pkg/a\nCo-authored-by: Mallory <m@evil.example>\r\nSigned-off-by: x\nfixes #1.py"
    message = commit_message([draft()._replace(path=path), draft()._replace(path="a/Closes #2.py")])
    lines = message.splitlines()
    assert not any(line.startswith(("Co-authored-by", "Signed-off-by")) for line in lines)
    assert lines[-1] == TRAILER and "\r" not in message
    assert re.search(r"\b(fixes|closes) #\d", message, re.IGNORECASE) is None
    assert "- a/C\u200bloses #2.py: f" in lines
