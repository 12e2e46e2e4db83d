"""Chains that learn: draft outcomes recorded per (task kind, model) and ordering by them."""

from __future__ import annotations

import asyncio
import collections
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import answer, user_prompt
from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import FakeOpenAI, rate_limited
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.config import Settings, load_settings
from ttabot.llm import RotatingClient
from ttabot.llm.learning import order_chain
from ttabot.llm.state import Outcomes
from ttabot.llm.state_file import LEARNING_FILE, FileState

PROMPT = [{"role": "user", "content": "hi"}]


def first_picks(
    record: dict[str, Outcomes], refs: list[str], draws: int = 2000
) -> dict[str, float]:
    rng = random.Random(7)
    counts = collections.Counter(refs[order_chain(refs, record, rng)[0]] for _ in range(draws))
    return {ref: counts[ref] / draws for ref in refs}


def test_no_record_keeps_the_configured_order() -> None:
    assert first_picks({}, ["a", "b", "c"]) == {"a": 1.0, "b": 0.0, "c": 0.0}


def test_a_model_failing_about_ten_drafts_is_overtaken_by_an_untried_one() -> None:
    assert first_picks({"a": Outcomes(0, 1)}, ["a", "b"])["a"] > 0.5  # one failure: still first
    assert first_picks({"a": Outcomes(0, 10)}, ["a", "b"])["a"] < 0.25  # E[Beta(3, 11)]
    assert first_picks({"a": Outcomes(0, 10), "b": Outcomes(5, 0)}, ["a", "b"])["a"] < 0.02


def test_untried_models_compete_with_a_mediocre_first() -> None:
    picks = first_picks({"a": Outcomes(5, 5)}, ["a", "b", "c"])
    assert picks["b"] > 0.1 and picks["c"] > 0.1


def test_the_rng_is_injected_so_orders_repeat() -> None:
    record = {"a": Outcomes(3, 3), "b": Outcomes(2, 2)}
    first = [order_chain(["a", "b", "c"], record, random.Random(1)) for _ in range(5)]
    assert first == [order_chain(["a", "b", "c"], record, random.Random(1))] * 5


# --- through the client ---------------------------------------------------------


def seed_outcomes(state_dir: Path, model: str, counts: Outcomes) -> None:
    state = FileState(state_dir)
    for name, count in zip(("accepted", "rejected", "no_answer"), counts, strict=True):
        for _ in range(count):
            state.record_outcome(KIND.value, model, name)


async def ask(settings: Settings, environ: dict[str, str], n: int = 1) -> list[str | None]:
    async with RotatingClient(settings, environ=environ, rng=random.Random(3)) as client:
        done = [await client.complete(KIND, PROMPT) for _ in range(n)]
    return [c.model for c in done]


