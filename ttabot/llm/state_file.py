"""The default state backend: small JSON files in one folder, each guarded by a lock file.

``cooldowns.json`` (``{"cooldowns": {key: until}}``), ``limits.json`` (each paced
bucket's log of request times), ``quota.json`` and ``learning.json``. Writers
take the file's lock, read, change and rename a new file into place, so readers
never see half a file and parallel processes (pre-commit hooks, back-to-back
runs) never lose each other's updates. A file that cannot be read is ignored with
one warning and replaced by the next write: the rename replaces a symlink or a
FIFO itself (nothing is written through them), and the new file is one its owner
can read and write, so a file of mode 000 does not come back as unreadable as it
went. A folder in a state file's place is left alone: nothing is shared through it.
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ttabot.fileio import read_regular
from ttabot.llm.state import (
    OUTCOMES,
    DailyQuota,
    Outcomes,
    Warn,
    finite,
    valid_cooldowns,
    valid_outcomes,
    valid_quota,
    warn_stderr,
)

STATE_FILE = "cooldowns.json"
LIMITS_FILE = "limits.json"
QUOTA_FILE = "quota.json"
LEARNING_FILE = "learning.json"
_LOCK_TIMEOUT = 2.0
#: Larger state files are ignored: ttabot's own never come near (a few KiB).
MAX_FILE_BYTES = 4 * 1024 * 1024

Clock = Callable[[], float]


class FileState:
    """Shared state in the files of ``directory`` (see the module docstring)."""

    def __init__(
        self, directory: Path, *, clock: Clock = time.time, warn: Warn = warn_stderr
    ) -> None:
        self.directory = directory
        self._clock = clock
        self._warn = warn
        self._warned: set[str] = set()
        self._seen: tuple[int, int, int] | None = None
        self._cache: dict[str, Any] = {}

    # --- files -------------------------------------------------------------------

    def _load(self, name: str) -> dict[str, Any]:
        """The JSON object in ``name`` ({} if absent; {} and one warning if unreadable)."""
        path = self.directory / name
        try:
            raw = _read_regular(path)
            if raw is None:
                self._warn_once(name, f"state file {path} is not a regular file")
                return {}
            if len(raw) > MAX_FILE_BYTES:
                self._warn_once(name, f"state file {path} is over {MAX_FILE_BYTES} bytes")
                return {}
            data = json.loads(raw.decode("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as exc:
            # ValueError covers bad JSON and bad UTF-8; RecursionError absurd nesting.
            self._warn_once(name, f"state file {path} cannot be read ({type(exc).__name__})")
            return {}
        if not isinstance(data, dict):
            self._warn_once(name, f"state file {path} is not a JSON object")
            return {}
        return data

    def _warn_once(self, name: str, message: str) -> None:
        if name not in self._warned:
            self._warned.add(name)
            self._warn(f"{message}; ignoring it")

    def _update(self, name: str, change: Callable[[dict[str, Any]], Any]) -> Any:
        """Apply ``change`` to ``name``'s object under its lock; None if the lock or disk failed."""
        from ttabot.fileio import locked, write_atomic

        path = self.directory / name
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with locked(path, _LOCK_TIMEOUT):
                data = self._load(name)
                result = change(data)
                write_atomic(path, json.dumps(data), mode=_mode_to_write(path))
        except OSError:  # the lock timed out (a TimeoutError), or the disk failed
            return None
        return result

    # --- cooldowns ---------------------------------------------------------------

    def cooldowns(self) -> dict[str, float]:
        """Cooldowns still running; re-reads the file only when it changed."""
        try:
            found = (self.directory / STATE_FILE).stat()
        except OSError:
            return {}
        # Every write renames a new file into place: a new inode (or size), even when
        # the file system stamps both writes with the same mtime tick.
        stamp = (found.st_ino, found.st_size, found.st_mtime_ns)
        if stamp != self._seen:
            self._seen = stamp
            self._cache = self._load(STATE_FILE)
        return valid_cooldowns(self._cache.get("cooldowns"), self._clock())

    def publish_cooldown(self, key: str, until: float) -> bool:
        """Merge one cooldown into the file (the later deadline wins); False if it could not."""

        def change(data: dict[str, Any]) -> bool:
            table = valid_cooldowns(data.get("cooldowns"), self._clock())
            table[key] = max(until, table.get(key, 0.0))
            data.clear()
            data["cooldowns"] = table
            return True

        return bool(self._update(STATE_FILE, change))

    # --- the rolling window of a paced provider ----------------------------------

    def acquire(self, bucket: str, limit: int, window: float) -> float:
        """Take a slot in ``bucket``'s rolling window; 0.0, else seconds until one frees."""

        def change(data: dict[str, Any]) -> float:
            now = self._clock()
            windows = data.get("windows")
            windows = windows if isinstance(windows, dict) else {}
            logged = windows.get(bucket)
            # Times in the window, believable ones only (not in the future, not garbage).
            times = sorted(
                t
                for t in (finite(v) for v in (logged if isinstance(logged, list) else []))
                if t is not None and now - window < t <= now
            )
            if len(times) >= limit:
                return max(times[len(times) - limit] + window - now, 0.001)
            windows[bucket] = [*times, now]
            data.clear()
            data["windows"] = {
                name: log
                for name, log in windows.items()
                if isinstance(name, str) and isinstance(log, list)
            }
            return 0.0

        waited = self._update(LIMITS_FILE, change)
        # The limits file is unusable (disk full, lock stuck): pace in-process only.
        return 0.0 if waited is None else float(waited)

    # --- daily quotas --------------------------------------------------------------

    def quotas(self) -> dict[str, DailyQuota]:
        """Daily quotas whose reset is still ahead."""
        now = self._clock()
        table = self._load(QUOTA_FILE).get("quotas")
        out: dict[str, DailyQuota] = {}
        for key, value in table.items() if isinstance(table, dict) else ():
            quota = valid_quota(value, now)
            if isinstance(key, str) and quota is not None:
                out[key] = quota
        return out

    def publish_quota(self, key: str, quota: DailyQuota) -> bool:
        """Store the latest view of one daily quota."""

        def change(data: dict[str, Any]) -> bool:
            now = self._clock()
            table = data.get("quotas")
            kept = {
                k: list(q)
                for k, v in (table.items() if isinstance(table, dict) else ())
                if isinstance(k, str) and (q := valid_quota(v, now)) is not None
            }
            kept[key] = list(quota)
            data.clear()
            data["quotas"] = kept
            return True

        return bool(self._update(QUOTA_FILE, change))

    # --- learning --------------------------------------------------------------------

    def record_outcome(self, kind: str, model: str, outcome: str) -> bool:
        """Count one draft outcome for ``(kind, model)``."""
        field = OUTCOMES.index(outcome)

        def change(data: dict[str, Any]) -> bool:
            table = _outcome_table(data.get("outcomes"))
            counts = list(table.get((kind, model), Outcomes()))
            counts[field] += 1
            table[(kind, model)] = Outcomes(*counts)
            nested: dict[str, dict[str, list[int]]] = {}
            for (k, m), c in table.items():
                nested.setdefault(k, {})[m] = list(c)
            data.clear()
            data["outcomes"] = nested
            return True

        return bool(self._update(LEARNING_FILE, change))

    def outcomes(self) -> dict[tuple[str, str], Outcomes]:
        """Every ``(kind, model)``'s counted outcomes."""
        return _outcome_table(self._load(LEARNING_FILE).get("outcomes"))


def _read_regular(path: Path) -> bytes | None:
    """At most ``MAX_FILE_BYTES + 1`` bytes of ``path``, if a regular file (``read_regular``)."""
    return read_regular(path, MAX_FILE_BYTES)


def _mode_to_write(path: Path) -> int:
    """The permission bits for ``path``'s next version: the old regular file's, with the
    owner's read and write added (a folder shared by a group keeps its group bits);
    0o600 in place of anything else (a symlink's target's mode is not taken)."""
    try:
        found = path.lstat()
    except OSError:
        return 0o600
    if not stat.S_ISREG(found.st_mode):
        return 0o600
    return (found.st_mode & 0o777) | 0o600


def _outcome_table(nested: Any) -> dict[tuple[str, str], Outcomes]:
    out: dict[tuple[str, str], Outcomes] = {}
    for kind, models in nested.items() if isinstance(nested, dict) else ():
        for model, value in models.items() if isinstance(models, dict) else ():
            counts = valid_outcomes(value)
            if isinstance(kind, str) and isinstance(model, str) and counts is not None:
                out[(kind, model)] = counts
    return out
