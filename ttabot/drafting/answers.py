"""The JSON schema of each task kind's answer, and parsing answers into per-kind shapes.

Models are asked for JSON against these schemas (``docs/model-io.md`` documents
them), but free models wrap answers in prose, ``<think>`` blocks or fences, or
send bare code; parsing accepts all of that and fails with a reason a retry
prompt can quote.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from ttabot.llm.structured import (
    MAX_FALSE_STARTS,
    JSONExtractionError,
    extract_json,
    strip_reasoning,
)

DOCSTRINGS_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "docstrings": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "symbol": {"type": "string"},
                    "docstring": {"type": "string"},
                },
                "required": ["symbol", "docstring"],
            },
        }
    },
    "required": ["docstrings"],
}

TESTS_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string"}},
    "required": ["code"],
}

REFACTOR_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "explanation": {"type": "string"}},
    "required": ["code"],
}


#: ``implement``'s answer (the simple-, moderate- and complex-code kinds): whole files.
IMPLEMENT_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "files": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "content": {"type": "string"},
                },
                "required": ["path", "content"],
            },
        },
    },
    "required": ["files"],
}


class AnswerError(ValueError):
    """A model answer that has not got the shape its task kind needs."""


_OPENING = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[^\n]*$", re.M)
_CLOSING = re.compile(r"^[ \t]*```[ \t]*$", re.M)
_PYTHON_START = re.compile(r"(import |from |def |class |@|async def )")
_OBJECT_START = re.compile(r'\{\s*["}]')


def loose_json(text: str) -> Any:
    """The first JSON object in ``text``, skipping reasoning, prose and fences; else None."""
    try:
        found = extract_json(text)
    except JSONExtractionError:
        found = None
    if isinstance(found, dict):
        return found
    text = strip_reasoning(text)  # an array came first: look for an object in it
    decoder = json.JSONDecoder()
    # Only where an object can start ('{x}' in prose cannot), and only so many times:
    # each failed decode scans back to the text's start for its error position.
    starts = _OBJECT_START.finditer(text)
    for match in itertools.islice(starts, MAX_FALSE_STARTS):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except (ValueError, RecursionError):
            # Not only JSONDecodeError: a number over Python's 4,300-digit limit is a
            # plain ValueError, and nesting past the recursion limit a RecursionError.
            continue
        if isinstance(value, dict):
            return value
    return None


def unwrap_fence(text: str) -> str | None:
    """The code between the first opening fence and the last closing one, else None.

    Only the fence around the whole code is removed: a fenced example inside the
    code (in a docstring, say) stays, because the last closing fence is taken.
    """
    opening = _OPENING.search(text)
    if opening is None or opening.group(1).lower() not in ("", "python", "py", "python3"):
        return None
    closings = list(_CLOSING.finditer(text, opening.end()))
    end = closings[-1].start() if closings else len(text)
    return text[opening.end() : end].strip("\n") + "\n"


def _bare_code(text: str) -> str | None:
    """Code sent without JSON: code as it is, else the code inside the answer's fence."""
    text = strip_reasoning(text).strip()
    if _PYTHON_START.match(text):
        return text + "\n"
    return unwrap_fence(text)


def _data(data: Any, content: str) -> Any:
    return data if isinstance(data, dict) else loose_json(content)


def _unfence(code: str) -> str:
    # Models put fences inside the JSON string too; only a fence around all of it goes.
    stripped = code.strip()
    if stripped.startswith("```"):
        inner = unwrap_fence(stripped)
        if inner is not None:
            return inner
    return code.strip("\n") + "\n"


def parse_code(data: Any, content: str) -> str:
    """The ``code`` of a unit-tests or refactoring answer."""
    obj = _data(data, content)
    if isinstance(obj, dict) and isinstance(obj.get("code"), str) and obj["code"].strip():
        return _unfence(obj["code"])
    code = _bare_code(content)
    if code is None:
        raise AnswerError('the answer has no "code" string and no Python code block')
    return code


def parse_explanation(data: Any, content: str) -> str:
    """The ``explanation`` of a refactoring answer ("" when it has none)."""
    obj = _data(data, content)
    value = obj.get("explanation") if isinstance(obj, dict) else None
    return value.strip() if isinstance(value, str) else ""


def parse_docstrings(data: Any, content: str) -> dict[str, str]:
    """``symbol -> docstring text`` from a documentation answer."""
    obj = _data(data, content)
    if not isinstance(obj, dict):
        raise AnswerError("the answer is not a JSON object")
    items = obj.get("docstrings")
    if isinstance(items, dict):  # {"symbol": "text"} is a common shortcut
        items = [{"symbol": k, "docstring": v} for k, v in items.items()]
    if not isinstance(items, list):
        raise AnswerError('the answer has no "docstrings" list')
    out: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        symbol, text = item.get("symbol"), item.get("docstring")
        if isinstance(symbol, str) and isinstance(text, str) and text.strip():
            out[symbol.strip()] = text  # judged by the docstring gate, not cleaned here
    if not out:
        raise AnswerError("the answer has no usable docstring")
    return out


def clean_docstring(text: str) -> str:
    """Docstring text without surrounding quotes, common indentation or trailing space."""
    text = text.strip()
    for quote in ('"""', "'''"):
        if text.startswith(quote) and text.endswith(quote) and len(text) >= 6:
            text = text[3:-3].strip()
    lines = text.splitlines()
    rest = [line for line in lines[1:] if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in rest), default=0)
    lines = [lines[0].strip()] + [line[indent:].rstrip() for line in lines[1:]]
    return "\n".join(lines).strip()
