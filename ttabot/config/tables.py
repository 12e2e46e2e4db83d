"""Turn a parsed TOML table into :class:`Settings`, rejecting what it cannot mean.

Keys may be written ``kebab-case`` or ``snake_case``; an unknown key, a key set
twice, a wrong type or an out-of-range value is a one-line error naming the key.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ttabot.config.providers import parse_chains, parse_provider
from ttabot.config.settings import (
    CheckSettings,
    ClientSettings,
    DraftSettings,
    GitHubSettings,
    PathSettings,
    Settings,
    StateSettings,
    split_model_ref,
)
from ttabot.config.values import (
    LIMIT_AT_LEAST,
    category_set,
    closest,
    in_range,
    norm_key,
    parse_contract,
    parse_limit,
    typed_value,
)
from ttabot.errors import TtabotError


def _section(cls: type[Any], table: Any, where: str, special: Mapping[str, Any]) -> Any:
    """Build settings class ``cls`` from a TOML table, rejecting unknown keys."""
    if not isinstance(table, dict):
        raise TtabotError(f"{where}: expected a table")
    base = cls()
    names = set(cls._fields)
    changes: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for raw_key, value in table.items():
        key = norm_key(raw_key)
        here = f"{where}.{raw_key}" if where else raw_key
        if key not in names:
            known = names | (set(_TOP_LEVEL) if not where else set())
            hint = closest(raw_key, known)
            raise TtabotError(f"unknown key {here!r} in {where or 'settings'}{hint}")
        if key in spelled:
            raise TtabotError(f"{here!r} is set twice (also as {spelled[key]!r})")
        spelled[key] = raw_key
        if key in special:
            changes[key] = special[key](value, here)
        else:
            changes[key] = in_range(key, typed_value(value, getattr(base, key), here), here)
    return base._replace(**changes)


#: Top-level keys that are tables of their own, not check settings.
_TOP_LEVEL = ("providers", "chains", "client", "draft", "github", "state", "per-path")

#: The check settings a ``[per-path."GLOB"]`` table may change.
_PER_PATH_KEYS = ("max_complexity", "max_params", "fail_on", "categories", "fail_on_scope")


def _per_path(table: Any) -> tuple[PathSettings, ...]:
    """``[per-path."tests/fixtures/**"]`` tables: each a glob and the check keys it changes."""
    if not isinstance(table, dict):
        raise TtabotError('per-path: expected tables such as [per-path."tests/**"]')
    out: list[PathSettings] = []
    for pattern, sub in table.items():
        where = f"per-path.{pattern!r}"
        if not isinstance(sub, dict):
            raise TtabotError(f"{where}: expected a table")
        for raw_key in sub:
            if (
                norm_key(raw_key) not in _PER_PATH_KEYS
                and norm_key(raw_key) in CheckSettings._fields
            ):
                raise TtabotError(f"{where}.{raw_key}: cannot be set per path")
        # Validate like the top-level check keys (same errors), then keep only what was set.
        checked = _section(CheckSettings, sub, where, _CHECK_SPECIAL)
        changes = {norm_key(k): getattr(checked, norm_key(k)) for k in sub}
        out.append(PathSettings(pattern=str(pattern), changes=changes))
    return tuple(out)


_CHECK_SPECIAL = {"fail_on": category_set, "categories": category_set, "contract": parse_contract}
_SECTIONS: Mapping[str, type[Any]] = {
    "client": ClientSettings,
    "draft": DraftSettings,
    "github": GitHubSettings,
    "state": StateSettings,
}


_DRAFT_SPECIAL = {key: functools.partial(parse_limit, key) for key in LIMIT_AT_LEAST}


def settings_from_table(table: Mapping[str, Any], source: str) -> Settings:
    """Build settings from a parsed ``[tool.ttabot]`` / ``.ttabot.toml`` table."""
    check_keys: dict[str, Any] = {}
    settings = Settings(source=source)
    providers = dict(settings.providers)
    chains = dict(settings.chains)
    sections: dict[str, Any] = {}
    per_path: tuple[PathSettings, ...] = ()
    for raw_key, value in table.items():
        key = norm_key(raw_key)
        if key == "providers":
            if not isinstance(value, dict):
                raise TtabotError("providers: expected a table of providers")
            for name, ptable in value.items():
                providers[name] = parse_provider(name, ptable, f"providers.{name}")
        elif key == "chains":
            chains.update(parse_chains(value))
        elif key in _SECTIONS:
            special = _DRAFT_SPECIAL if key == "draft" else {}
            sections[key] = _section(_SECTIONS[key], value, key, special)
        elif key == "per_path":
            per_path = _per_path(value)
        else:
            check_keys[raw_key] = value
    check = _section(CheckSettings, check_keys, "", _CHECK_SPECIAL)._replace(per_path=per_path)
    for kind, refs in chains.items():
        for ref in refs:
            provider, _ = split_model_ref(ref)
            if provider not in providers:
                raise TtabotError(
                    f"chains.{kind.value}: provider {provider!r} is not defined under [providers]"
                )
    return settings._replace(check=check, providers=providers, chains=chains, **sections)
