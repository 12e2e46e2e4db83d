"""Turn a parsed TOML table into :class:`Settings`, rejecting what it cannot mean.

Keys may be written ``kebab-case`` or ``snake_case``; an unknown key, a key set
twice, a wrong type or an out-of-range value is a one-line error naming the key.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ttabot.config.settings import (
    DEFAULT_PROVIDERS,
    CheckSettings,
    ClientSettings,
    DraftSettings,
    GitHubSettings,
    PathSettings,
    Provider,
    Settings,
    StateSettings,
    split_model_ref,
)
from ttabot.errors import TtabotError
from ttabot.records import Category, TaskKind


def norm_key(key: str) -> str:
    """``max-params`` and ``max_params`` are the same key."""
    return key.replace("-", "_")


def closest(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'max-params'?)`` for the known key nearest ``word``, else ``""``.

    Only called on the way to an error, so difflib is imported only then.
    """
    import difflib

    kebab = "_" not in word  # answer in the spelling the user chose
    names = {norm_key(k): (k.replace("_", "-") if kebab else k) for k in known}
    match = difflib.get_close_matches(norm_key(word), list(names), n=1, cutoff=0.6)
    return f" (did you mean {names[match[0]]!r}?)" if match else ""


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
    items = text.split(",")
    if not any(item.strip() for item in items):  # "" and "," alike
        raise TtabotError(f"{where}: empty category list (use 'none' for no categories)")
    return _categories(items, where)


#: The versions of the Findings contract (docs/findings.md) ``check`` can follow.
CONTRACTS = (1, 2)


def parse_contract(value: Any, where: str) -> int:
    """A Findings contract version: ``1`` or ``2`` (also written ``"v1"``, ``"2"``...)."""
    if isinstance(value, str):
        text = value.strip().lower().removeprefix("v")
        value = int(text) if text.isdigit() else text
    if isinstance(value, bool) or not isinstance(value, int) or value not in CONTRACTS:
        raise TtabotError(f"{where}: expected 1 or 2 (a Findings contract version), not {value!r}")
    return int(value)


def _finite(value: float, where: str) -> float:
    """``value`` if it is a finite number of seconds >= 0; nan, inf and negatives name the key."""
    if not math.isfinite(value) or value < 0:
        raise TtabotError(f"{where}: expected a finite number >= 0, not {value}")
    return value


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
        return _finite(float(value), where)
    # ``type() is``, not isinstance: a NamedTuple record is a tuple too, and is no list setting.
    if type(default) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            raise TtabotError(f"{where}: expected a list")
        if default and isinstance(default[0], float):
            # Numbers only: float("x") raised ValueError, and "2" or true passed as numbers.
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
                raise TtabotError(f"{where}: expected a list of numbers")
            return tuple(_finite(float(v), where) for v in value)
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
    "first_token_timeout": 0.001,
    "idle_timeout": 0.001,
    "max_body": 1024,
    "reruns": 0,
    "test_timeout": 0.001,
    "feedback_rounds": 0,
    "docstring_batch": 1,
    "max_docstring_lines": 1,
    "max_review_comments": 1,
    "rate_window": 0.001,
}

#: The values a string setting may take, by field name.
_ONE_OF: Mapping[str, tuple[str, ...]] = {
    "docstring_style": ("auto", "google", "numpy", "sphinx"),
    "default_docstring_style": ("google", "numpy", "sphinx"),
    "mode": ("comment", "suggest", "commit"),
    "sandbox": ("auto", "bwrap"),
    "parameter_refactors": ("suggest", "skip"),
    "fail_on_scope": ("all", "new"),
}


def in_range(key: str, value: Any, where: str) -> Any:
    """Reject values the setting cannot mean (``max-complexity = 0``, ``mode = "push"``)."""
    low = _AT_LEAST.get(key)
    if low is not None and value < low:
        bound = "positive" if low < 1 and isinstance(value, float) else f"at least {low:g}"
        raise TtabotError(f"{where}: must be {bound}, not {value}")
    choices = _ONE_OF.get(key)
    if choices is not None and value not in choices:
        raise TtabotError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    if key == "url" and value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise TtabotError(f"{where}: expected a redis://, rediss:// or unix:// URL")
    if key == "url" and value:
        _state_url_query(value, where)
        _state_url_spelled_out(value, where)
    if key == "backoff" and (not value or any(step < 0 for step in value)):
        raise TtabotError(f"{where}: expected a non-empty list of seconds >= 0")
    return value


#: Resource limits in ``[draft]``: the smallest value each may take besides 0 (off).
#: Below these, the interpreter or pytest itself cannot start: every run would fail.
_LIMIT_AT_LEAST: Mapping[str, int] = {
    "max_file_size": 64 * 1024,
    "max_memory": 64 * 1024 * 1024,
    "max_processes": 16,
    "tmp_size": 1024 * 1024,
}
_BYTE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_limit(key: str, value: Any, where: str) -> int:
    """A resource limit: 0 (off), or an integer (bytes for sizes) of at least its minimum.

    Sizes may carry a binary unit: ``"256M"``, ``"256 MiB"``, ``"4G"`` (K, M, G, T).
    """
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and key != "max_processes":
        digits = value.strip().rstrip("Bb").rstrip("i")
        unit = digits[-1:].lower() if digits[-1:].isalpha() else ""
        digits = digits[: len(digits) - len(unit)].strip()
        if digits.isdigit() and unit in _BYTE_UNITS and digits.isascii():
            # Past 19 digits it is too large anyway; past 4,300, int() raises ValueError.
            number = int(digits) * _BYTE_UNITS[unit] if len(digits) <= 20 else 1 << 62
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    if number is None:
        sized = "" if key == "max_processes" else ' (bytes, or a size such as "256M")'
        raise TtabotError(f"{where}: expected an integer{sized}, not {shown}")
    low = _LIMIT_AT_LEAST[key]
    if number != 0 and number < low:
        raise TtabotError(f"{where}: must be 0 (no limit) or at least {low}, not {shown}")
    if number >= 1 << 62:
        raise TtabotError(f"{where}: {shown} is too large (use 0 for no limit)")
    return number


