"""Cooldowns shared between processes through the state file."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import FakeOpenAI, rate_limited
from ttabot.config import Settings
from ttabot.llm import Completion, RotatingClient
from ttabot.llm.state_file import STATE_FILE, FileState

PROMPT = [{"role": "user", "content": "hi"}]


def ask_once(settings: Settings, environ: dict[str, str]) -> Completion:
    async def main() -> Completion:
        async with RotatingClient(settings, environ=environ) as client:
            return await client.complete(KIND, PROMPT)

    return asyncio.run(main())


def test_a_cooldown_learned_by_one_client_is_respected_by_the_next(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", rate_limited(retry_after=30))
    settings = make_settings(fake.base_url, tmp_path)
    assert ask_once(settings, environ).model == "fake:b"
    saved = json.loads((tmp_path / STATE_FILE).read_text())["cooldowns"]
    assert list(saved) == [f"{fake.base_url}/chat/completions a"]
    assert ask_once(settings, environ).model == "fake:b"  # a fresh client, as a new process
    assert len(fake.calls_for("a")) == 1
    assert fake.violations() == []


def test_another_process_learns_it_too(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", rate_limited(retry_after=30))
    assert ask_once(make_settings(fake.base_url, tmp_path), environ).model == "fake:b"
    script = (
        "import asyncio, sys\n"
        "from tests.llm.conftest import KIND, make_settings\n"
        "from ttabot.llm import RotatingClient\n"
        "from pathlib import Path\n"
        "async def main():\n"
        "    s = make_settings(sys.argv[1], Path(sys.argv[2]))\n"
        "    async with RotatingClient(s, environ={'FAKE_API_KEY': 'k'}) as c:\n"
        "        r = await c.complete(KIND, [{'role': 'user', 'content': 'x'}])\n"
        "    print(r.model)\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, fake.base_url, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
        timeout=60,
    )
    assert out.stdout.strip() == "fake:b"
    assert len(fake.calls_for("a")) == 1


def test_state_off_shares_nothing(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    fake.script("a", rate_limited(retry_after=30))
    settings = make_settings(fake.base_url, tmp_path, shared_state=False)
    assert ask_once(settings, environ).model == "fake:b"
    assert not (tmp_path / STATE_FILE).exists()
    assert ask_once(settings, environ).model == "fake:a"


def test_later_deadline_wins_and_expired_entries_are_dropped(tmp_path: Path) -> None:
    shared = FileState(tmp_path)
    now = time.time()
    assert shared.publish_cooldown("m", now + 50)
    assert shared.publish_cooldown("m", now + 10)
    assert shared.publish_cooldown("old", now - 1)
    assert shared.cooldowns() == {"m": now + 50}
    shared.publish_cooldown("n", now + 5)
    assert "old" not in json.loads((tmp_path / STATE_FILE).read_text())["cooldowns"]


def test_a_corrupt_state_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text("{not json")
    shared = FileState(tmp_path)
    assert shared.cooldowns() == {}
    until = time.time() + 60
    assert shared.publish_cooldown("m", until)
    assert shared.cooldowns() == {"m": until}


def test_a_hostile_state_file_neither_crashes_nor_blocks_a_run(
    fake: FakeOpenAI, tmp_path: Path, environ: dict[str, str]
) -> None:
    key = f"{fake.base_url}/chat/completions a"
    year = time.time() + 365 * 24 * 3600
    (tmp_path / STATE_FILE).write_text(f'{{"cooldowns": {{"{key}": {"9" * 400}, "x": {year}}}}}')
    assert ask_once(make_settings(fake.base_url, tmp_path), environ).model == "fake:a"
    (tmp_path / STATE_FILE).write_text(f'{{"cooldowns": {{"{key}": {year}}}}}')
    assert ask_once(make_settings(fake.base_url, tmp_path), environ).model == "fake:a"
