"""Cooldowns shared between ttabot processes on one machine.

A small JSON file (``{"cooldowns": {key: until}}``, epoch seconds) under the
user's cache directory, guarded by a lock file. Parallel pre-commit hooks and
back-to-back runs read it, so a cooldown one of them learned is respected by
all. The file is an optimisation: if it is unreadable, corrupt or locked for
too long, ttabot carries on without it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ttabot.llm.cooldown import Clock

STATE_FILE = "cooldowns.json"
_LOCK_TIMEOUT = 2.0


def default_state_dir() -> Path:
    """The user's cache directory for ttabot (``platformdirs``)."""
    import platformdirs  # imported here: it is only needed when sharing state

    return Path(platformdirs.user_cache_dir("ttabot", appauthor=False))


def _read(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    table = data.get("cooldowns") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return {}
    return {
        str(key): float(value)
        for key, value in table.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


class SharedCooldowns:
    """Read and publish announced cooldowns through the state file in ``directory``."""

    def __init__(self, directory: Path, clock: Clock = time.time) -> None:
        self.path = directory / STATE_FILE
        self._clock = clock
        self._seen: int | None = None
        self._cache: dict[str, float] = {}

    def read(self) -> dict[str, float]:
        """Cooldowns still running; re-reads the file only when it changed."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except OSError:
            return {}
        if stamp != self._seen:
            self._seen = stamp
            self._cache = _read(self.path)
        now = self._clock()
        return {key: until for key, until in self._cache.items() if until > now}

    def publish(self, key: str, until: float) -> bool:
        """Merge one cooldown into the file (the later deadline wins); False if it could not."""
        import filelock  # imported here: only a failing model pays for it

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with filelock.FileLock(str(self.path) + ".lock", timeout=_LOCK_TIMEOUT):
                now = self._clock()
                table = {k: v for k, v in _read(self.path).items() if v > now}
                table[key] = max(until, table.get(key, 0.0))
                self._write(table)
        except (OSError, filelock.Timeout):
            return False
        return True

    def _write(self, table: dict[str, float]) -> None:
        from ttabot.fileio import write_atomic  # only needed when a cooldown is learned

        # Renamed into place, so readers never see half a file.
        write_atomic(self.path, json.dumps({"cooldowns": table}))