#: Query parameters a state URL may carry: which database, the credentials, TLS (rediss).
_STATE_URL_QUERY = ("db", "username", "password", "protocol")
_STATE_URL_TLS_QUERY = ("ssl_cert_reqs", "ssl_ca_certs", "ssl_check_hostname")


def _state_url_query(url: str, where: str) -> None:
    """Reject a query parameter of ``url`` that redis-py would pass on blindly.

    redis-py hands every query parameter it does not know to the connection class:
    ``?foo=1`` or ``?connection_class=x`` was a traceback, and ``?host=``, ``?port=``
    or ``?path=`` would move the connection away from what the URL shows when it
    names no host. Names are unquoted as redis-py unquotes them.
    """
    from urllib.parse import parse_qsl, urlsplit

    allowed = _STATE_URL_QUERY + (_STATE_URL_TLS_QUERY if url.startswith("rediss://") else ())
    try:
        query = urlsplit(url).query
    except ValueError as exc:  # "Invalid IPv6 URL": the reason, never the URL (a password)
        raise TtabotError(f"{where}: not a URL ({exc})") from None
    for name, _value in parse_qsl(query, keep_blank_values=True):
        if name not in allowed:
            raise TtabotError(
                f"{where}: query parameter {name!r} is not one ttabot passes to Redis "
                f"(use {', '.join(allowed)})"
            )


def _state_url_spelled_out(url: str, where: str) -> None:
    """Reject a state URL whose host (or ``unix://`` socket path) holds ``%`` escapes.

    redis-py unquotes both before it connects: ``redis://%65vil.example`` connects to
    ``evil.example``, so ``ttabot trust`` would show one thing and trust another.
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        place = parts.path if url.startswith("unix://") else (parts.hostname or "")
    except ValueError as exc:
        raise TtabotError(f"{where}: not a URL ({exc})") from None
    if "%" in place:
        raise TtabotError(
            f"{where}: write the host or socket path out, not in percent escapes ({place!r})"
        )


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
            changes[key] = in_range(key, _typed(value, getattr(base, key), here), here)
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


_CHECK_SPECIAL = {"fail_on": _categories, "categories": _categories, "contract": parse_contract}
_SECTIONS: Mapping[str, type[Any]] = {
    "client": ClientSettings,
    "draft": DraftSettings,
    "github": GitHubSettings,
    "state": StateSettings,
}


_DRAFT_SPECIAL = {key: functools.partial(parse_limit, key) for key in _LIMIT_AT_LEAST}


#: ``api_key_env`` may never name these: GITHUB_TOKEN and the runner's own secrets.
RESERVED_KEY_PREFIXES = ("GITHUB_", "ACTIONS_", "RUNNER_")


def _provider(name: str, table: Any, where: str) -> Provider:
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
                _header(name, text, here)
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
    _http_url(provider.base_url, f"{where}.base_url")
    return provider


def _http_url(url: str, where: str) -> None:
    """Fail naming ``where`` unless ``url`` is an http(s) URL with a host and a valid port.

    Checked once here: split later (trust routes, the shared state's keys), an
    unclosed ``[`` raised ValueError with a traceback. The message names the reason,
    never the URL, which may carry a password.
    """
    from urllib.parse import urlsplit

    expected = f"{where}: expected an http:// or https:// URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise TtabotError(f"{expected} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise TtabotError(expected)
    if not parts.hostname:
        raise TtabotError(f"{expected} (no host)")


#: An HTTP header name (RFC 9110 token) and value (visible ASCII, spaces and tabs).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def _header(name: str, value: str, where: str) -> None:
    """Reject a header HTTP cannot carry, or one that would change where a request goes.

    httpx cannot encode a non-ASCII name: every attempt failed, as a transient error,
    until the request's deadline. ``Host`` would have a CDN or gateway that routes by
    it hand the request (and the key, on a route that needs no trust) to another host.
    """
    if not _HEADER_NAME.fullmatch(name):
        raise TtabotError(f"{where}: {name!r} is not an HTTP header name")
    if not _HEADER_VALUE.fullmatch(value):
        raise TtabotError(f"{where}.{name}: expected visible ASCII, spaces and tabs")
    if name.lower() == "host":
        raise TtabotError(f"{where}.{name}: the server is base_url's host, not a header's")


def _chains(table: Any) -> dict[TaskKind, tuple[str, ...]]:
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
                providers[name] = _provider(name, ptable, f"providers.{name}")
        elif key == "chains":
            chains.update(_chains(value))
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
