"""One setting's value checked: its type, its range, categories, contracts and limits.

Each function takes the value and ``where`` (the key as written) and returns the value
the setting means, or raises a one-line :class:`~ttabot.errors.TtabotError` naming it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ttabot.config.urls import (
    check_state_url_host,
    check_state_url_query,
)
from ttabot.errors import TtabotError
from ttabot.records import Category


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


def category_set(value: Any, where: str) -> frozenset[Category]:
    """The categories a TOML value names: a list (or one string), with ``all`` and ``none``."""
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
    return category_set(items, where)


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


def typed_value(value: Any, default: Any, where: str) -> Any:
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
        check_state_url_query(value, where)
        check_state_url_host(value, where)
    if key == "backoff" and (not value or any(step < 0 for step in value)):
        raise TtabotError(f"{where}: expected a non-empty list of seconds >= 0")
    return value


#: Resource limits in ``[draft]``: the smallest value each may take besides 0 (off).
#: Below these, the interpreter or pytest itself cannot start: every run would fail.
LIMIT_AT_LEAST: Mapping[str, int] = {
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
    low = LIMIT_AT_LEAST[key]
    if number != 0 and number < low:
        raise TtabotError(f"{where}: must be 0 (no limit) or at least {low}, not {shown}")
    if number >= 1 << 62:
        raise TtabotError(f"{where}: {shown} is too large (use 0 for no limit)")
    return number
