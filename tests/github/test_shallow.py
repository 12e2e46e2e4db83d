"""A shallow checkout (only the history the merge base needs) gives the PR's real change."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.support.fake_github import FakeGitHub, PullState, pull_payload
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply, Request, serve
from ttabot.errors import TtabotError
from ttabot.github.api import GitHubApi
from ttabot.github.event import PullRequest
from ttabot.github.forge import compare_merge_base
from ttabot.review.pull import is_shallow, select_pull

REPO = "octo/proj"


class CompareGitHub(FakeGitHub):
    """The fake GitHub plus ``GET /compare/BASE...HEAD``, answering from ``merge_bases``."""

    def __init__(self) -> None:
        super().__init__(REPO)
        self.merge_bases: dict[tuple[str, str], Any] = {}
        self.compares: list[str] = []
        pattern = re.escape(f"/repos/{REPO}") + r"/compare/([0-9a-f]+)\.\.\.([0-9a-f]+)"
        self._routes.append(("GET", re.compile(pattern), self._compare))

    def _compare(self, request: Request, base: str, head: str) -> Reply:
        self.compares.append(f"{base}...{head}")
        found = self.merge_bases.get((base, head))
        if found is None:
            return Reply(404, {"message": "Not Found"})
        return Reply(200, {"status": "diverged", "merge_base_commit": found, "files": []})


class History(NamedTuple):
    """An origin where the PR branch merged the base branch in, and the PR's facts."""

    origin: GitRepo
    pr: PullRequest
    merge_base: str
    commits: int  # what GitHub's pull_request.commits says


@pytest.fixture
def history(tmp_path: Path) -> History:
    origin = GitRepo(tmp_path / "origin")
    origin.git("config", "uploadpack.allowAnySHA1InWant", "true")
    origin.commit("c1", **{"base.py": "x = 1\n"})
    origin.commit("c2", **{"base.py": "x = 2\n"})
    origin.git("checkout", "-q", "-b", "feature")
    origin.commit("f1", **{"feat.py": "def f():\n    return 1\n"})
    origin.git("checkout", "-q", "main")
    c3 = origin.commit("c3", **{"main3.py": "y = 3\n"})
    origin.git("checkout", "-q", "feature")
    origin.git("merge", "-q", "--no-edit", "main")  # the PR brings the base branch in
    head = origin.commit("f2", **{"feat.py": "def f():\n    return 2\n"})
    origin.git("checkout", "-q", "main")
    origin.commit("c4", **{"main4.py": "y = 4\n"})
    base = origin.commit("c5", **{"main5.py": "y = 5\n"})
    merge_base = origin.git("merge-base", base, head).strip()
    assert merge_base == c3
    commits = len(origin.git("rev-list", f"{base}..{head}").split())
    assert commits == 3  # f1, the merge, f2
    pr = PullRequest(1, head, "feature", REPO, base, "main", REPO)
    return History(origin, pr, merge_base, commits)


def shallow_checkout(path: Path, history: History, head_depth: int) -> Path:
    """What the example workflow does: the base commit at depth 1, then the head."""
    work = GitRepo(path)
    url = history.origin.path.as_uri()
    work.git("fetch", "-q", "--depth=1", url, history.pr.base_sha)
    work.git("fetch", "-q", f"--depth={head_depth}", url, history.pr.head_sha)
    work.git("checkout", "-q", "--detach", history.pr.head_sha)
    return path


@pytest.fixture
def github() -> Iterator[tuple[CompareGitHub, GitHubApi]]:
    fake = CompareGitHub()
    with serve(fake) as server:
        api = GitHubApi(fake.token, server.url, write_interval=0.0, sleep=lambda _: None)
        try:
            yield fake, api
        finally:
            api.close()


def paths(root: Path, pr: PullRequest, api: GitHubApi | None = None) -> list[str]:
    return sorted(f.path for f in select_pull(root, pr, _asker(api)).change.files)


def test_commit_count_plus_one_is_enough_and_the_change_matches_a_full_clone(
    tmp_path: Path, history: History, github: tuple[CompareGitHub, GitHubApi]
) -> None:
    fake, api = github
    pr = history.pr
    fake.merge_bases[(pr.base_sha, pr.head_sha)] = {"sha": history.merge_base}
    work = shallow_checkout(tmp_path / "work", history, history.commits + 1)
    assert is_shallow(work) and not is_shallow(history.origin.path)
    # git alone cannot find the merge base on cut history: the base side stops at c5.
    assert not _git_merge_base(work, pr.base_sha, pr.head_sha)
    full = paths(history.origin.path, pr)
    assert full == ["feat.py"]  # from c3: the merged-in main3.py is not the PR's change
    selection = select_pull(work, pr, _asker(api))
    assert selection.base == history.merge_base
    assert sorted(f.path for f in selection.change.files) == full
    assert fake.compares == [f"{pr.base_sha}...{pr.head_sha}"]


