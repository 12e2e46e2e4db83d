"""GitHub as a :class:`~ttabot.review.forge.Forge`: the review's calls mapped onto the REST API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ttabot.errors import TtabotError
from ttabot.github.api import GitHubApi, GitHubApiError
from ttabot.github.commit import commit_drafts
from ttabot.github.context import Context
from ttabot.github.event import parse_pull_request
from ttabot.github.permission import may_command
from ttabot.github.publish import add_labels, post_review, react, reply, upsert_sticky
from ttabot.github.timeline import removed_by_people
from ttabot.records import Draft
from ttabot.review.forge import FilesCommitted, ForgeRefused, SuggestionsPosted
from ttabot.review.pull import SHALLOW_HINT
from ttabot.review.records import PullRequest
from ttabot.review.suggestions import Suggestion

#: Statuses that mean "this token may not write here": the review degrades, it does not fail.
REFUSED = (401, 403, 404)


def _refused(exc: GitHubApiError) -> ForgeRefused:
    return ForgeRefused(f"GitHub refused a write ({exc.status} {exc.api_message})")


def forge_or_none(ctx: Context) -> GitHubForge | None:
    """The forge when the run has a token, else None (nothing can be written)."""
    return GitHubForge(ctx) if ctx.api is not None else None


@dataclass(frozen=True)
class GitHubForge:
    """One repository on GitHub, reached with the run's API clients."""

    ctx: Context

    def _api(self) -> GitHubApi:
        api = self.ctx.api
        if api is None:
            raise ForgeRefused("no github-token input was given")
        return api

    def pull(self, number: int) -> PullRequest:
        """The pull request ``number`` (``GET /repos/{repo}/pulls/{number}``)."""
        return parse_pull_request(self._api().get(f"/repos/{self.ctx.repository}/pulls/{number}"))

    def file_link(self, sha: str) -> str:
        """``{GITHUB_SERVER_URL}/{repo}/blob/{sha}`` (GitHub Enterprise has its own server)."""
        server = self.ctx.environ.get("GITHUB_SERVER_URL", "")
        return f"{(server or 'https://github.com').rstrip('/')}/{self.ctx.repository}/blob/{sha}"

    def merge_base(self, pr: PullRequest) -> str:
        """The merge base GitHub computes (see :func:`compare_merge_base`)."""
        return compare_merge_base(self.ctx.api, self.ctx.repository, pr)

    def upsert_report(self, number: int, body: str, *, create: bool) -> str:
        """Edit or create the sticky comment (see :func:`~ttabot.github.publish.upsert_sticky`)."""
        try:
            return upsert_sticky(
                self._api(),
                self.ctx.repository,
                number,
                body,
                create=create,
                author=self.ctx.bot_login,
            )
        except GitHubApiError as exc:
            if exc.status not in REFUSED:
                raise
            raise _refused(exc) from exc

    def post_suggestions(
        self, pr: PullRequest, suggestions: Sequence[Suggestion], limit: int
    ) -> SuggestionsPosted:
        """Post one review with the suggestions (see :func:`~ttabot.github.publish.post_review`)."""
        try:
            return post_review(
                self._api(),
                self.ctx.repository,
                pr.number,
                pr.head_sha,
                suggestions,
                limit,
                author=self.ctx.bot_login,
            )
        except GitHubApiError as exc:
            if exc.status not in REFUSED:
                raise
            raise _refused(exc) from exc

    def commit_files(self, pr: PullRequest, drafts: Sequence[Draft]) -> FilesCommitted:
        """Fast-forward the PR's branch (see :func:`~ttabot.github.commit.commit_drafts`)."""
        try:
            done = commit_drafts(
                self._api(), self.ctx.repository, pr, drafts, push_api=self.ctx.push_api
            )
        except GitHubApiError as exc:
            if exc.status not in REFUSED:
                raise
            raise _refused(exc) from exc
        return FilesCommitted(done.done, done.message, done.notes)

    def reply(self, number: int, comment_id: int, text: str) -> str:
        """Answer a comment (see :func:`~ttabot.github.publish.reply`)."""
        return reply(
            self._api(), self.ctx.repository, number, comment_id, text, author=self.ctx.bot_login
        )

    def react(self, comment_id: int, reaction: str) -> None:
        """React to a comment."""
        react(self._api(), self.ctx.repository, comment_id, reaction)

    def add_labels(
        self, number: int, labels: Sequence[str], present: Iterable[str]
    ) -> tuple[str, ...]:
        """Add the missing labels."""
        return add_labels(self._api(), self.ctx.repository, number, labels, present)

    def labels_removed_by_people(self, number: int) -> frozenset[str]:
        """From the issue's event timeline (see :mod:`ttabot.github.timeline`)."""
        return removed_by_people(self._api(), self.ctx.repository, number)

    def permission(self, login: str, verb: str) -> tuple[bool, str]:
        """Repository permission, never ``author_association`` (see permission)."""
        return may_command(self._api(), self.ctx.repository, login, verb)


def compare_merge_base(api: GitHubApi | None, repository: str, pr: PullRequest) -> str:
    """``merge_base_commit.sha`` of ``GET /repos/{repo}/compare/{base}...{head}``.

    The caller checks the answer's shape (a SHA) and that the checkout holds it.
    """
    if api is None:
        raise TtabotError(
            "the checkout is shallow and there is no token to ask GitHub for the PR's "
            f"merge base: {SHALLOW_HINT}"
        )
    answer = api.get(f"/repos/{repository}/compare/{pr.base_sha}...{pr.head_sha}", {"per_page": 1})
    found = answer.get("merge_base_commit") if isinstance(answer, dict) else None
    sha = found.get("sha") if isinstance(found, dict) else None
    if not isinstance(sha, str):
        raise TtabotError("GitHub's compare answer names no merge base commit")
    return sha
