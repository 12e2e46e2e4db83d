"""``python -m ttabot action`` as GitHub runs it: a subprocess, an event file, GITHUB_* variables.

The repository is a real git repo; GitHub is the fake on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import pytest

from tests.support.fake_github import (
    FakeGitHub,
    Fault,
    PullState,
    pull_payload,
    secondary_rate_limit,
)
from tests.support.fake_openai import FakeOpenAI, fake_openai, ok
from tests.support.gitrepo import GitRepo
from tests.support.loopback import LoopbackServer, Reply, serve
from tests.support.sandbox import needs_bwrap

TOKEN = "ghs_SuperSecretToken0123456789"
REPO = "octo/proj"


@dataclass
class Run:
    """One finished run: exit code, output, and what it left for GitHub."""

    code: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict[str, str]


@dataclass
class Stage:
    repo: GitRepo
    fake: FakeGitHub
    server: LoopbackServer
    tmp: Path
    pull: PullState

    def run(self, event_name: str, payload: dict[str, Any], **env: str) -> Run:
        event = self.tmp / "event.json"
        event.write_text(json.dumps(payload))
        summary, output = self.tmp / "summary.md", self.tmp / "output.txt"
        summary.write_text("")
        output.write_text("")
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "TTABOT_", "OPENROUTER"))
        }
        clean.update(
            GITHUB_EVENT_NAME=event_name,
            GITHUB_EVENT_PATH=str(event),
            GITHUB_API_URL=self.server.url,
            GITHUB_REPOSITORY=REPO,
            GITHUB_WORKSPACE=str(self.repo.path),
            GITHUB_TOKEN=TOKEN,
            GITHUB_SHA="f" * 40,  # a merge commit GitHub makes: must not be used
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_OUTPUT=str(output),
            TTABOT_GITHUB_WRITE_INTERVAL="0",
            TTABOT_FAIL_ON="none",
            # The job's Python, where a workflow installs the project's test dependencies.
            PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        )
        if event_name in ("issues", "issue_comment"):
            # GitHub runs these from the default branch's latest commit.
            clean["GITHUB_SHA"] = self.repo.git("rev-parse", "main").strip()
        clean.update(env)
        done = subprocess.run(
            [sys.executable, "-m", "ttabot", "action"],
            cwd=self.repo.path,
            env=clean,
            capture_output=True,
            text=True,
            timeout=60,
        )
        outputs = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        run = Run(done.returncode, done.stdout, done.stderr, summary.read_text(), outputs)
        self.assert_no_secret(run)
        return run

    def trust(self, config: str) -> None:
        """Commit ``config`` as ``.ttabot.toml`` on the base branch (main), where settings are read.

        The PR's base moves to that commit; the checkout (the PR's head) never has the file.
        """
        self.repo.git("checkout", "-q", "main")
        self.pull.base_sha = self.repo.commit("config", **{".ttabot.toml": config})
        self.repo.git("checkout", "-q", "feature")

    def assert_no_secret(self, run: Run) -> None:
        everything = [run.stdout, run.stderr, run.summary, json.dumps(run.outputs)]
        everything += [c["body"] for cs in self.fake.comments.values() for c in cs]
        everything += [json.dumps(r) for rs in self.fake.reviews.values() for r in rs]
        everything += [json.dumps(p) for p in self.fake.opened]
        everything += [json.dumps(c) for c in self.fake.commits.values()]
        everything += [json.dumps(t) for t in self.fake.trees.values()]
        assert not any(TOKEN in text for text in everything)

    def pr_event(self, action: str = "opened", head_repo: str = REPO) -> dict[str, Any]:
        pr = pull_payload(self.pull, REPO)
        pr["head"]["repo"] = {"full_name": head_repo, "fork": head_repo != REPO}
        return {
            "action": action,
            "number": self.pull.number,
            "pull_request": pr,
            "repository": {"full_name": REPO},
            "sender": {"login": "alice", "type": "User"},
        }

    def comment_event(
        self,
        body: str,
        association: str = "COLLABORATOR",
        login: str = "carol",
        user_type: str = "User",
        on_pr: bool = True,
        number: int = 7,
    ) -> dict[str, Any]:
        comment = self.fake.add_comment(number, body, login, user_type)
        comment["author_association"] = association
        self.fake.issues.setdefault(number, {"title": "Docs for add", "body": ""})
        issue: dict[str, Any] = {
            "number": number,
            "title": "Docs for add",
            "body": "",
            "labels": [],
            "user": {"login": "alice"},
        }
        if on_pr:
            issue["pull_request"] = {"url": f"https://api.github.com/repos/{REPO}/pulls/{number}"}
        return {
            "action": "created",
            "issue": issue,
            "comment": comment,
            "repository": {"full_name": REPO},
        }


@pytest.fixture
def stage(repo: GitRepo, tmp_path: Path) -> Iterator[Stage]:
    base = repo.commit("base", **{"pkg__core.py": "def old():\n    '''Old.'''\n    return 1\n"})
    repo.git("checkout", "-q", "-b", "feature")
    head = repo.commit(
        "add add",
        **{
            "pkg__core.py": "def old():\n    '''Old.'''\n    return 1\n\n\n"
            "def add(a, b):\n    return a + b\n"
        },
    )
    fake = FakeGitHub(REPO, TOKEN)
    fake.permissions["carol"] = "write"  # the commenter of comment_event
    patch = "@@ -3,0 +4,5 @@\n+\n+\n+def add(a, b):\n+    return a + b\n"
    pull = PullState(7, head, "feature", base, patches={"pkg/core.py": patch})
    fake.add_pull(pull)
    with serve(fake) as server:
        yield Stage(repo, fake, server, tmp_path, pull)


def test_three_runs_leave_one_sticky_comment(stage: Stage) -> None:
    runs = [
        stage.run("pull_request", stage.pr_event(action))
        for action in ("opened", "synchronize", "reopened")
    ]
    assert all(r.code == 0 for r in runs), runs[-1].stderr
    (sticky,) = stage.fake.sticky_comments(7)
    # Each finding links to its line at the head SHA that was analysed.
    link = f"https://github.com/{REPO}/blob/{stage.pull.head_sha}/pkg/core.py#L6"
    assert f"[`pkg/core.py:6`]({link}) `add`" in sticky["body"]
    assert "**Docs missing** (1)" in sticky["body"] and "**Tests needed** (1)" in sticky["body"]
    assert stage.pull.head_sha[:7] in sticky["body"]
    last = runs[-1]
    assert last.outputs["findings"] == "2" and last.outputs["drafts"] == "0"
    assert last.outputs["comment-url"] == sticky["html_url"]
    assert "**Docs missing** (1)" in last.summary and "<!-- ttabot:sticky -->" not in last.summary


def test_fail_on_fails_the_job_after_publishing(stage: Stage) -> None:
    run = stage.run("pull_request", stage.pr_event(), TTABOT_FAIL_ON="docs-missing")
    assert run.code == 1
    assert len(stage.fake.sticky_comments(7)) == 1


def test_fork_pr_gets_no_write_and_falls_back_to_annotations(stage: Stage) -> None:
    run = stage.run("pull_request", stage.pr_event(head_repo="someone/proj"))
    assert run.code == 0, run.stderr
    assert stage.fake.writes == [] and stage.fake.comments == {}
    assert "::warning file=pkg/core.py,line=6" in run.stdout
    assert "cannot write" in run.summary


def test_token_that_cannot_write_falls_back(stage: Stage) -> None:
    stage.fake.read_only = True
    run = stage.run("pull_request", stage.pr_event())
    assert run.code == 0, run.stderr
    assert stage.fake.comments == {}
    assert "::warning file=pkg/core.py" in run.stdout
    assert "GitHub refused a write (403" in run.summary


def test_secondary_rate_limit_is_waited_out_and_written_once(stage: Stage) -> None:
    stage.fake.faults.append(
        Fault("POST", r"/repos/octo/proj/issues/7/comments", secondary_rate_limit(retry_after=1))
    )
    run = stage.run("pull_request", stage.pr_event())
    assert run.code == 0, run.stderr
    assert stage.fake.faults[0].times == 0  # the limit was hit
    assert len(stage.fake.sticky_comments(7)) == 1
    assert [p for m, p in stage.fake.writes if m == "POST"] == [
        "/repos/octo/proj/issues/7/comments"
    ]


def test_collaborator_check_command_reacts_and_reports(stage: Stage) -> None:
    event = stage.comment_event("/ttabot check")
    run = stage.run("issue_comment", event)
    assert run.code == 0, run.stderr
    cid = event["comment"]["id"]
    assert stage.fake.reactions == [(cid, "eyes"), (cid, "rocket")]
    assert len(stage.fake.sticky_comments(7)) == 1


class Commenter(TypedDict, total=False):
    """Who writes a comment, as :meth:`Stage.comment_event` takes it."""

    association: str
    login: str
    user_type: str


@pytest.mark.parametrize(
    "kwargs",
    [
        {"association": "CONTRIBUTOR"},
        {"association": "NONE", "login": "mallory"},
        {"login": "dependabot[bot]", "user_type": "Bot", "association": "OWNER"},
        {"login": "github-actions[bot]", "association": "MEMBER"},
    ],
)
def test_commands_from_strangers_and_bots_are_ignored(stage: Stage, kwargs: Commenter) -> None:
    run = stage.run("issue_comment", stage.comment_event("/ttabot docs", **kwargs))
    assert run.code == 0, run.stderr
    assert stage.fake.writes == [] and stage.fake.reactions == []
    assert "ignored" in run.summary


def test_help_on_an_issue_replies_once(stage: Stage) -> None:
    event = stage.comment_event("/ttabot help", on_pr=False, number=12)
    run = stage.run("issue_comment", event)
    assert run.code == 0, run.stderr
    replies = [c for c in stage.fake.comments[12] if "ttabot:reply" in c["body"]]
    assert len(replies) == 1 and "/ttabot triage" in replies[0]["body"]


def test_unknown_verb_is_confused(stage: Stage) -> None:
    event = stage.comment_event("/ttabot deploy")
    run = stage.run("issue_comment", event)
    assert run.code == 0, run.stderr
    cid = event["comment"]["id"]
    assert stage.fake.reactions == [(cid, "eyes"), (cid, "confused")]


def test_new_issue_is_labelled(stage: Stage) -> None:
    payload = {
        "action": "opened",
        "issue": {
            "number": 21,
            "title": "Crash in parser",
            "body": "Traceback: ...",
            "labels": [],
            "user": {"login": "zed"},
        },
        "repository": {"full_name": REPO},
    }
    run = stage.run("issues", payload)
    assert run.code == 0, run.stderr
    assert stage.fake.labels[21] == ["bug"]


def test_commit_mode_without_model_key_says_drafting_was_skipped(stage: Stage) -> None:
    run = stage.run("pull_request", stage.pr_event(), TTABOT_MODE="commit")
    assert run.code == 0, run.stderr
    (sticky,) = stage.fake.sticky_comments(7)
    assert "drafting skipped" in sticky["body"]
    assert stage.fake.refs["feature"] == stage.pull.head_sha


def test_outside_actions_is_a_clean_error(stage: Stage) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ttabot", "action"],
        cwd=stage.repo.path,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("ttabot: error:") and "Traceback" not in done.stderr


# --- with a model: drafts become suggestions or a commit ---------------------------


def docstring_answer(model: str, body: Any) -> Reply:
    text = "Return the sum of a and b.\n\nArgs:\n    a: First number.\n    b: Second number."
    answer = {"docstrings": [{"symbol": "add", "docstring": text}]}
    return ok(json.dumps(answer))


def docs_env(mode: str) -> dict[str, str]:
    """The Action's inputs for drafting docstrings in ``mode``, with the fake model's key."""
    return {
        "TTABOT_MODE": mode,
        "TTABOT_CATEGORIES": "docs-missing",
        "TTABOT_PROVIDER_KEYS": "fake=sk-model-secret",
    }


@pytest.fixture
def model_stage(stage: Stage) -> Iterator[Stage]:
    with fake_openai(docstring_answer) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\ndocumentation = ["fake:doc-model"]\n'
            "[client]\nshared_state = false\ndeadline = 20.0\nattempt_timeout = 10.0\n",
        )
        yield stage


def test_suggest_mode_posts_one_review_and_never_twice(model_stage: Stage) -> None:
    env = docs_env("suggest")
    first = model_stage.run("pull_request", model_stage.pr_event(), **env)
    assert first.code == 0, first.stderr
    assert first.outputs["drafts"] == "1", first.summary
    (review,) = model_stage.fake.reviews[7]
    assert review["commit_id"] == model_stage.pull.head_sha
    (comment,) = model_stage.fake.review_comments[7]
    assert (comment["path"], comment["line"]) == ("pkg/core.py", 6)
    assert '```suggestion\ndef add(a, b):\n    """Return the sum of a and b.\n' in comment["body"]
    assert comment["body"].endswith('b: Second number.\n    """\n```')
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert "**accepted** by `fake:doc-model`" in sticky["body"]
    assert "Model metrics" in sticky["body"]

    second = model_stage.run("pull_request", model_stage.pr_event("synchronize"), **env)
    assert second.code == 0, second.stderr
    assert len(model_stage.fake.reviews[7]) == 1 and len(model_stage.fake.review_comments[7]) == 1
    assert len(model_stage.fake.sticky_comments(7)) == 1
    assert "sk-model-secret" not in json.dumps(model_stage.fake.comments)


