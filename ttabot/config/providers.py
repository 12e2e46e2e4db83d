"""The ``[providers]`` and ``[chains]`` tables: where models are served, and in what order."""

from __future__ import annotations

import math
from typing import Any

from ttabot.config.settings import (
    DEFAULT_PROVIDERS,
    Provider,
    split_model_ref,
)
from ttabot.config.urls import (
    check_header,
    check_http_url,
)
from ttabot.config.values import (
    closest,
    norm_key,
)
from ttabot.errors import TtabotError
from ttabot.records import TaskKind

#: ``api_key_env`` may never name these: GITHUB_TOKEN and the runner's own secrets.
RESERVED_KEY_PREFIXES = ("GITHUB_", "ACTIONS_", "RUNNER_")


def parse_provider(name: str, table: Any, where: str) -> Provider:
    """A ``[providers.NAME]`` table laid over the built-in provider of that name, if any."""
    if not isinstance(table, dict):
        raise TtabotError(f"{where}: expected a table")
    base = DEFAULT_PROVIDERS.get(name, Provider(name=name, base_url=""))
    known = set(Provider._fields) - {"name"}
    changes: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for raw_key, value in table.items():
        key = norm_key(raw_key)
        here = f"{where}.{raw_key}"
        if key not in known:
            raise TtabotError(f"unknown key {here!r} in {where}{closest(raw_key, known)}")
        if key in spelled:
            raise TtabotError(f"{here!r} is set twice (also as {spelled[key]!r})")
        spelled[key] = raw_key
        if key == "headers":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise TtabotError(f"{here}: expected a table of strings")
            for name, text in value.items():
                check_header(name, text, here)
            changes[key] = dict(value)
        elif key in ("rpm", "free_rpm"):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise TtabotError(f"{here}: expected a positive number")
            changes[key] = float(value)
        elif key in ("json_mode", "stream"):
            if not isinstance(value, bool):
                raise TtabotError(f"{here}: expected true or false")
            changes[key] = value
        else:
            if not isinstance(value, str):
                raise TtabotError(f"{here}: expected a string")
            changes[key] = value
    provider = base._replace(**changes)
    if provider.api_key_env and provider.api_key_env.upper().startswith(RESERVED_KEY_PREFIXES):
        # The runner's own credentials: naming one would send it to a model server.
        raise TtabotError(
            f"{where}.api_key_env = {provider.api_key_env!r}: GitHub's and the runner's "
            "variables (GITHUB_*, ACTIONS_*, RUNNER_*) cannot be a provider key"
        )
    if not provider.base_url:
        raise TtabotError(f"{where}: base_url is required")
    check_http_url(provider.base_url, f"{where}.base_url")
    return provider


def parse_chains(table: Any) -> dict[TaskKind, tuple[str, ...]]:
    """The ``[chains]`` table: per task kind, the ``PROVIDER:MODEL`` refs to try in order."""
    if not isinstance(table, dict):
        raise TtabotError("chains: expected a table")
    out: dict[TaskKind, tuple[str, ...]] = {}
    spelled: dict[TaskKind, str] = {}
    for raw_key, value in table.items():
        try:
            kind = TaskKind(raw_key.replace("_", "-"))
        except ValueError:
            kinds = ", ".join(k.value for k in TaskKind)
            hint = closest(raw_key, [k.value for k in TaskKind])
            raise TtabotError(
                f"unknown key 'chains.{raw_key}'{hint} (task kinds: {kinds})"
            ) from None
        if kind in spelled:
            raise TtabotError(f"'chains.{raw_key}' is set twice (also as {spelled[kind]!r})")
        spelled[kind] = raw_key
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise TtabotError(f"chains.{raw_key}: expected a non-empty list of PROVIDER:MODEL")
        for ref in value:
            split_model_ref(ref)
        out[kind] = tuple(value)
    return out
