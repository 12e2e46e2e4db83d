"""The forge-neutral records a review works on: pull requests, issues, comments, results.

A forge package (:mod:`ttabot.github`) maps its own payloads onto these; nothing
in :mod:`ttabot.review` reads a forge's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PullRequest:
    """The parts of a pull request ttabot needs.

    ``head_sha`` is the commit that is analysed (never ``GITHUB_SHA``, which is a
    merge commit for ``pull_request`` events). ``head_repo`` is ``""`` when the
    head repository was deleted.
    """

    number: int
    head_sha: str
    head_ref: str
    head_repo: str
    base_sha: str
    base_ref: str
    base_repo: str
    draft: bool = False
    html_url: str = ""

    @property
    def is_fork(self) -> bool:
        """True when the head branch lives in another repository (a fork)."""
        return self.head_repo != self.base_repo


@dataclass(frozen=True)
class Comment:
    """An issue or PR conversation comment."""

    id: int
    body: str
    author: str
    author_type: str
    association: str
    html_url: str = ""

    @property
    def by_bot(self) -> bool:
        """True for bot accounts (``type: Bot`` or a ``[bot]`` login)."""
        return self.author_type == "Bot" or self.author.endswith("[bot]")


@dataclass(frozen=True)
class Issue:
    """An issue (or the issue side of a PR, for ``issue_comment`` on a PR)."""

    number: int
    title: str
    body: str
    is_pull_request: bool
    labels: tuple[str, ...] = ()
    author: str = ""


@dataclass(frozen=True)
class JobResult:
    """What one job (a pull request review, a command, a triage) produced.

    The forge turns it into step outputs and a job summary; ``failed`` makes the
    job exit 1 (findings in a ``fail-on`` category).
    """

    findings: int = 0
    drafts: int = 0
    comment_url: str = ""
    summary: str = ""
    failed: bool = False
    #: Why nothing was published although the job could write (the PR moved on).
    unpublished: str = ""