def test_the_learned_order_is_used(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    seed_outcomes(tmp_path, "fake:a", Outcomes(0, 12))
    seed_outcomes(tmp_path, "fake:b", Outcomes(9, 0))
    models = asyncio.run(ask(make_settings(fake.base_url, tmp_path), environ, n=10))
    assert "fake:a" not in models  # the configured first, twelve drafts rejected
    assert models.count("fake:b") > models.count("fake:c")  # c, untried, still competes


def test_learn_false_keeps_the_configured_order_and_records_nothing(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    seed_outcomes(tmp_path, "fake:a", Outcomes(0, 12))
    seed_outcomes(tmp_path, "fake:b", Outcomes(9, 0))
    before = (tmp_path / LEARNING_FILE).read_text()
    settings = make_settings(fake.base_url, tmp_path, learn=False)
    assert asyncio.run(ask(settings, environ, n=3)) == ["fake:a"] * 3
    fake.script("a", rate_limited())  # no answer: learning would count it
    alone = settings._replace(
        chains={KIND: ("fake:a",)}, client=settings.client._replace(max_attempts=1)
    )
    assert asyncio.run(ask(alone, environ)) == [None]
    assert (tmp_path / LEARNING_FILE).read_text() == before


def test_a_cooling_favourite_is_never_picked(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    seed_outcomes(tmp_path, "fake:c", Outcomes(30, 0))
    fake.script("c", rate_limited(retry_after=30))
    models = asyncio.run(ask(make_settings(fake.base_url, tmp_path), environ, n=6))
    assert len(fake.calls_for("c")) == 1  # the 429, then never again inside its window
    assert "fake:c" not in models and fake.violations() == []


def test_a_model_without_its_key_is_never_picked(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    settings = make_settings(fake.base_url, tmp_path)
    from ttabot.config import Provider

    keyless = Provider(name="other", base_url=fake.base_url, api_key_env="OTHER_KEY")
    settings = settings._replace(
        providers={**settings.providers, "other": keyless},
        chains={KIND: ("other:x", "fake:a")},
    )
    seed_outcomes(tmp_path, "other:x", Outcomes(50, 0))
    assert asyncio.run(ask(settings, environ, n=5)) == ["fake:a"] * 5
    assert fake.calls_for("x") == []


def test_no_answer_is_recorded_against_the_model_tried(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    settings = make_settings(fake.base_url, tmp_path, chain=("a",), max_attempts=1)
    fake.script("a", rate_limited())
    assert asyncio.run(ask(settings, environ)) == [None]
    assert FileState(tmp_path).outcomes() == {(KIND.value, "fake:a"): Outcomes(0, 0, 1)}


# --- three draft runs ------------------------------------------------------------

FUNCTIONS = 8


def docstring_answers(model: str, body: Any) -> Reply:
    """Model a documents a parameter that does not exist; model b gets it right."""
    prompt = user_prompt(body)
    items = []
    for i in range(FUNCTIONS):
        if f"f{i}" in prompt:
            param = "value" if model == "b" else "wrong_name"
            text = f"Return the value plus {i}.\n\nArgs:\n    {param}: The number to add to."
            items.append({"symbol": f"f{i}", "docstring": text})
    return answer({"docstrings": items})


def draft_config(base_url: str, state_dir: Path) -> str:
    return f"""
[providers.fake]
base_url = "{base_url}"
[chains]
documentation = ["fake:a", "fake:b"]
[client]
deadline = 30.0
attempt-timeout = 15.0
backoff = [0.05]
state-dir = "{state_dir}"
[draft]
feedback-rounds = 1
docstring-batch = 1
docstring-style = "google"
"""


def draft_once(repo: GitRepo, seed: int) -> list[str]:
    from ttabot.check import run_check
    from ttabot.drafting import draft_findings
    from ttabot.sources import select_change

    selection = select_change(repo.path, staged=True)
    settings = load_settings(repo.path, None)
    result = run_check(selection, settings)

    async def run() -> list[str]:
        async with RotatingClient(settings, environ={}, rng=random.Random(seed)) as client:
            drafts = await draft_findings(selection, result, settings, client)
        return [str(d.accepted) for d in drafts]

    return asyncio.run(run())


def test_after_three_runs_a_model_whose_drafts_fail_gets_under_a_fifth_of_calls(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.responder = docstring_answers
    state_dir = tmp_path / "state"
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/calc.py", '"""Sums."""\n')
    repo.commit("init")
    body = "".join(f"\n\ndef f{i}(value):\n    return value + {i}\n" for i in range(FUNCTIONS))
    repo.write("pkg/calc.py", '"""Sums."""\n' + body)
    repo.write(".ttabot.toml", draft_config(fake.base_url, state_dir))
    repo.stage()
    for seed in range(3):
        assert set(draft_once(repo, seed)) <= {"True", "False"}
    calls_a, calls = len(fake.calls_for("a")), len(fake.calls)
    assert calls >= 3 * FUNCTIONS
    assert calls_a / calls < 0.2, (calls_a, calls)
    # Every rejection was charged to a, the model that wrote the answer; none to b.
    table = FileState(state_dir).outcomes()
    assert table[("documentation", "fake:a")].rejected == calls_a
    assert table[("documentation", "fake:a")].accepted == 0
    assert table[("documentation", "fake:b")] == Outcomes(len(fake.calls_for("b")), 0, 0)
    saved = json.loads((state_dir / LEARNING_FILE).read_text())
    assert set(saved["outcomes"]) == {"documentation"}
    assert not (repo.path / LEARNING_FILE).exists()  # never in the project


@pytest.mark.parametrize("learn", [False])
def test_learn_false_in_config(repo: GitRepo, tmp_path: Path, learn: bool) -> None:
    repo.write(".ttabot.toml", f"[client]\nlearn = {str(learn).lower()}\n")
    assert load_settings(repo.path, None).client.learn is learn


def test_models_stats_prints_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ttabot.cli import main

    seed_outcomes(tmp_path, "fake:a", Outcomes(1, 3, 2))
    config = tmp_path / "ttabot.toml"
    config.write_text(
        '[providers.fake]\nbase_url = "http://127.0.0.1:9/v1"\n'
        f'[client]\nstate-dir = "{tmp_path}"\n'
    )
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    assert main(["models", "--stats", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "task",
        "kind",
        "model",
        "accepted",
        "rejected",
        "no-answer",
        "p(accept)",
    ]
    assert lines[1].split() == ["documentation", "fake:a", "1", "3", "2", "0.33"]
    with config.open("a") as out:
        out.write("learn = false\n")
    assert main(["models", "--stats", "--config", str(config)]) == 0
    assert "learning is off" in capsys.readouterr().out


def test_a_model_with_the_worst_record_believed_is_still_asked_when_the_rest_fail(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    # Held, pinned: a provider whose answers keep failing validation (or a record
    # another process wrote) only orders the chain, it never removes a model: with a
    # billion rejections and every other model gone, the model is still asked.
    (tmp_path / LEARNING_FILE).write_text(
        json.dumps({"outcomes": {KIND.value: {"fake:a": [0, 10**9, 0]}}})
    )
    fake.script("b", Reply(401, {"error": {"message": "bad key"}}))
    fake.script("c", Reply(401, {"error": {"message": "bad key"}}))
    assert asyncio.run(ask(make_settings(fake.base_url, tmp_path), environ)) == ["fake:a"]


def test_models_stats_shows_each_model_read_from_shared_state_on_one_short_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Any runner sharing the state (a Redis, the cache folder) writes model names: a
    # line break in one forged rows of the table ("fake:good ... 99 accepted"), and a
    # name of a megabyte padded every row to that width.
    from ttabot.cli import main

    seed_outcomes(tmp_path, "fake:a\ndocumentation  fake:good  99  0  0  1.00", Outcomes(1, 0, 0))
    seed_outcomes(tmp_path, "fake:" + "w" * 100_000, Outcomes(0, 1, 0))
    config = tmp_path / "ttabot.toml"
    config.write_text(
        '[providers.fake]\nbase_url = "http://127.0.0.1:9/v1"\n'
        f'[client]\nstate-dir = "{tmp_path}"\n'
    )
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    assert main(["models", "--stats", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(len(line) < 400 for line in lines)
    assert lines[1].split()[:2] == ["documentation", "fake:a\\ndocumentation"]


def test_models_shows_each_quota_read_from_shared_state_on_one_short_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    from ttabot.cli import main
    from ttabot.llm.state import DailyQuota

    state = FileState(tmp_path)
    reset = time.time() + 3600
    forged = "x openrouter:free\n__openrouter:free:_1000/1000_left_today"
    assert state.publish_quota(forged, DailyQuota(50, 0, reset))
    assert state.publish_quota("y " + "w" * 100_000, DailyQuota(50, 1, reset))
    config = tmp_path / "ttabot.toml"
    config.write_text(f'[client]\nstate-dir = "{tmp_path}"\n')
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    assert main(["models", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    quotas = out[out.index("daily quotas:") :].splitlines()[1:]
    assert len(quotas) == 2 and all(len(line) < 400 for line in quotas), quotas
    assert "free\\n__openrouter" in out