def test_the_base_commits_state_dir_is_used_without_trust(stage: Stage) -> None:
    """The Action's settings come from the base commit: its state location needs no
    ``ttabot trust`` (that is for project files a checkout can change), and no warning."""
    state_dir = stage.tmp / "action-state"
    with fake_openai(docstring_answer) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\ndocumentation = ["fake:doc-model"]\n'
            f'[client]\nstate-dir = "{state_dir}"\ndeadline = 20.0\nattempt_timeout = 10.0\n',
        )
        run = stage.run("pull_request", stage.pr_event(), **docs_env("suggest"))
    assert run.code == 0, run.stderr
    assert run.outputs["drafts"] == "1", run.summary
    assert "trust" not in run.stderr
    assert (state_dir / "learning.json").is_file()  # the accepted draft was counted there


def test_the_action_path_never_reaches_the_local_trust_guard() -> None:
    """``guard`` (``ttabot trust``) is for settings read from the working tree; the
    Action reads the base commit's. No module on its path imports it."""
    package = Path(__file__).resolve().parents[2] / "ttabot"
    action_path = [package / "commands" / "action.py", *(package / "github").rglob("*.py")]
    action_path += (package / "review").rglob("*.py")
    for module in action_path:
        text = module.read_text()
        assert "commands.trust" not in text and "config.locations" not in text, module


