"""Checking a model's parsed JSON answer against the schema it was asked for.

:func:`validate` covers the JSON-schema subset ttabot's answer schemas use:
``type``, ``properties``, ``required``, ``items``, ``enum``,
``additionalProperties: false``, ``minItems`` and ``minLength``. The error names the
path of the first mismatch, so a retry prompt can quote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SchemaError(ValueError):
    """The parsed value does not match the schema; the message names the path."""


_TYPES: Mapping[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _type_ok(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    expected = _TYPES.get(name)
    return expected is None or isinstance(value, expected)


#: Characters of a model's value quoted in a schema error (the error is shown on one line).
MAX_QUOTED = 80


def _quoted(value: Any) -> str:
    """``repr(value)``, cut to :data:`MAX_QUOTED` characters (a value may be megabytes)."""
    if isinstance(value, str) and len(value) > MAX_QUOTED:
        value = value[:MAX_QUOTED]  # cut first: repr of the whole would copy it all
    text = repr(value)
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


def _check(value: Any, schema: Mapping[str, Any], path: str) -> None:
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_type_ok(value, name) for name in names):
            raise SchemaError(f"{path}: expected {' or '.join(names)}, got {type(value).__name__}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{path}: {_quoted(value)} is not one of {list(schema['enum'])!r}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        raise SchemaError(f"{path}: shorter than {schema['minLength']} characters")
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                raise SchemaError(f"{path}: missing required key {key!r}")
        properties: Mapping[str, Any] = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                _check(item, properties[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                raise SchemaError(f"{path}: unexpected key {_quoted(key)}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise SchemaError(f"{path}: fewer than {schema['minItems']} items")
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                _check(item, items, f"{path}[{index}]")


def validate(value: Any, schema: Mapping[str, Any]) -> None:
    """Raise :class:`SchemaError` if ``value`` does not match ``schema``."""
    _check(value, schema, "$")
