"""Obey a ``/ttabot`` command: who may give it, what it may run, what is answered.

The trust rules live here, forge-neutral: bots and strangers are ignored
(:func:`~ttabot.review.slash.judge`), privileged verbs need write permission on
the repository (asked of the forge), and a fork's code never runs in a job that
holds secrets. The work a verb does is the caller's (:class:`VerbHandlers`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

from ttabot.drafting.kinds import CODE_FREE_CATEGORIES
from ttabot.errors import TtabotError
from ttabot.review.forge import Forge
from ttabot.review.inert import code_span
from ttabot.review.pull import FORK_CODE_NOTE, Ask, may_run_pr_code
from ttabot.review.records import Comment, Issue, JobResult, PullRequest
from ttabot.review.slash import VERB_CATEGORY, Command, help_text, judge, parse_command, valid_verbs

log = logging.getLogger(__name__)


class VerbHandlers(Protocol):
    """The work behind the verbs, supplied by the forge's runner."""

    def review(self, pr: PullRequest, ask: Ask, *, may_run_code: bool) -> JobResult:
        """Review ``pr`` as ``ask`` says (the commenter's trust: the token may write)."""
        ...

    def triage(self, issue: Issue) -> JobResult:
        """Label ``issue``."""
        ...

    def implement(self, issue: Issue, comment_id: int) -> JobResult:
        """Draft code for ``issue`` and open a pull request."""
        ...


def idle(why: str) -> JobResult:
    """A job that did nothing, and says why (also logged)."""
    log.info("%s", why)
    return JobResult(summary=f"ttabot: {why}.\n")


def obey_comment(
    forge: Forge,
    handlers: VerbHandlers,
    issue: Issue,
    comment: Comment,
    *,
    mode: str,
    allowed_associations: tuple[str, ...],
) -> JobResult:
    """Obey a ``/ttabot`` command from someone allowed to give one; ignore everything else."""
    command = parse_command(comment.body)
    if command is None:
        return idle("no /ttabot command in the comment")
    verdict = judge(comment, allowed_associations)
    if not verdict.obey:
        return idle(f"command ignored: {verdict.reason}")
    allowed, why_not = forge.permission(comment.author, command.verb)
    if not allowed:
        # One reply, no reaction dance, no model call, nothing run.
        url = forge.reply(issue.number, comment.id, f"ttabot did nothing: {why_not}.")
        return JobResult(comment_url=url, summary=f"ttabot: command refused: {why_not}\n")
    forge.react(comment.id, "eyes")
    try:
        result = _obey(forge, handlers, issue, comment, command, mode)
    except TtabotError:
        forge.react(comment.id, "confused")
        raise
    forge.react(comment.id, "rocket" if not result.failed else "confused")
    # The command ran; findings it reports are not a failure of the comment's job.
    return JobResult(result.findings, result.drafts, result.comment_url, result.summary, False)


def _obey(
    forge: Forge,
    handlers: VerbHandlers,
    issue: Issue,
    comment: Comment,
    command: Command,
    mode: str,
) -> JobResult:
    on_pr = issue.is_pull_request
    if command.verb not in valid_verbs(on_pr):
        # The verb is the commenter's text: a span that outruns its backticks, and short.
        text = f"Unknown command {code_span(command.verb, 60)} here.\n\n{help_text(on_pr)}"
        forge.reply(issue.number, comment.id, text)
        return JobResult(summary=text + "\n", failed=True)
    if command.verb == "help":
        url = forge.reply(issue.number, comment.id, help_text(on_pr))
        return JobResult(comment_url=url, summary=help_text(on_pr) + "\n")
    if command.verb == "triage":
        return handlers.triage(issue)
    if command.verb == "implement":
        return handlers.implement(issue, comment.id)
    pr = forge.pull(issue.number)
    category = VERB_CATEGORY.get(command.verb)
    may_run_code = may_run_pr_code(pr)
    if category is not None and category not in CODE_FREE_CATEGORIES and not may_run_code:
        # This job holds the model key and a token that can write: the fork's code
        # (its tests, its conftest.py, the module it changes) must not run here.
        text = (
            f"ttabot did not draft anything for `/ttabot {command.verb}`: {FORK_CODE_NOTE}. "
            "`/ttabot check` still lists what the PR leaves undone, and `/ttabot docs` "
            "still drafts docstrings (they are checked by parsing only; nothing runs)."
        )
        url = forge.reply(issue.number, comment.id, text)
        return JobResult(comment_url=url, summary=text + "\n", failed=True)
    if category is None:
        ask = Ask("comment", None, command.path, command.symbol)
    else:
        drafting = "commit" if mode == "commit" else "suggest"
        ask = Ask(drafting, frozenset({category}), command.path, command.symbol)
    # pull_request_target-style trust: the commenter is a collaborator, and the
    # token can write to this repository's PRs, but never to a fork's branch.
    result = handlers.review(pr, ask, may_run_code=may_run_code)
    if result.unpublished:
        # Pushes trigger the PR workflow, not this command: say so, or the 🚀 says nothing.
        text = (
            f"ttabot published nothing for `/ttabot {command.verb}`: {result.unpublished}. "
            "Comment again to run it on the PR as it is now."
        )
        return replace(result, comment_url=forge.reply(issue.number, comment.id, text))
    return result
