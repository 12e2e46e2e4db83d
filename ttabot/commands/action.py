"""``ttabot action``: the GitHub Action's entry point (``action.yml`` runs it)."""

from __future__ import annotations

import logging
import os

import click

from ttabot.process import set_non_dumpable

log = logging.getLogger(__name__)

#: Secrets the Action passes in; they are taken out of the process environment at
#: once so that no subprocess ttabot starts (git, generated tests) inherits them.
#: The model clients get their keys from the copy handed to the runner.
SECRET_VARIABLES = (
    "GITHUB_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "INPUT_OPENROUTER-API-KEY",
    "OPENROUTER_API_KEY",
    "INPUT_PROVIDER-KEYS",
    "TTABOT_PROVIDER_KEYS",
    "INPUT_PUSH-TOKEN",
    "TTABOT_PUSH_TOKEN",
)

_EPILOG = """\b
Exit codes:
  0  done, or the event needs nothing from ttabot; on a pull request (or a
     workflow_dispatch of one), no finding in a fail-on category; a /ttabot
     command that ran exits 0 whatever it found (its reaction tells)
  1  a pull request has findings in a fail-on category (the fail-on input;
     unset or "none" never fails: blocking is opt-in)
  2  could not finish: an unreadable event payload, a bad input (mode,
     categories, config), a command without the github-token input,
     workflow_dispatch without a pull-request number, a config at the
     trusted commit that is invalid, a rejected report artifact, a GitHub API request
     that failed for good (one line says why)

\b
Examples:
  # in a workflow (action.yml runs `ttabot action`):
  - uses: ttabot/ttabot@<full commit sha>
    with: {mode: suggest, fail-on: docs-missing}
  # replay a saved event locally, read-only (no GITHUB_TOKEN: nothing is posted):
  GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH=event.json \\
    GITHUB_REPOSITORY=owner/repo ttabot action --verbose

Setup, inputs, modes and commands: docs/github.md.
"""


@click.command(name="action", epilog=_EPILOG)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Log waits, retries and why events or commands were skipped.",
)
def command(verbose: bool) -> int:
    """Run as the GitHub Action: PR review, /ttabot commands, issue triage.

    \b
    Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_API_URL, GITHUB_REPOSITORY,
    GITHUB_WORKSPACE, GITHUB_SHA (issue events), GITHUB_TOKEN, GITHUB_STEP_SUMMARY and
    GITHUB_OUTPUT, plus the Action's inputs as TTABOT_MODE, TTABOT_CATEGORIES,
    TTABOT_FAIL_ON, TTABOT_CONFIG, TTABOT_PROVIDER_KEYS, TTABOT_PUSH_TOKEN,
    TTABOT_REPORT_PATH, TTABOT_COMMENT_WHEN_CLEAN. Settings are read at the PR's
    base commit (or GITHUB_SHA), never from the working tree.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="ttabot: %(message)s",
    )
    from ttabot.github.runner import run

    environ = dict(os.environ)
    for name in SECRET_VARIABLES:
        os.environ.pop(name, None)
    # Removing a variable from os.environ does not erase it from /proc/<pid>/environ,
    # which any process of this user could read: a non-dumpable process keeps it to root.
    set_non_dumpable()
    return run(environ)
