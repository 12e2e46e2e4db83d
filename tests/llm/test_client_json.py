"""Structured output through the client: ask for JSON, validate, retry once, rotate."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import FakeOpenAI, ok
from ttabot.config import Settings
from ttabot.llm import Completion, RotatingClient

SCHEMA = {
    "type": "object",
    "required": ["docstring"],
    "properties": {"docstring": {"type": "string"}},
}
PROMPT = [{"role": "user", "content": "Document add()."}]


def ask_json(settings: Settings, environ: dict[str, str]) -> tuple[Completion, RotatingClient]:
    async def main() -> tuple[Completion, RotatingClient]:
        async with RotatingClient(settings, environ=environ) as client:
            return await client.complete(KIND, PROMPT, schema=SCHEMA), client

    return asyncio.run(main())


def test_json_is_requested_parsed_and_validated(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", ok('<think>easy</think>```json\n{"docstring": "Add two numbers."}\n```'))
    result, _ = ask_json(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.data == {"docstring": "Add two numbers."}
    body = fake.calls[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["role"] == "system"
    assert "JSON" in body["messages"][0]["content"]
    assert body["messages"][-1] == PROMPT[0]


def test_invalid_output_is_retried_once_on_the_same_model_with_the_error(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", ok("I think the docstring is: Add."), ok('{"docstring": "Add."}'))
    result, client = ask_json(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:a" and result.attempts == 2
    retry = fake.calls[1].body["messages"]
    assert retry[-2] == {"role": "assistant", "content": "I think the docstring is: Add."}
    assert "not valid" in retry[-1]["content"] and "no JSON" in retry[-1]["content"]
    assert client.metrics.models["fake:a"].failures["invalid_output"] == 1


def test_invalid_twice_rotates_and_the_next_model_starts_fresh(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", ok('{"doc": 1}'), ok('{"docstring": 5}'))
    fake.script("b", ok('{"docstring": "Add."}'))
    result, _ = ask_json(make_settings(fake.base_url, tmp_path), environ)
    assert result.ok and result.model == "fake:b" and result.attempts == 3
    assert result.answers == 3  # invalid answers are still answers
    assert len(fake.calls[2].body["messages"]) == 2  # system + user: no feedback from a


def test_json_mode_off_leaves_response_format_out(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", ok('{"docstring": "Add."}'))
    settings = make_settings(fake.base_url, tmp_path)
    provider = settings.providers["fake"]._replace(json_mode=False)
    settings = settings._replace(providers={"fake": provider})
    result, _ = ask_json(settings, environ)
    assert result.ok and "response_format" not in fake.calls[0].body