def test_commit_mode_fast_forwards_the_branch(model_stage: Stage) -> None:
    env = docs_env("commit")
    run = model_stage.run("pull_request", model_stage.pr_event(), **env)
    assert run.code == 0, run.stderr
    new = model_stage.fake.refs["feature"]
    assert new != model_stage.pull.head_sha
    commit = model_stage.fake.commits[new]
    assert commit["parents"] == [model_stage.pull.head_sha]
    assert "Generated-by: ttabot" in commit["message"]
    (entry,) = model_stage.fake.trees[commit["tree"]]["tree"]
    assert entry["path"] == "pkg/core.py" and '"""Return the sum of a and b.' in entry["content"]
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert f"as {new[:7]}" in sticky["body"]


def test_commit_mode_on_a_moved_branch_pushes_nothing(model_stage: Stage) -> None:
    model_stage.fake.refs["feature"] = "e" * 40  # pushed after the event was sent
    env = docs_env("commit")
    run = model_stage.run("pull_request", model_stage.pr_event(), **env)
    assert run.code == 0, run.stderr
    assert model_stage.fake.refs["feature"] == "e" * 40
    assert not any("/git/" in path for _, path in model_stage.fake.writes)
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert "moved" in sticky["body"] and "nothing was pushed" in sticky["body"]


