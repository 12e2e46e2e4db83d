"""Where settings come from: ``--config``, ``.ttabot.toml``, ``[tool.ttabot]``, environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ttabot.config.settings import Settings
from ttabot.config.tables import in_range, norm_key, settings_from_table
from ttabot.errors import TtabotError


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TtabotError(f"cannot read config {path}: {exc.strerror}") from None


def _parse_toml(data: bytes, path: Path) -> dict[str, Any]:
    # Imported here: most projects configure nothing, and the hook runs on every commit.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TtabotError(f"config {path} is not valid TOML: {exc}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return _parse_toml(_read_bytes(path), path)


def find_config(root: Path) -> tuple[dict[str, Any], str] | None:
    """Find ``.ttabot.toml`` or ``[tool.ttabot]`` in ``pyproject.toml`` under ``root``."""
    dotfile = root / ".ttabot.toml"
    if dotfile.is_file():
        return _read_toml(dotfile), str(dotfile)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = _read_bytes(pyproject)
        if b"ttabot" not in data:
            return None  # no [tool.ttabot] table can be spelled without the word
        tool = _parse_toml(data, pyproject).get("tool", {})
        table = tool.get("ttabot") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            return table, f"{pyproject} [tool.ttabot]"
    return None


_ENV_KEYS = {
    "TTABOT_MAX_COMPLEXITY": "max-complexity",
    "TTABOT_MAX_PARAMS": "max-params",
    "TTABOT_FAIL_ON": "fail-on",
}


def load_settings(
    root: Path,
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Load settings: ``explicit`` file, else the project's files, then environment overrides.

    Environment: ``TTABOT_CONFIG`` names a file like ``--config``;
    ``TTABOT_MAX_COMPLEXITY``, ``TTABOT_MAX_PARAMS`` and ``TTABOT_FAIL_ON``
    override the file. CLI flags are applied by the caller on top.
    """
    env = os.environ if environ is None else environ
    if explicit is None and env.get("TTABOT_CONFIG"):
        explicit = Path(env["TTABOT_CONFIG"])
    table: dict[str, Any] = {}
    source = "defaults"
    if explicit is not None:
        if not explicit.is_file():
            raise TtabotError(f"config file {explicit} does not exist")
        data = _read_toml(explicit)
        tool = data.get("tool")
        if explicit.name == "pyproject.toml" or (isinstance(tool, dict) and "ttabot" in tool):
            # A pyproject-style file (whatever its name) keeps its settings under [tool.ttabot].
            tool = data.get("tool", {})
            data = tool.get("ttabot", {}) if isinstance(tool, dict) else {}
        table, source = data, str(explicit)
    else:
        found = find_config(root)
        if found is not None:
            table, source = found
    table = dict(table)
    for var, key in _ENV_KEYS.items():
        if env.get(var):
            raw = env[var]
            table.pop(key, None)
            table.pop(norm_key(key), None)
            if key == "fail-on":
                table[key] = raw.split(",")
            else:
                try:
                    number = int(raw)
                except ValueError:
                    raise TtabotError(f"{var}={raw!r}: expected an integer") from None
                table[key] = in_range(norm_key(key), number, var)
    return settings_from_table(table, source)
