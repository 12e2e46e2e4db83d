"""Settings: defaults, ``[tool.ttabot]`` / ``.ttabot.toml`` / ``--config``, environment.

Settings are one frozen value built once at the edge and passed down; nothing
reads configuration from a global. Keys may be written ``kebab-case`` or
``snake_case``; an unknown key is an error that names it. The settings classes
are ``NamedTuple``s, not frozen dataclasses, to keep ``dataclasses`` (and
``inspect``) out of ``ttabot check``, which runs on every commit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from ttabot.errors import TtabotError
from ttabot.records import Category, TaskKind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib


OPENROUTER_URL = "https://openrouter.ai/api/v1"

_MISTRAL_SMALL = "openrouter:mistralai/mistral-small-3.2-24b-instruct:free"
_R1_QWEN3_8B = "openrouter:deepseek/deepseek-r1-0528-qwen3-8b:free"
_DEEPSEEK_V31 = "openrouter:deepseek/deepseek-chat-v3.1:free"
_QWEN3_CODER = "openrouter:qwen/qwen3-coder:free"
_LLAMA_33 = "openrouter:meta-llama/llama-3.3-70b-instruct:free"

#: Default chains: the seed study's primary first, then free fallbacks only.
DEFAULT_CHAINS: Mapping[TaskKind, tuple[str, ...]] = MappingProxyType(
    {
        TaskKind.SIMPLE_CODE: (_MISTRAL_SMALL, _QWEN3_CODER, _LLAMA_33),
        TaskKind.MODERATE_CODE: (_R1_QWEN3_8B, _QWEN3_CODER, _DEEPSEEK_V31),
        TaskKind.COMPLEX_CODE: (_R1_QWEN3_8B, _QWEN3_CODER, _DEEPSEEK_V31),
        TaskKind.UNIT_TESTS: (_R1_QWEN3_8B, _QWEN3_CODER, _DEEPSEEK_V31),
        TaskKind.REFACTORING: (_DEEPSEEK_V31, _QWEN3_CODER, _R1_QWEN3_8B),
        TaskKind.DOCUMENTATION: (_MISTRAL_SMALL, _LLAMA_33, _QWEN3_CODER),
    }
)


class Provider(NamedTuple):
    """An OpenAI-compatible endpoint.

    ``rpm`` paces requests under the provider's limit (``None``: not paced);
    OpenRouter's ``:free`` models share 20 requests a minute per account.
    """

    name: str
    base_url: str
    api_key_env: str | None = None
    rpm: float | None = None
    free_rpm: float | None = None
    headers: Mapping[str, str] = MappingProxyType({})
    #: Send ``response_format: json_object`` when a caller wants JSON (off for servers
    #: that reject it; the system message asks for JSON either way).
    json_mode: bool = True


DEFAULT_PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {
        "openrouter": Provider(
            name="openrouter",
            base_url=OPENROUTER_URL,
            api_key_env="OPENROUTER_API_KEY",
            free_rpm=20.0,
        ),
    }
)


class CheckSettings(NamedTuple):
    """What ``ttabot check`` reports and which findings fail the run."""

    max_complexity: int = 10
    max_params: int = 5
    fail_on: frozenset[Category] = frozenset({Category.DOCS_MISSING})
    categories: frozenset[Category] = frozenset(Category)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class ClientSettings(NamedTuple):
    """How the rotating model client retries, waits and gives up."""

    attempt_timeout: float = 60.0
    deadline: float = 300.0
    backoff: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    max_attempts: int = 12
    shared_state: bool = True
    state_dir: str | None = None


class DraftSettings(NamedTuple):
    """How drafts are made and validated."""

    docstring_style: str = "auto"
    default_docstring_style: str = "google"
    reruns: int = 5
    test_timeout: float = 60.0
    feedback_rounds: int = 2
    docstring_batch: int = 8
    #: Interpreter for generated tests ("": the project's .venv/venv, else ttabot's own).
    python: str = ""


class GitHubSettings(NamedTuple):
    """Who may command the bot and how much it posts at once."""

    allowed_associations: tuple[str, ...] = ("OWNER", "MEMBER", "COLLABORATOR")
    max_review_comments: int = 30
    mode: str = "comment"


class Settings(NamedTuple):
    """Everything ttabot is told, as one value."""

    check: CheckSettings = CheckSettings()
    #: Read-only defaults shared by every Settings (the loader builds new mappings).
    providers: Mapping[str, Provider] = DEFAULT_PROVIDERS
    chains: Mapping[TaskKind, tuple[str, ...]] = DEFAULT_CHAINS
    client: ClientSettings = ClientSettings()
    draft: DraftSettings = DraftSettings()
    github: GitHubSettings = GitHubSettings()
    source: str = "defaults"


def split_model_ref(ref: str) -> tuple[str, str]:
    """Split ``PROVIDER:MODEL`` at the first colon (model ids contain colons)."""
    provider, sep, model = ref.partition(":")
    if not sep or not provider or not model:
        raise TtabotError(f"model reference {ref!r} is not PROVIDER:MODEL")
    return provider, model


# --- loading ---------------------------------------------------------------


def _norm(key: str) -> str:
    return key.replace("-", "_")


def _categories(value: Any, where: str) -> frozenset[Category]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise TtabotError(f"{where}: expected a list of categories")
    out: set[Category] = set()
    for item in items:
        item = str(item).strip()
        if not item or item == "none":
            continue
        if item == "all":
            out.update(Category)
            continue
        try:
            out.add(Category(item))
        except ValueError:
            names = ", ".join(c.value for c in Category)
            raise TtabotError(
                f"{where}: unknown category {item!r} (use {names}, all or none)"
            ) from None
    return frozenset(out)


def parse_categories(text: str, where: str) -> frozenset[Category]:
    """Parse a comma-separated category list such as ``docs-missing,refactor``.

    An empty list is an error rather than a silent "none": say ``none`` for that.
    """
    if not text.strip():
        raise TtabotError(f"{where}: empty category list (use 'none' for no categories)")
    return _categories(text.split(","), where)


def _typed(value: Any, default: Any, where: str) -> Any:
    """Coerce a TOML value to the type of the field's default, or fail naming ``where``."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TtabotError(f"{where}: expected true or false")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TtabotError(f"{where}: expected an integer")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TtabotError(f"{where}: expected a number")
        return float(value)
    # ``type() is``, not isinstance: a NamedTuple record is a tuple too, and is no list setting.
    if type(default) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            raise TtabotError(f"{where}: expected a list")
        if default and isinstance(default[0], float):
            return tuple(float(v) for v in value)
        return tuple(str(v) for v in value)
    if isinstance(default, str) or default is None:
        if not isinstance(value, str):
            raise TtabotError(f"{where}: expected a string")
        return value
    raise TtabotError(f"{where}: unsupported value")


