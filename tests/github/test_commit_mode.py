"""Commit mode: a push token for the push only, never the default or a protected branch."""

from __future__ import annotations

import json

from tests.github.test_action_run import (
    TOKEN,
    Stage,
    docs_env,
    model_stage,  # noqa: F401  (fixture)
    stage,  # noqa: F401  (fixture)
)

PUSH_TOKEN = "ghp_PushTokenSecret0123456789"


def test_a_commit_is_listed_as_done_and_says_checks_will_not_rerun(
    model_stage: Stage,  # noqa: F811
) -> None:
    run = model_stage.run("pull_request", model_stage.pr_event(), **docs_env("commit"))
    assert run.code == 0, run.stderr
    new = model_stage.fake.refs["feature"]
    (sticky,) = model_stage.fake.sticky_comments(7)
    body = sticky["body"]
    done = body.index("**Done**")
    assert body.index(f"as {new[:7]}") > done
    skipped = body.find("**Skipped / not done**")
    assert skipped == -1 or body.index(f"as {new[:7]}") < skipped
    assert "checks will not re-run" in body and "push-token" in body


def test_the_push_token_makes_the_push_and_nothing_else(model_stage: Stage) -> None:  # noqa: F811
    model_stage.fake.extra_tokens.add(PUSH_TOKEN)
    env = {**docs_env("commit"), "TTABOT_PUSH_TOKEN": PUSH_TOKEN}
    run = model_stage.run("pull_request", model_stage.pr_event(), **env)
    assert run.code == 0, run.stderr
    assert model_stage.fake.refs["feature"] != model_stage.pull.head_sha
    by_push = {path for _, path, token in model_stage.fake.write_tokens if token == PUSH_TOKEN}
    assert by_push == {
        "/repos/octo/proj/git/trees",
        "/repos/octo/proj/git/commits",
        "/repos/octo/proj/git/refs/heads/feature",
    }
    others = [path for _, path, token in model_stage.fake.write_tokens if token == TOKEN]
    assert others and not any("/git/" in path for path in others)
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert "checks will not re-run" not in sticky["body"]
    assert PUSH_TOKEN not in json.dumps(model_stage.fake.comments) + run.summary + run.stdout


def test_a_protected_branch_is_never_pushed_to(model_stage: Stage) -> None:  # noqa: F811
    model_stage.fake.protected.add("feature")
    run = model_stage.run("pull_request", model_stage.pr_event(), **docs_env("commit"))
    assert run.code == 0, run.stderr
    assert model_stage.fake.refs["feature"] == model_stage.pull.head_sha
    assert not any("/git/" in path for _, path in model_stage.fake.writes)
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert "`feature` is a protected branch" in sticky["body"]


def test_the_default_branch_is_never_pushed_to(model_stage: Stage) -> None:  # noqa: F811
    model_stage.fake.default_branch = "feature"
    run = model_stage.run("pull_request", model_stage.pr_event(), **docs_env("commit"))
    assert run.code == 0, run.stderr
    assert not any("/git/" in path for _, path in model_stage.fake.writes)
    (sticky,) = model_stage.fake.sticky_comments(7)
    assert "is the default branch" in sticky["body"]
