"""The sandbox's resource limits in ``[draft]``: defaults, units, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttabot.cli import main
from ttabot.config import load_settings
from ttabot.config.settings import DraftSettings
from ttabot.errors import TtabotError

MIB = 1 << 20


def test_defaults_bound_every_run() -> None:
    draft = DraftSettings()
    assert (draft.max_file_size, draft.max_memory) == (256 * MIB, 4096 * MIB)
    assert (draft.max_processes, draft.tmp_size) == (1024, 512 * MIB)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("max-file-size = 1048576", "max_file_size", MIB),
        ('max-file-size = "1M"', "max_file_size", MIB),
        ('max-memory = "2 GiB"', "max_memory", 2048 * MIB),
        ('max_memory = "512MB"', "max_memory", 512 * MIB),
        ('tmp-size = "2m"', "tmp_size", 2 * MIB),
        ("tmp-size = 0", "tmp_size", 0),
        ('max-memory = "0"', "max_memory", 0),
        ("max-processes = 16", "max_processes", 16),
        ("max-processes = 0", "max_processes", 0),
    ],
)
def test_limits_are_read(tmp_path: Path, text: str, field: str, value: int) -> None:
    (tmp_path / ".ttabot.toml").write_text(f"[draft]\n{text}\n")
    assert getattr(load_settings(tmp_path, environ={}).draft, field) == value


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("max-file-size = -1", "draft.max-file-size: must be 0 (no limit) or at least 65536"),
        ("max-file-size = 10", "draft.max-file-size: must be 0 (no limit) or at least 65536"),
        (
            "max-memory = 1.5",
            'draft.max-memory: expected an integer (bytes, or a size such as "256M")',
        ),
        ('max-memory = "lots"', "draft.max-memory: expected an integer"),
        ('max-memory = "1.5G"', "draft.max-memory: expected an integer"),
        ('max-memory = "4X"', "draft.max-memory: expected an integer"),
        ("max-memory = true", "draft.max-memory: expected an integer"),
        ('max-memory = "1M"', "draft.max-memory: must be 0 (no limit) or at least 67108864"),
        ('tmp-size = "99999999999T"', "draft.tmp-size: '99999999999T' is too large"),
        # Past Python's 4,300-digit limit int() raised ValueError: a traceback.
        ('tmp-size = "' + "9" * 5000 + 'M"', "draft.tmp-size: '99999999999"),
        ('max-memory = "' + "x" * 5000 + '"', "expected an integer"),
        ("max-processes = 3", "draft.max-processes: must be 0 (no limit) or at least 16"),
        ('max-processes = "64"', "draft.max-processes: expected an integer, not '64'"),
    ],
)
def test_bad_limits_are_one_line(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / ".ttabot.toml").write_text(f"[draft]\n{text}\n")
    with pytest.raises(TtabotError) as info:
        load_settings(tmp_path, environ={})
    assert needle in str(info.value)
    assert "\n" not in str(info.value) and len(str(info.value)) < len(str(tmp_path)) + 200


def test_a_bad_limit_stops_draft_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".ttabot.toml").write_text('[draft]\nmax-memory = "lots"\n')
    (tmp_path / "change.diff").write_text("")
    monkeypatch.chdir(tmp_path)
    assert main(["draft", "--dry-run", "--diff", "change.diff", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ttabot: error: ") and "draft.max-memory" in err
    assert err.count("\n") == 1
