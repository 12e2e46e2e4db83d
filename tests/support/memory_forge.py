"""A :class:`~ttabot.review.forge.Forge` in memory: it records every call the review makes.

Drives the review flow with no server at all; a test sets who may do what
(``roles``), which pulls exist, and whether writes are refused, then reads back
what was posted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ttabot.config import Settings
from ttabot.errors import TtabotError
from ttabot.records import Draft
from ttabot.review.forge import FilesCommitted, ForgeRefused, SuggestionsPosted
from ttabot.review.records import PullRequest
from ttabot.review.suggestions import Suggestion

#: Roles that may give privileged commands (the same rule a real forge applies).
WRITERS = frozenset({"write", "maintain", "admin"})
#: Verbs that draft, commit or open pull requests.
PRIVILEGED = frozenset({"docs", "tests", "refactor", "implement", "triage"})


@dataclass(frozen=True)
class MemoryJob:
    """A review job's fixed facts (the :class:`~ttabot.review.forge.Job` protocol)."""

    root: Path
    settings: Settings = field(default_factory=Settings)
    mode: str = "comment"
    model_environ: Mapping[str, str] = field(default_factory=dict)


@dataclass
class MemoryForge:
    """One repository's conversation, kept in lists."""

    pulls: dict[int, PullRequest] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    refuse_writes: bool = False
    #: Report comment bodies by PR number (one sticky comment each).
    reports: dict[int, str] = field(default_factory=dict)
    replies: list[tuple[int, int, str]] = field(default_factory=list)
    reactions: list[tuple[int, str]] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    commits: list[tuple[int, tuple[Draft, ...]]] = field(default_factory=list)
    labels: dict[int, list[str]] = field(default_factory=dict)
    permission_asked: list[str] = field(default_factory=list)
    #: Labels people took off, by issue number.
    removed: dict[int, frozenset[str]] = field(default_factory=dict)

    def _write(self) -> None:
        if self.refuse_writes:
            raise ForgeRefused("memory forge refused a write (403 read-only)")

    def pull(self, number: int) -> PullRequest:
        return self.pulls[number]

    def file_link(self, sha: str) -> str:
        return f"memory://blob/{sha}"

    def merge_base(self, pr: PullRequest) -> str:
        raise TtabotError("the memory forge computes no merge base")

    def upsert_report(self, number: int, body: str, *, create: bool) -> str:
        self._write()
        if number not in self.reports and not create:
            return ""
        self.reports[number] = body
        return f"memory://pulls/{number}#report"

    def post_suggestions(
        self, pr: PullRequest, suggestions: Sequence[Suggestion], limit: int
    ) -> SuggestionsPosted:
        self._write()
        self.suggestions.extend(suggestions[:limit])
        return SuggestionsPosted(len(suggestions[:limit]), tuple(suggestions[limit:]))

    def commit_files(self, pr: PullRequest, drafts: Sequence[Draft]) -> FilesCommitted:
        self._write()
        self.commits.append((pr.number, tuple(drafts)))
        return FilesCommitted(True, f"committed {len(drafts)} draft(s)")

    def reply(self, number: int, comment_id: int, text: str) -> str:
        self._write()
        self.replies.append((number, comment_id, text))
        return f"memory://issues/{number}#reply-{len(self.replies)}"

    def react(self, comment_id: int, reaction: str) -> None:
        self.reactions.append((comment_id, reaction))

    def add_labels(
        self, number: int, labels: Sequence[str], present: Iterable[str]
    ) -> tuple[str, ...]:
        self._write()
        have = {label.lower() for label in present}
        added = tuple(label for label in labels if label.lower() not in have)
        self.labels.setdefault(number, []).extend(added)
        return added

    def labels_removed_by_people(self, number: int) -> frozenset[str]:
        return self.removed.get(number, frozenset())

    def permission(self, login: str, verb: str) -> tuple[bool, str]:
        self.permission_asked.append(login)
        if verb not in PRIVILEGED:
            return True, ""
        role = self.roles.get(login, "none")
        if role in WRITERS:
            return True, ""
        return False, f"`/ttabot {verb}` needs write permission; @{login} has {role}"