#: Lower bounds of numeric settings (inclusive), by field name.
_AT_LEAST: Mapping[str, float] = {
    "max_complexity": 1,
    "max_params": 0,
    "attempt_timeout": 0.001,
    "deadline": 0.001,
    "max_attempts": 1,
    "reruns": 0,
    "test_timeout": 0.001,
    "feedback_rounds": 0,
    "docstring_batch": 1,
    "max_review_comments": 1,
}

#: The values a string setting may take, by field name.
_ONE_OF: Mapping[str, tuple[str, ...]] = {
    "docstring_style": ("auto", "google", "numpy", "sphinx"),
    "default_docstring_style": ("google", "numpy", "sphinx"),
    "mode": ("comment", "suggest", "commit"),
}


def _in_range(key: str, value: Any, where: str) -> Any:
    """Reject values the setting cannot mean (``max-complexity = 0``, ``mode = "push"``)."""
    low = _AT_LEAST.get(key)
    if low is not None and value < low:
        bound = "positive" if low < 1 and isinstance(value, float) else f"at least {low:g}"
        raise TtabotError(f"{where}: must be {bound}, not {value}")
    choices = _ONE_OF.get(key)
    if choices is not None and value not in choices:
        raise TtabotError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    if key == "backoff" and (not value or any(step < 0 for step in value)):
        raise TtabotError(f"{where}: expected a non-empty list of seconds >= 0")
    return value


def _section(cls: type[Any], table: Any, where: str, special: Mapping[str, Any]) -> Any:
    """Build settings class ``cls`` from a TOML table, rejecting unknown keys."""
    if not isinstance(table, dict):
        raise TtabotError(f"{where}: expected a table")
    base = cls()
    names = set(cls._fields)
    changes: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for raw_key, value in table.items():
        key = _norm(raw_key)
        here = f"{where}.{raw_key}" if where else raw_key
        if key not in names:
            raise TtabotError(f"unknown key {here!r} in {where or 'settings'}")
        if key in spelled:
            raise TtabotError(f"{here!r} is set twice (also as {spelled[key]!r})")
        spelled[key] = raw_key
        if key in special:
            changes[key] = special[key](value, here)
        else:
            changes[key] = _in_range(key, _typed(value, getattr(base, key), here), here)
    return base._replace(**changes)


