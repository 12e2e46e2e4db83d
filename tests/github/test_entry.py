"""The ``ttabot action`` command and the PR-run helpers that need no server."""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest
from click.testing import CliRunner

from tests.support.gitrepo import GitRepo
from ttabot.commands.action import command
from ttabot.errors import TtabotError
from ttabot.github import runner
from ttabot.github.context import action_settings
from ttabot.github.pull import Ask, describe, ensure_commit, narrow
from ttabot.records import Category, CheckResult, Finding, TaskKind


def test_token_is_taken_out_of_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(environ: Mapping[str, str]) -> int:
        seen["inherited"] = "GITHUB_TOKEN" in os.environ
        seen["passed"] = environ.get("GITHUB_TOKEN")
        return 0

    # The runner is replaced: this test is about what subprocesses would inherit.
    monkeypatch.setattr(runner, "run", fake_run)
    result = CliRunner().invoke(command, [], env={"GITHUB_TOKEN": "ghs_x"})
    assert result.exit_code == 0, result.output
    assert seen == {"inherited": False, "passed": "ghs_x"}


@pytest.mark.parametrize(
    ("env", "mode", "categories"),
    [
        ({}, "comment", frozenset(Category)),
        (
            {"TTABOT_MODE": "suggest", "TTABOT_CATEGORIES": "docs-missing"},
            "suggest",
            frozenset({Category.DOCS_MISSING}),
        ),
        ({"TTABOT_MODE": " ", "TTABOT_CATEGORIES": ""}, "comment", frozenset(Category)),
    ],
)
def test_action_inputs_become_settings(
    repo: GitRepo, env: dict[str, str], mode: str, categories: frozenset[Category]
) -> None:
    settings = action_settings(repo.path, env)
    assert settings.github.mode == mode
    assert settings.check.categories == categories


def test_bad_mode_is_a_user_error(repo: GitRepo) -> None:
    with pytest.raises(TtabotError, match="input mode 'push'"):
        action_settings(repo.path, {"TTABOT_MODE": "push"})


def test_missing_commit_is_explained(repo: GitRepo) -> None:
    repo.commit("one")
    ensure_commit(repo.path, repo.head(), "head")
    with pytest.raises(TtabotError, match="fetch-depth: 0"):
        ensure_commit(repo.path, "1" * 40, "base")


def f(category: Category, path: str, symbol: str) -> Finding:
    return Finding(category, path, symbol, 1, 2, TaskKind.DOCUMENTATION, "m")


def test_narrow_by_category_path_and_symbol() -> None:
    result = CheckResult(
        (
            f(Category.DOCS_MISSING, "a.py", "C.meth"),
            f(Category.DOCS_MISSING, "b.py", "meth"),
            f(Category.TESTS_NEEDED, "a.py", "C.meth"),
        )
    )
    kept = narrow(result, Ask("suggest", frozenset({Category.DOCS_MISSING}), "a.py", "meth"))
    assert [(x.path, x.category) for x in kept.findings] == [("a.py", Category.DOCS_MISSING)]
    assert narrow(result, Ask("comment")).findings == result.findings
    assert describe(Ask("suggest", frozenset({Category.DOCS_MISSING}), "a.py", "meth")) == (
        "docs-missing in `a.py` `meth`"
    )
    assert describe(Ask("comment")) == ""
