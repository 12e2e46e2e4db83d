"""Where settings come from: ``--config``, ``.ttabot.toml``, ``[tool.ttabot]``, environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ttabot.config.settings import Settings
from ttabot.config.tables import settings_from_table
from ttabot.config.values import in_range, norm_key, parse_categories
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
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise TtabotError(f"config {path} is not valid TOML: nested too deeply") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return _parse_toml(_read_bytes(path), path)


def find_config(root: Path) -> tuple[dict[str, Any], str] | None:
    """Find the project's settings under ``root``: ``.ttabot.toml`` and ``[tool.ttabot]``.

    When both exist they are merged, key by key: a key of ``.ttabot.toml``
    overrides the same key of ``[tool.ttabot]``, and tables (``[client]``,
    ``[providers.NAME]``...) merge the same way, one level down at a time.
    Each file is validated on its own first, so an error names its file.
    """
    found: list[tuple[dict[str, Any], str]] = []
    pyproject = _project_file(root, "pyproject.toml")
    if pyproject.is_file():
        data = _read_bytes(pyproject)
        # No [tool.ttabot] table can be spelled without the word: skip parsing on the hook path.
        if b"ttabot" in data:
            table = _tool_table(_parse_toml(data, pyproject), pyproject)
            if table is not None:
                found.append((table, f"{pyproject} [tool.ttabot]"))
    dotfile = _project_file(root, ".ttabot.toml")
    if dotfile.is_file():
        table = _read_toml(dotfile)
        _refuse_tool_table(table, dotfile)
        found.append((table, str(dotfile)))
    if not found:
        return None
    if len(found) == 1:
        _validate(*found[0])
        return found[0]
    (base, base_source), (top, top_source) = found
    source = f"{top_source} over {base_source}"
    try:
        merged = merge_tables(base, top)
    except RecursionError:  # dotted keys nest tables without limit; no setting is that deep
        raise TtabotError(f"config {source}: tables nested too deeply") from None
    try:
        settings_from_table(merged, source)
    except TtabotError as exc:
        raise TtabotError(_blame(str(exc), found, source)) from None
    return merged, source


def _tool_table(data: Mapping[str, Any], path: Path) -> dict[str, Any] | None:
    """``[tool.ttabot]`` of a pyproject-style file; None when it has none.

    ``tool.ttabot = "..."`` (a value, not a table) is an error: ignored, the
    settings the user wrote there would silently not apply.
    """
    tool = data.get("tool")
    if not isinstance(tool, dict) or "ttabot" not in tool:
        return None
    table = tool["ttabot"]
    if not isinstance(table, dict):
        raise TtabotError(f"{path}: [tool.ttabot] expected a table, not a {type(table).__name__}")
    return table


def _project_file(root: Path, name: str) -> Path:
    """``root / name``, refused when it is a link to a file outside the repository.

    The project's files are the project's say; a cloned repository's link to
    ``~/.config/…`` or another checkout would choose settings from elsewhere.
    """
    path = root / name
    # realpath, not Path.resolve: a link in a loop resolves to itself instead of raising
    # RuntimeError (is_file then says no file, as for any dangling link).
    if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(
        os.path.realpath(root)
    ):
        raise TtabotError(
            f"{path} is a symbolic link out of the repository: ttabot reads the project's "
            "settings only from inside it (name another file with --config)"
        )
    return path


def _blame(message: str, found: list[tuple[dict[str, Any], str]], merged: str) -> str:
    """``message`` prefixed with the file it comes from (checked alone), else with both.

    A chain in one file may name a provider defined in the other: only the merged
    table is valid then, so a file is blamed only when it fails alone the same way.
    """
    for table, source in found:
        try:
            settings_from_table(table, source)
        except TtabotError as exc:
            if str(exc) == message:
                return f"{source}: {message}"
    return f"{merged}: {message}"


def _refuse_tool_table(table: Mapping[str, Any], path: Path) -> None:
    """``.ttabot.toml`` takes its keys at top level: a ``[tool.ttabot]`` there is misplaced."""
    if "tool" in table:
        raise TtabotError(
            f"{path}: holds a [tool] table; .ttabot.toml takes ttabot's keys at top level "
            "(write `max-params = 3`, not `[tool.ttabot]`), or move them to pyproject.toml"
        )


def _validate(table: Mapping[str, Any], source: str) -> None:
    """Fail now, naming ``source``, when ``table`` holds a key or value ttabot cannot mean."""
    try:
        settings_from_table(table, source)
    except TtabotError as exc:
        raise TtabotError(f"{source}: {exc}") from None


def merge_tables(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``top``'s keys laid over it; tables merge recursively, per key.

    ``max-params`` and ``max_params`` are one key: ``top``'s spelling replaces ``base``'s.
    """
    merged = dict(base)
    for key, value in top.items():
        same = [k for k in merged if norm_key(k) == norm_key(key)]
        previous = merged.pop(same[0]) if same else None
        if isinstance(previous, dict) and isinstance(value, dict):
            value = merge_tables(previous, value)
        merged[key] = value
    return merged


def project_root(cwd: Path) -> Path:
    """The repository root holding ``cwd`` (the nearest folder with ``.git``), else ``cwd``.

    ``ask`` and ``models`` read the same settings as ``check`` and ``draft`` from any
    sub-folder, without paying for a git call.
    """
    here = cwd.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return cwd


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
    override the file; ``TTABOT_STATE_URL`` sets ``[state] url`` (a Redis URL with a
    password belongs in a secret, not in a committed file). CLI flags are applied by
    the caller on top.
    """
    env = os.environ if environ is None else environ
    named_by = "--config"
    if explicit is None and env.get("TTABOT_CONFIG"):
        explicit = Path(env["TTABOT_CONFIG"])
        named_by = "the environment variable TTABOT_CONFIG"
    table: dict[str, Any] = {}
    source = "defaults"
    if explicit is not None:
        if not explicit.is_file():
            # A FIFO or a device is never read: it could block, or never end.
            why = "is not a regular file" if explicit.exists() else "does not exist"
            raise TtabotError(f"config file {explicit} (named by {named_by}) {why}")
        data = _read_toml(explicit)
        tool = data.get("tool")
        if explicit.name == "pyproject.toml" or (isinstance(tool, dict) and "ttabot" in tool):
            # A pyproject-style file (whatever its name) keeps its settings under [tool.ttabot].
            data = _tool_table(data, explicit) or {}
        table, source = data, str(explicit)
        _validate(table, source)
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
                parse_categories(raw, var)  # an unknown category names the variable
                table[key] = raw.split(",")
            else:
                try:
                    number = int(raw)
                except ValueError:
                    raise TtabotError(f"{var}={raw!r}: expected an integer") from None
                table[key] = in_range(norm_key(key), number, var)
    if env.get("TTABOT_STATE_URL"):
        state = table.get("state")
        table["state"] = {
            **(state if isinstance(state, dict) else {}),
            "url": env["TTABOT_STATE_URL"],
        }
    try:
        return settings_from_table(table, source)
    except TtabotError as exc:
        # The files were validated on their own: what fails now came from the environment.
        raise TtabotError(f"{source} with the environment: {exc}") from None
