"""Per-path settings: ``[per-path."GLOB"]`` tables laid over the check settings.

Like ruff's per-file-ignores: a path takes the top-level check settings, then
every per-path table whose glob matches it, in file order (a later table wins
on the keys it sets). Globs match as ``include``/``exclude`` do.
"""

from __future__ import annotations

from typing import Any

from ttabot.analysis.paths import matches
from ttabot.config import CheckSettings


def settings_for(settings: CheckSettings, path: str) -> CheckSettings:
    """``settings`` as they apply to the repo-relative ``path``."""
    changes: dict[str, Any] = {}
    for table in settings.per_path:
        if matches(path, table.pattern):
            changes.update(table.changes)
    return settings._replace(**changes) if changes else settings