def test_a_full_clone_does_not_ask_github(
    history: History, github: tuple[CompareGitHub, GitHubApi]
) -> None:
    fake, api = github
    assert paths(history.origin.path, history.pr, api) == ["feat.py"]
    assert fake.compares == []


def test_too_shallow_a_checkout_is_one_clear_error(
    tmp_path: Path, history: History, github: tuple[CompareGitHub, GitHubApi]
) -> None:
    fake, api = github
    pr = history.pr
    fake.merge_bases[(pr.base_sha, pr.head_sha)] = {"sha": history.merge_base}
    work = shallow_checkout(tmp_path / "work", history, 1)
    with pytest.raises(TtabotError) as caught:
        select_pull(work, pr, _asker(api))
    message = str(caught.value)
    assert "\n" not in message
    assert f"merge base {history.merge_base[:12]} is not in the shallow checkout" in message
    assert "fetch-depth" in message


def test_a_shallow_checkout_without_a_token_says_what_to_do(
    tmp_path: Path, history: History
) -> None:
    work = shallow_checkout(tmp_path / "work", history, history.commits + 1)
    with pytest.raises(TtabotError, match=r"shallow.*fetch-depth"):
        select_pull(work, history.pr, _asker(None))


@pytest.mark.parametrize(
    "answer",
    [None, "0" * 39, "../../etc", {"sha": "x"}, ["not", "a", "dict"], "A" * 40],
    ids=["missing", "short", "path", "nested", "list", "uppercase"],
)
def test_a_hostile_compare_answer_is_refused(
    tmp_path: Path, history: History, github: tuple[CompareGitHub, GitHubApi], answer: Any
) -> None:
    fake, api = github
    pr = history.pr
    fake.merge_bases[(pr.base_sha, pr.head_sha)] = {"sha": answer}
    work = shallow_checkout(tmp_path / "work", history, history.commits + 1)
    with pytest.raises(TtabotError, match="names no merge base"):
        select_pull(work, pr, _asker(api))


def _git_merge_base(root: Path, left: str, right: str) -> str:
    done = subprocess.run(
        ["git", "merge-base", left, right], cwd=root, capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def run_action(tmp_path: Path, work: Path, history: History, fake: CompareGitHub, url: str) -> Any:
    """``ttabot action`` on a ``pull_request`` event, as the example workflow runs it."""
    pr = history.pr
    fake.add_pull(PullState(pr.number, pr.head_sha, "feature", pr.base_sha))
    fake.merge_bases[(pr.base_sha, pr.head_sha)] = {"sha": history.merge_base}
    payload = pull_payload(fake.pulls[pr.number], REPO)
    payload["head"]["repo"] = {"full_name": REPO, "fork": False}
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "opened", "number": pr.number, "pull_request": payload}))
    (tmp_path / "summary.md").write_text("")
    (tmp_path / "output.txt").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TTABOT_"))}
    env.update(
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
        GITHUB_API_URL=url,
        GITHUB_REPOSITORY=REPO,
        GITHUB_WORKSPACE=str(work),
        GITHUB_TOKEN=fake.token,
        GITHUB_SHA="f" * 40,
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(tmp_path / "output.txt"),
        TTABOT_GITHUB_WRITE_INTERVAL="0",
        TTABOT_FAIL_ON="none",
        TTABOT_COMMENT_WHEN_CLEAN="true",
    )
    return subprocess.run(
        [sys.executable, "-m", "ttabot", "action"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_action_on_the_workflows_shallow_checkout_comments_on_the_prs_change(
    tmp_path: Path, history: History
) -> None:
    work = shallow_checkout(tmp_path / "work", history, history.commits + 1)
    fake = CompareGitHub()
    with serve(fake) as server:
        done = run_action(tmp_path, work, history, fake, server.url)
    assert done.returncode == 0, done.stderr
    (sticky,) = fake.sticky_comments(history.pr.number)
    assert "feat.py" in sticky["body"] and "main3.py" not in sticky["body"]
    assert len(fake.compares) == 1


def test_the_action_on_too_shallow_a_checkout_fails_with_one_line(
    tmp_path: Path, history: History
) -> None:
    work = shallow_checkout(tmp_path / "work", history, 1)
    fake = CompareGitHub()
    with serve(fake) as server:
        done = run_action(tmp_path, work, history, fake, server.url)
    assert done.returncode == 2
    assert done.stderr.startswith("ttabot: error:") and done.stderr.count("\n") == 1
    assert "not in the shallow checkout" in done.stderr and "Traceback" not in done.stderr
    assert fake.writes == []


def _asker(api: GitHubApi | None) -> Callable[[PullRequest], str]:
    """The merge base as GitHubForge asks for it."""
    return lambda pr: compare_merge_base(api, REPO, pr)