_CHECK_SPECIAL = {"fail_on": _categories, "categories": _categories}
_SECTIONS: Mapping[str, type[Any]] = {
    "client": ClientSettings,
    "draft": DraftSettings,
    "github": GitHubSettings,
}


def _provider(name: str, table: Any, where: str) -> Provider:
    if not isinstance(table, dict):
        raise TtabotError(f"{where}: expected a table")
    base = DEFAULT_PROVIDERS.get(name, Provider(name=name, base_url=""))
    known = set(Provider._fields) - {"name"}
    changes: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = _norm(raw_key)
        here = f"{where}.{raw_key}"
        if key not in known:
            raise TtabotError(f"unknown key {here!r} in {where}")
        if key == "headers":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise TtabotError(f"{here}: expected a table of strings")
            changes[key] = dict(value)
        elif key in ("rpm", "free_rpm"):
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise TtabotError(f"{here}: expected a positive number")
            changes[key] = float(value)
        elif key == "json_mode":
            if not isinstance(value, bool):
                raise TtabotError(f"{here}: expected true or false")
            changes[key] = value
        else:
            if not isinstance(value, str):
                raise TtabotError(f"{here}: expected a string")
            changes[key] = value
    provider = base._replace(**changes)
    if not provider.base_url:
        raise TtabotError(f"{where}: base_url is required")
    return provider


def _chains(table: Any) -> dict[TaskKind, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise TtabotError("chains: expected a table")
    out: dict[TaskKind, tuple[str, ...]] = {}
    for raw_key, value in table.items():
        try:
            kind = TaskKind(raw_key.replace("_", "-"))
        except ValueError:
            kinds = ", ".join(k.value for k in TaskKind)
            raise TtabotError(f"unknown key 'chains.{raw_key}' (task kinds: {kinds})") from None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise TtabotError(f"chains.{raw_key}: expected a non-empty list of PROVIDER:MODEL")
        for ref in value:
            split_model_ref(ref)
        out[kind] = tuple(value)
    return out


def settings_from_table(table: Mapping[str, Any], source: str) -> Settings:
    """Build settings from a parsed ``[tool.ttabot]`` / ``.ttabot.toml`` table."""
    check_keys: dict[str, Any] = {}
    settings = Settings(source=source)
    providers = dict(settings.providers)
    chains = dict(settings.chains)
    sections: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = _norm(raw_key)
        if key == "providers":
            if not isinstance(value, dict):
                raise TtabotError("providers: expected a table of providers")
            for name, ptable in value.items():
                providers[name] = _provider(name, ptable, f"providers.{name}")
        elif key == "chains":
            chains.update(_chains(value))
        elif key in _SECTIONS:
            sections[key] = _section(_SECTIONS[key], value, key, {})
        else:
            check_keys[raw_key] = value
    check = _section(CheckSettings, check_keys, "", _CHECK_SPECIAL)
    for kind, refs in chains.items():
        for ref in refs:
            provider, _ = split_model_ref(ref)
            if provider not in providers:
                raise TtabotError(
                    f"chains.{kind.value}: provider {provider!r} is not defined under [providers]"
                )
    return settings._replace(check=check, providers=providers, chains=chains, **sections)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise TtabotError(f"cannot read config {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TtabotError(f"config {path} is not valid TOML: {exc}") from None


def find_config(root: Path) -> tuple[dict[str, Any], str] | None:
    """Find ``.ttabot.toml`` or ``[tool.ttabot]`` in ``pyproject.toml`` under ``root``."""
    dotfile = root / ".ttabot.toml"
    if dotfile.is_file():
        return _read_toml(dotfile), str(dotfile)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
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
            table.pop(_norm(key), None)
            if key == "fail-on":
                table[key] = raw.split(",")
            else:
                try:
                    number = int(raw)
                except ValueError:
                    raise TtabotError(f"{var}={raw!r}: expected an integer") from None
                table[key] = _in_range(_norm(key), number, var)
    return settings_from_table(table, source)
