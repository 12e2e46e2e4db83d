"""``ttabot action``: the GitHub Action's entry point (``action.yml`` runs it)."""

from __future__ import annotations

import logging
import os

import click

#: Secrets the Action passes in; they are taken out of the process environment at
#: once so that no subprocess ttabot starts (git, generated tests) inherits them.
SECRET_VARIABLES = ("GITHUB_TOKEN", "INPUT_GITHUB-TOKEN", "INPUT_OPENROUTER-API-KEY")


@click.command(name="action")
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
    GITHUB_WORKSPACE, GITHUB_TOKEN, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT, plus the
    Action's inputs as TTABOT_MODE, TTABOT_CATEGORIES, TTABOT_FAIL_ON, TTABOT_CONFIG.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="ttabot: %(message)s",
    )
    from ttabot.github.runner import run

    environ = dict(os.environ)
    for name in SECRET_VARIABLES:
        os.environ.pop(name, None)
    return run(environ)
