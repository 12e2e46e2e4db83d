"""A state file that is unreadable, a folder, a symlink or a FIFO: one warning, never a
traceback, never a hang, never a write through the link; rebuilt where that is safe.

The cases run as an ordinary user (as ``nobody`` when the tests run as root), in a
folder of that user's own, since root reads a file of mode 000 all the same.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.llm.conftest import KIND, make_settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.ordinary_user import run_as_ordinary_user
from ttabot.llm import RotatingClient
from ttabot.llm.state_file import LEARNING_FILE, LIMITS_FILE, QUOTA_FILE, STATE_FILE

#: Plants ``argv[2]`` in the form ``argv[3]`` in a new folder under ``argv[1]``, uses it
#: as a ``FileState`` twice (two runs), prints what happened as JSON.
_DRIVER = """
import json, os, sys, time, tempfile
from pathlib import Path
from ttabot.llm.state import DailyQuota
from ttabot.llm.state_file import FileState

top, name, form = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
folder = Path(tempfile.mkdtemp(dir=top))
path, victim = folder / name, folder / "victim.json"
victim.write_text('{"victim": true}')
if form == "mode-000":
    path.write_text("{}")
    path.chmod(0)
elif form == "folder":
    path.mkdir()
elif form == "symlink":
    path.symlink_to(victim)
elif form == "symlink-to-unreadable":
    victim.chmod(0)
    path.symlink_to(victim)
elif form == "dangling-symlink":
    path.symlink_to(folder / "nowhere.json")
elif form == "fifo":
    os.mkfifo(path)

warnings = []
until = time.time() + 600
quota = DailyQuota(50, 3, time.time() + 3600)
def use(state, run):
    if name == "cooldowns.json":
        state.cooldowns()
        wrote = state.publish_cooldown("m", until)
        return wrote, state.cooldowns() == {"m": until}
    if name == "limits.json":
        # One slot in the window: the first run takes it, the next finds it taken.
        waits = state.acquire("b", 1, 600)
        return (waits == 0.0) == (run == 1), state.acquire("b", 1, 600) > 0
    if name == "quota.json":
        state.quotas()
        return state.publish_quota("q", quota), state.quotas() == {"q": quota}
    before = state.outcomes().get(("documentation", "m"), (0,))[0]
    wrote = state.record_outcome("documentation", "m", "accepted")
    return wrote, state.outcomes().get(("documentation", "m"), (0,))[0] == before + 1

first = use(FileState(folder, warn=warnings.append), 1)
second = use(FileState(folder, warn=warnings.append), 2)
victim.chmod(0o600)
print(json.dumps({
    "first": first, "second": second, "warnings": warnings,
    "victim": victim.read_text(),
    "now": "link" if path.is_symlink() else "folder" if path.is_dir() else "file"
           if path.is_file() else "other" if os.path.lexists(path) else "missing",
    "nowhere": (folder / "nowhere.json").exists(),
    "mode": path.lstat().st_mode & 0o777 if path.is_file() else None,
}))
"""

NAMES = [STATE_FILE, LIMITS_FILE, QUOTA_FILE, LEARNING_FILE]


@pytest.fixture(scope="module")
def top() -> Iterator[Path]:
    # Not under pytest's own temporary folder: it is root's alone (mode 700).
    folder = Path(tempfile.mkdtemp(prefix="ttabot-hostile-state-"))
    os.chmod(folder, 0o1777)  # the ordinary user makes its own folders in here
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def _planted(top: Path, name: str, form: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run_as_ordinary_user(_DRIVER, str(top), name, form))
    assert result["victim"] == '{"victim": true}'  # never written through a link
    assert result["nowhere"] is False  # nor created at a dangling link's target
    return result


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "form", ["mode-000", "symlink", "symlink-to-unreadable", "dangling-symlink", "fifo"]
)
def test_a_broken_state_file_is_warned_about_once_and_rebuilt(
    top: Path, name: str, form: str
) -> None:
    result = _planted(top, name, form)
    assert len(result["warnings"]) == 1, result
    assert name in str(result["warnings"])
    assert result["now"] == "file"
    # Its owner's to read and write, and no one else's: not the mode of the link (777),
    # of the FIFO, or of the unreadable file it replaced.
    assert result["mode"] == 0o600, oct(result["mode"])
    # Rebuilt: what the first run wrote, it and the next run read back.
    assert result["first"] == [True, True], result
    assert result["second"] == [True, True], result


@pytest.mark.parametrize("name", NAMES)
def test_a_state_file_that_is_a_folder_is_left_alone_with_one_warning(top: Path, name: str) -> None:
    # A folder may hold anything: it is not removed; the run goes on without sharing it.
    result = _planted(top, name, "folder")
    assert result["now"] == "folder"
    assert len(result["warnings"]) == 2, result  # once per run
    assert "cannot be read" in str(result["warnings"])


@pytest.mark.parametrize("form", ["folder", "fifo", "symlink"])
def test_a_run_with_a_broken_state_file_answers_with_one_warning_line(
    fake: FakeOpenAI,
    tmp_path: Path,
    environ: dict[str, str],
    capfd: pytest.CaptureFixture[str],
    form: str,
) -> None:
    path = tmp_path / STATE_FILE
    (tmp_path / "elsewhere.json").write_text("{}")
    if form == "folder":
        path.mkdir()
    elif form == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(tmp_path / "elsewhere.json")

    async def main() -> bool:
        async with RotatingClient(make_settings(fake.base_url, tmp_path), environ=environ) as c:
            return (await c.complete(KIND, [{"role": "user", "content": "hi"}])).ok

    assert asyncio.run(main())
    err = capfd.readouterr().err
    assert err.count("ttabot: warning:") == 1 and "Traceback" not in err, err
    assert (tmp_path / "elsewhere.json").read_text() == "{}"