def test_docs_command_drafts_only_what_was_asked(model_stage: Stage) -> None:
    event = model_stage.comment_event("/ttabot docs pkg/core.py::add")
    run = model_stage.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
    assert run.code == 0, run.stderr
    cid = event["comment"]["id"]
    assert model_stage.fake.reactions == [(cid, "eyes"), (cid, "rocket")]
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert "_Scope: docs-missing in `pkg/core.py` `add`_" in sticky["body"]
    assert "Tests needed" not in sticky["body"]
    assert len(model_stage.fake.review_comments[7]) == 1


def test_triage_asks_the_model_when_configured(stage: Stage) -> None:
    def labels(model: str, body: Any) -> Reply:
        return ok('{"labels": ["feature", "made-up"]}')

    with fake_openai(labels) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\nsimple-code = ["fake:triage-model"]\n[client]\nshared_state = false\n',
        )
        payload = {
            "action": "opened",
            "issue": {
                "number": 30,
                "title": "Crash on empty input",
                "body": "",
                "labels": [{"name": "bug"}],
                "user": {"login": "zed"},
            },
            "repository": {"full_name": REPO},
        }
        run = stage.run("issues", payload, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert len(models.calls) == 1
    assert run.code == 0, run.stderr
    # bug was already there; made-up is not a label; "feature" is GitHub's "enhancement"
    assert stage.fake.labels[30] == ["enhancement"]


# --- /ttabot implement ------------------------------------------------------------

CORE_WITH_SUB = (
    "def old():\n    '''Old.'''\n    return 1\n\n\ndef add(a, b):\n    return a + b\n\n\n"
    "def sub(a, b):\n    '''Return a minus b.'''\n    return a - b\n"
)


def implementation(core: str) -> Any:
    def answer(model: str, body: Any) -> Reply:
        files = [
            {"path": "pkg/core.py", "content": core},
            {
                "path": "tests/test_sub.py",
                "content": "from pkg.core import sub\n\n\n"
                "def test_sub():\n    assert sub(3, 1) == 2\n",
            },
        ]
        return ok(json.dumps({"summary": "Adds sub().", "files": files}))

    return answer


@contextmanager
def implement_stage(stage: Stage, core: str) -> Iterator[tuple[Stage, FakeOpenAI]]:
    with fake_openai(implementation(core)) as models:
        stage.repo.write("pkg/__init__.py", "")
        stage.repo.write(
            "tests/test_old.py",
            "from pkg.core import old\n\n\ndef test_old():\n    assert old() == 1\n",
        )
        stage.repo.commit("tests")
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\nsimple-code = ["fake:code-model"]\n[client]\nshared_state = false\n'
            "[draft]\nfeedback_rounds = 0\n",
        )
        stage.fake.commits[stage.repo.head()] = {
            "sha": stage.repo.head(),
            "tree": "t1",
            "parents": [],
        }
        yield stage, models


