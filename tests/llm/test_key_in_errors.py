"""A key the HTTP stack refuses to send is never quoted back in an error.

h11 refuses a header value holding a line break (a key read from a two-line file, a
secret pasted with a newline inside) and says so quoting the whole header:
``Illegal header value b'Bearer sk-or-v1-…\\nsecond-line'``. The key masking looks for
the key's text, but the quote spells the line break as ``\\n``, so both halves of the
key went out whole in ``ask``'s error line, in ``--out`` records and in draft reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.llm.test_cli import ask_docs, write_config
from tests.support.fake_openai import FakeOpenAI

FIRST, SECOND = "sk-or-v1-" + "0a1b" * 16, "s3cond-line-of-the-key-file"


@pytest.mark.parametrize("key", [f"{FIRST}\n{SECOND}", f"{FIRST}\r\n{SECOND}", f"{FIRST} \n"])
def test_a_key_that_is_not_a_valid_header_is_not_quoted(
    key: str,
    fake: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_API_KEY", key)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, fake.base_url, chain='["fake:a"]')
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "one"}\n')
    out = tmp_path / "r.jsonl"
    metrics = tmp_path / "m.json"
    code = ask_docs(config, "--batch", str(prompts), "--out", str(out), "--metrics", str(metrics))
    assert code == 1
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    printed = capsys.readouterr()
    everything = printed.out + printed.err + json.dumps(record) + metrics.read_text()
    assert "not valid HTTP" in record["error"]
    assert FIRST[12:40] not in everything and SECOND not in everything
    assert fake.calls_for("a") == []  # refused before anything was sent
