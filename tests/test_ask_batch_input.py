"""``ttabot ask --batch`` input without an end: one line and exit 2, not a MemoryError."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from ttabot.commands import ask_files
from ttabot.errors import TtabotError

#: Address space for the child: ample for ttabot and a capped read, far below "all".
ADDRESS_SPACE = 2 << 30


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_a_batch_without_an_end_is_one_line_and_exit_2(tmp_path: Path) -> None:
    args = ["ask", "--task", "documentation", "--batch", "/dev/zero", "--out", "o.jsonl"]
    done = subprocess.run(
        [sys.executable, "-m", "ttabot", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=_limited,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ttabot: error: /dev/zero is larger than")


def test_a_batch_is_read_up_to_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    batch = tmp_path / "p.jsonl"
    batch.write_text('{"prompt": "a"}\n')
    monkeypatch.setattr(ask_files, "MAX_BATCH_BYTES", batch.stat().st_size, raising=False)
    assert ask_files.read_batch(batch) == ["a"]
    monkeypatch.setattr(ask_files, "MAX_BATCH_BYTES", batch.stat().st_size - 1, raising=False)
    with pytest.raises(TtabotError, match="larger than"):
        ask_files.read_batch(batch)
