"""A model's text is Unicode text: a lone surrogate never reaches an output.

JSON may spell any UTF-16 code unit as ``\\uXXXX``, a lone surrogate too, and a stream
may send the two halves of one pair (an emoji) in two chunks. Python keeps lone
surrogates in a ``str``, and no UTF-8 stream can write one: ``ttabot ask`` ended in
a ``UnicodeEncodeError`` traceback on a hostile (or clumsy) provider's answer, and
``--out`` records carried ``\\ud800`` escapes that strict JSON readers refuse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.llm.test_cli import ask_docs, write_config
from tests.support.fake_openai import FakeOpenAI, error_in_200, ok, sse_events, streamed
from tests.support.loopback import Reply

#: One emoji as two chunks of the stream, each one half of its surrogate pair.
SPLIT_PAIR = sse_events("a\ud83d\ude00b", pieces=4)


@pytest.fixture
def config(fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_API_KEY", "sk-fake-key-123")
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return write_config(tmp_path, fake.base_url, chain='["fake:a"]')


@pytest.mark.parametrize(
    ("reply", "shown"),
    [
        (ok("hi \ud800 there \udcff"), "hi \ufffd there \ufffd"),
        (streamed(*SPLIT_PAIR), "a\U0001f600b"),
    ],
)
def test_ask_prints_an_answer_with_surrogates_as_text(
    reply: Reply,
    shown: str,
    fake: FakeOpenAI,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.responder = lambda model, body: reply
    assert ask_docs(config, "Say hi") == 0
    assert capsys.readouterr().out == shown + "\n"


def test_batch_records_are_strict_utf8_json(fake: FakeOpenAI, config: Path, tmp_path: Path) -> None:
    replies = {"one": ok("x\udc80y"), "two": error_in_200("bad \ud83d")}

    def answer(model: str, body: Any) -> Reply:
        return replies[body["messages"][-1]["content"]]

    fake.responder = answer
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "one"}\n{"prompt": "two"}\n')
    out = tmp_path / "r.jsonl"
    ask_docs(config, "--batch", str(prompts), "--out", str(out))
    one, two = (json.loads(line) for line in out.read_text().splitlines())
    assert one["content"] == "x\ufffdy"
    assert "bad \ufffd" in two["error"]
    json.dumps([one, two], ensure_ascii=False).encode("utf-8")  # no surrogate left