def implement_with_summary(
    stage: Stage, summary: str, number: int, title: str = "", **env: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``/ttabot implement`` on issue ``number``, the model answering with ``summary``:
    the pull request opened and its commit."""

    def answer(model: str, body: Any) -> Reply:
        files = [{"path": "pkg/core.py", "content": CORE_WITH_SUB}]
        return ok(json.dumps({"summary": summary, "files": files}))

    with implement_stage(stage, CORE_WITH_SUB) as (s, models):
        models.responder = answer
        event = s.comment_event("/ttabot implement", on_pr=False, number=number)
        if title:
            event["issue"]["title"] = s.fake.issues[number]["title"] = title
        run = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret", **env)
        assert run.code == 0, run.stderr + run.summary
    (pr,) = stage.fake.opened
    return pr, stage.fake.commits[stage.fake.refs[f"ttabot/issue-{number}"]]


def test_implement_opens_a_pull_request_from_a_new_branch(stage: Stage) -> None:
    with implement_stage(stage, CORE_WITH_SUB) as (s, models):
        event = s.comment_event("/ttabot implement", on_pr=False, number=40)
        event["issue"]["title"] = "Add sub"
        s.fake.issues[40]["title"] = "Add sub"
        run = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert run.code == 0, run.stderr + run.summary
        assert [c.model for c in models.calls] == ["code-model"]
    (pr,) = stage.fake.opened
    assert pr["head"]["ref"] == "ttabot/issue-40" and pr["base"]["ref"] == "main"
    assert "Closes #40" in pr["body"] and "pass passes" in pr["body"]
    commit = stage.fake.commits[stage.fake.refs["ttabot/issue-40"]]
    assert commit["parents"] == [stage.repo.head()]
    assert "Generated-by: ttabot" in commit["message"]
    paths = [e["path"] for e in stage.fake.trees[commit["tree"]]["tree"]]
    assert paths == ["pkg/core.py", "tests/test_sub.py"]
    cid = event["comment"]["id"]
    assert stage.fake.reactions == [(cid, "eyes"), (cid, "rocket")]
    assert any(pr["html_url"] in c["body"] for c in stage.fake.comments[40])


def test_a_rerun_of_implement_opens_no_second_pull_request(stage: Stage) -> None:
    # "Re-run jobs" runs the same command again: it drafted again (another model call),
    # pushed another commit and opened a second PR for the same comment, with a second
    # reply. A command already answered, or an issue with ttabot's PR still open, is
    # not implemented again.
    with implement_stage(stage, CORE_WITH_SUB) as (s, models):
        event = s.comment_event("/ttabot implement", on_pr=False, number=43)
        first = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert first.code == 0, first.stderr + first.summary
        replies = len(s.fake.comments[43])
        again = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert again.code == 0, again.stderr + again.summary
        assert len(models.calls) == 1
        assert len(s.fake.opened) == 1
        assert len(s.fake.comments[43]) == replies  # the command was answered already
        # A new command while ttabot's PR is still open points to it, and drafts nothing.
        second = s.comment_event("/ttabot implement", on_pr=False, number=43)
        assert second["comment"]["id"] != event["comment"]["id"]
        third = s.run("issue_comment", second, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert third.code == 0, third.stderr + third.summary
        assert len(models.calls) == 1 and len(s.fake.opened) == 1
        assert s.fake.opened[0]["html_url"] in s.fake.comments[43][-1]["body"]


def test_implement_that_breaks_the_tests_opens_nothing(stage: Stage) -> None:
    broken = CORE_WITH_SUB.replace("return 1", "return 2")
    with implement_stage(stage, broken) as (s, _):
        event = s.comment_event("/ttabot implement", on_pr=False, number=41)
        run = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert run.code == 0, run.stderr
    assert stage.fake.opened == [] and not any(r.startswith("ttabot/") for r in stage.fake.refs)
    cid = event["comment"]["id"]
    assert stage.fake.reactions == [(cid, "eyes"), (cid, "confused")]
    (answer,) = [c for c in stage.fake.comments[41] if "ttabot:reply" in c["body"]]
    assert "FAIL passes" in answer["body"] and "could not draft" in answer["body"]


def test_implement_refuses_an_answer_through_a_linked_folder(stage: Stage, tmp_path: Path) -> None:
    # A folder in the checkout linked out of the project: the answer's file would be
    # committed through the link. Refused as an answer: no tree, no commit, no PR.
    outside = tmp_path / "outside"
    outside.mkdir()
    with implement_stage(stage, CORE_WITH_SUB) as (s, models):
        os.symlink(outside, s.repo.path / "linked")
        s.repo.commit("a linked folder")
        files = [{"path": "linked/evil.py", "content": "X = 1\n"}]
        models.responder = lambda model, body: ok(json.dumps({"summary": "s", "files": files}))
        event = s.comment_event("/ttabot implement", on_pr=False, number=43)
        run = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret")
        assert run.code == 0, run.stderr
    assert stage.fake.opened == [] and stage.fake.trees == {}
    assert not any(r.startswith("ttabot/") for r in stage.fake.refs)
    assert list(outside.iterdir()) == []
    (answer,) = [c for c in stage.fake.comments[43] if "ttabot:reply" in c["body"]]
    assert "could not draft" in answer["body"] and "FAIL answer" in answer["body"]
    assert "linked is a symbolic link" in answer["body"]


def test_implement_without_bubblewrap_asks_no_model(stage: Stage, tmp_path: Path) -> None:
    # The Action runs generated code only under bubblewrap: without it an implementation
    # could never be validated, so no model is asked for one.
    bin_dir = tmp_path / "bin-without-bwrap"
    bin_dir.mkdir()
    for tool in ("git", "sh"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    path = os.pathsep.join([str(Path(sys.executable).parent), str(bin_dir)])
    with implement_stage(stage, CORE_WITH_SUB) as (s, models):
        event = s.comment_event("/ttabot implement", on_pr=False, number=42)
        run = s.run("issue_comment", event, TTABOT_PROVIDER_KEYS="fake=sk-model-secret", PATH=path)
        assert run.code == 0, run.stderr
        assert models.calls == []
    assert stage.fake.opened == []
    (answer,) = [c for c in stage.fake.comments[42] if "ttabot:reply" in c["body"]]
    assert "no sandbox" in answer["body"]


def test_clean_pr_gets_no_new_comment_but_an_old_one_is_updated(stage: Stage) -> None:
    first = stage.run("pull_request", stage.pr_event())
    assert first.code == 0 and len(stage.fake.sticky_comments(7)) == 1
    stage.repo.commit("fix", **{"pkg__core.py": "def old():\n    '''Old.'''\n    return 1\n"})
    stage.pull.head_sha = stage.repo.head()
    second = stage.run("pull_request", stage.pr_event("synchronize"))
    assert second.code == 0, second.stderr
    (sticky,) = stage.fake.sticky_comments(7)
    assert "nothing left undone" in sticky["body"]

    stage.fake.comments.clear()
    third = stage.run("pull_request", stage.pr_event("synchronize"))
    assert third.code == 0 and stage.fake.comments == {}
    assert third.outputs["findings"] == "0" and third.outputs["comment-url"] == ""


def test_workflow_dispatch_runs_on_the_given_pull_request(stage: Stage) -> None:
    payload = {
        "inputs": {"pull-request": "7"},
        "ref": "refs/heads/main",
        "repository": {"full_name": REPO},
    }
    run = stage.run("workflow_dispatch", payload)
    assert run.code == 0, run.stderr
    assert len(stage.fake.sticky_comments(7)) == 1


def test_pull_request_target_on_a_fork_comments_but_never_commits(model_stage: Stage) -> None:
    model_stage.pull.head_repo = "someone/proj"
    env = docs_env("commit")
    run = model_stage.run(
        "pull_request_target", model_stage.pr_event(head_repo="someone/proj"), **env
    )
    assert run.code == 0, run.stderr
    assert run.outputs["drafts"] == "1"
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert "never pushes to forks" in sticky["body"]
    assert not any("/git/" in path for _, path in model_stage.fake.writes)


def test_missing_base_commit_fails_with_one_line_and_a_summary(stage: Stage) -> None:
    stage.pull.base_sha = "1" * 40
    run = stage.run("pull_request", stage.pr_event())
    assert run.code == 2
    assert run.stderr.startswith("ttabot: error:") and "fetch-depth: 0" in run.stderr
    assert "Traceback" not in run.stderr
    assert "could not finish" in run.summary and stage.fake.writes == []


# --- a fork's code never runs in a job that holds secrets ---------------------------

PROVIDER_KEY = "sk-or-ProviderSecret0123456789"
MODEL_KEY = "sk-model-ModelSecret0123456789"


def generated_tests(marker: Path) -> Any:
    """Answers per model: a docstring, or a test that passes only in a clean sandbox.

    Under bubblewrap the test cannot write outside its copy, so it checks its own
    environment: no credential of the job, HOME on the sandbox's tmpfs. It passes
    (and the draft is accepted) only when that holds.
    """
    # Fragments, not the secrets: the test's own text is shown in the PR comment.
    secrets = [TOKEN[4:-10], PROVIDER_KEY[6:-10], MODEL_KEY[9:-10]]
    names = ["GITHUB_TOKEN", *SECRETS]
    test = (
        "import os\n\nfrom pkg.core import add\n\n\n"
        "def test_add():\n"
        "    env = dict(os.environ)\n"
        f"    assert [k for k, v in env.items() if any(x in v for x in {secrets!r})] == []\n"
        f"    assert not set({names!r}) & set(env)\n"
        "    assert env['HOME'] == '/tmp/home'\n"
        "    assert add(1, 2) == 3\n"
    )

    def answer(model: str, body: Any) -> Reply:
        if model == "test-model":
            return ok(json.dumps({"code": test}))
        return docstring_answer(model, body)

    return answer


@contextmanager
def drafting_stage(stage: Stage) -> Iterator[tuple[Stage, FakeOpenAI, Path]]:
    marker = stage.tmp / "generated-test-ran.json"
    with fake_openai(generated_tests(marker)) as models:
        stage.trust(
            f'[providers.fake]\nbase_url = "{models.base_url}"\napi_key_env = "FAKE_MODEL_KEY"\n'
            '[chains]\ndocumentation = ["fake:doc-model"]\nunit-tests = ["fake:test-model"]\n'
            "[client]\nshared_state = false\ndeadline = 20.0\nattempt_timeout = 10.0\n"
            "[draft]\nreruns = 0\nfeedback_rounds = 0\n",
        )
        yield stage, models, marker


SECRETS = {"OPENROUTER_API_KEY": PROVIDER_KEY, "TTABOT_PROVIDER_KEYS": f"fake={MODEL_KEY}"}


def test_tests_command_on_a_fork_runs_nothing_and_says_why(stage: Stage) -> None:
    with drafting_stage(stage) as (s, models, marker):
        s.pull.head_repo = "someone/proj"
        event = s.comment_event("/ttabot tests")
        run = s.run("issue_comment", event, **SECRETS)
        assert run.code == 0, run.stderr
        assert models.calls == []
    assert not marker.exists()
    (answer,) = [c for c in stage.fake.comments[7] if "ttabot:reply" in c["body"]]
    assert "not drafted for fork PRs" in answer["body"] and "secrets" in answer["body"]
    cid = event["comment"]["id"]
    assert stage.fake.reactions == [(cid, "eyes"), (cid, "confused")]
    assert stage.fake.review_comments == {} and stage.fake.sticky_comments(7) == []


@needs_bwrap  # in the Action generated tests run only under bubblewrap
def test_tests_command_on_a_same_repo_pr_runs_them_without_secrets(stage: Stage) -> None:
    with drafting_stage(stage) as (s, models, _marker):
        event = s.comment_event("/ttabot tests")
        run = s.run("issue_comment", event, **SECRETS)
        assert run.code == 0, run.stderr
        assert [c.model for c in models.calls] == ["test-model"]
    # The generated test ran and passed: nothing of the job's credentials reached it.
    assert run.outputs["drafts"] == "1", run.summary
    (sticky,) = stage.fake.sticky_comments(7)
    assert "not drafted for fork PRs" not in sticky["body"]


@pytest.mark.parametrize("event_name", ["pull_request_target", "workflow_dispatch"])
def test_fork_pr_run_with_secrets_drafts_docs_but_runs_no_tests(
    stage: Stage, event_name: str
) -> None:
    with drafting_stage(stage) as (s, models, marker):
        s.pull.head_repo = "someone/proj"
        payload = (
            s.pr_event(head_repo="someone/proj")
            if event_name == "pull_request_target"
            else {"inputs": {"pull-request": "7"}, "repository": {"full_name": REPO}}
        )
        run = s.run(event_name, payload, TTABOT_MODE="suggest", **SECRETS)
        assert run.code == 0, run.stderr
        assert [c.model for c in models.calls] == ["doc-model"]
    assert not marker.exists()
    assert run.outputs["drafts"] == "1", run.summary
    (sticky,) = stage.fake.sticky_comments(7)
    assert "tests and refactors are not drafted for fork PRs" in sticky["body"]
    assert "**Tests needed** (1)" in sticky["body"]  # still reported, only not drafted


def test_fork_pr_under_pull_request_runs_none_of_its_code_either(stage: Stage) -> None:
    # The PR decides (head repository is not the base repository), not the event's
    # name: a private repository can give fork ``pull_request`` runs secrets.
    with drafting_stage(stage) as (s, models, marker):
        s.pull.head_repo = "someone/proj"
        env = {"TTABOT_MODE": "suggest", "TTABOT_CATEGORIES": "tests-needed", **SECRETS}
        run = s.run("pull_request", s.pr_event(head_repo="someone/proj"), **env)
        assert run.code == 0, run.stderr
        assert models.calls == []
    assert not marker.exists() and stage.fake.writes == []
    assert "not drafted for fork PRs" in run.summary


def test_per_path_settings_decide_whether_the_job_fails(stage: Stage) -> None:
    # The job's verdict follows the same policy as `ttabot check`: per-path fail-on
    # (and fail-on-scope), not only the top-level fail-on.
    failing = stage.run("pull_request", stage.pr_event(), TTABOT_FAIL_ON="docs-missing")
    assert failing.code == 1, failing.stderr
    stage.trust('[per-path."pkg/**"]\nfail-on = "none"\n')
    passing = stage.run("pull_request", stage.pr_event(), TTABOT_FAIL_ON="docs-missing")
    assert passing.code == 0, passing.stderr
    assert passing.outputs["findings"] != "0"
