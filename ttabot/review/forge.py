"""What a review needs from a forge (GitHub today): a :class:`Forge` protocol and its records.

The review flow (:mod:`ttabot.review.pull`, :mod:`ttabot.review.obey`) reads and
writes a forge only through these calls, so a second forge is one package that
implements them, and the review is tested against an in-memory forge. Every
write is expected to be safe to retry (the forge's own business).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from ttabot.config import Settings
from ttabot.errors import TtabotError
from ttabot.records import Draft
from ttabot.review.records import PullRequest
from ttabot.review.suggestions import Suggestion


class ForgeRefused(TtabotError):
    """The forge refused a write for want of rights (a read-only token, a fork's branch).

    The review degrades to the job summary and annotations instead of failing;
    ``str(exc)`` says why, in the forge's words (``GitHub refused a write (403 ...)``).
    """


class SuggestionsPosted(NamedTuple):
    """What became of inline suggestions: how many went inline, which did not, and why."""

    posted: int
    leftover: tuple[Suggestion, ...]
    note: str = ""


class FilesCommitted(NamedTuple):
    """What became of drafts to commit: ``done`` when a commit was pushed."""

    done: bool
    message: str
    notes: tuple[str, ...] = ()


class Job(Protocol):
    """The run's fixed facts a review reads (a forge's run context satisfies this)."""

    @property
    def root(self) -> Path:
        """The checkout the PR's commits are read from."""
        ...

    @property
    def settings(self) -> Settings:
        """Trusted settings (from a commit the PR cannot change)."""
        ...

    @property
    def mode(self) -> str:
        """``comment``, ``suggest`` or ``commit``."""
        ...

    @property
    def model_environ(self) -> Mapping[str, str]:
        """The only provider keys the model client may see."""
        ...


class Forge(Protocol):
    """The calls a review makes on a forge, for one repository."""

    def pull(self, number: int) -> PullRequest:
        """The pull request ``number``, as the forge reports it now."""
        ...

    def file_link(self, sha: str) -> str:
        """The URL prefix under which a file at ``sha`` is shown (for links in reports)."""
        ...

    def merge_base(self, pr: PullRequest) -> str:
        """The merge base of the PR's base and head as the forge computes it (a commit SHA).

        Asked only for a shallow checkout, where git cannot find it; may raise
        :class:`ttabot.errors.TtabotError` when the forge cannot say.
        """
        ...

    def upsert_report(self, number: int, body: str, *, create: bool) -> str:
        """Edit the PR's one report comment, or create it when ``create``; its URL or ``""``.

        Raises :class:`ForgeRefused` when the token may not write.
        """
        ...

    def post_suggestions(
        self, pr: PullRequest, suggestions: Sequence[Suggestion], limit: int
    ) -> SuggestionsPosted:
        """Post at most ``limit`` inline suggestions on ``pr``'s head (may raise ForgeRefused)."""
        ...

    def commit_files(self, pr: PullRequest, drafts: Sequence[Draft]) -> FilesCommitted:
        """Commit accepted drafts to ``pr``'s own branch (may raise ForgeRefused)."""
        ...

    def reply(self, number: int, comment_id: int, text: str) -> str:
        """Answer comment ``comment_id`` on issue or PR ``number``; the reply's URL."""
        ...

    def react(self, comment_id: int, reaction: str) -> None:
        """React to a comment (``eyes``, ``rocket``, ``confused``)."""
        ...

    def add_labels(
        self, number: int, labels: Sequence[str], present: Iterable[str]
    ) -> tuple[str, ...]:
        """Add the ``labels`` not in ``present`` to issue or PR ``number``; those added."""
        ...

    def labels_removed_by_people(self, number: int) -> frozenset[str]:
        """Lower-case names of labels a person (not a bot) took off issue ``number``."""
        ...

    def permission(self, login: str, verb: str) -> tuple[bool, str]:
        """Whether ``login`` may make ttabot do ``verb`` here, and if not, why not."""
        ...
