"""Structured output: find the JSON in a model's text, within bounds.

Models wrap JSON in code fences, prose and ``<think>`` blocks, and cut it off
when they run out of tokens; :func:`extract_json` copes with all four, and
:func:`loads_bounded` refuses JSON nested too deep to parse safely. Checking the value
against its schema is :mod:`ttabot.llm.schema`'s job; asking for it,
:mod:`ttabot.llm.json_prompt`'s.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

# A reasoning tag, opening or closing: blocks are found by one scan over these (a lazy
# "<think>.*?</think>" searches to the end from every opening tag: quadratic).
_THINK_TAG = re.compile(r"<(/?)think>", re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)

#: A truncated answer is repaired from at most this many opening brackets, each by
#: cutting it back to at most this many of its last commas: a hostile answer of
#: brackets that never close and commas must not cost a copy of itself per comma.
MAX_REPAIRS = 8
MAX_CUTS = 32
#: Opening brackets in prose that start no JSON value, tried before giving up: each
#: failed attempt costs a scan back to the text's start (json's error position).
MAX_FALSE_STARTS = 64


#: JSON nested deeper than this is refused before it is parsed: the parser recurses
#: once per level, and a hostile body or answer 100,000 levels deep must end as a
#: failure with a reason, not a RecursionError (or a crashed interpreter).
MAX_JSON_DEPTH = 200

# A JSON string (skipped whole, so brackets inside it do not count) or one bracket.
_DEPTH_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
# Where a JSON object or array can start: "{x}" or "[see below]" in prose cannot.
_OPENING = re.compile(r'\{\s*["}]|\[\s*[-"\[{\]0-9tfn]')


class JSONExtractionError(ValueError):
    """The text holds no JSON object or array that could be recovered."""


class JSONTooDeepError(JSONExtractionError):
    """The text nests brackets deeper than :data:`MAX_JSON_DEPTH`; it is not parsed."""


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings in ``text`` nest deeper than ``limit``.

    A linear scan that stops as soon as the limit is passed; brackets in prose
    count too, which only makes it stricter.
    """
    if text.count("[") + text.count("{") <= limit:
        return False  # the common case, at C speed
    depth = 0
    for match in _DEPTH_TOKEN.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth = max(0, depth - 1)
    return False


def loads_bounded(text: str | bytes) -> Any:
    """``json.loads`` that refuses nesting deeper than :data:`MAX_JSON_DEPTH`.

    Raises :class:`JSONTooDeepError` (a ``ValueError``) for too deep a value and
    ``ValueError`` for anything that is not JSON.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if too_deep(text):
        raise JSONTooDeepError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_text(text: str) -> str:
    """``text`` as Unicode: surrogate pairs joined, each lone surrogate U+FFFD.

    JSON may spell a lone UTF-16 surrogate (``"\\ud800"``), and a stream may send the
    two halves of one pair in two chunks; Python keeps both in a ``str``, which no
    UTF-8 stream or file can then write (a traceback when the answer is printed).
    """
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def strip_reasoning(text: str) -> str:
    """Remove ``<think>…</think>`` blocks, and a reasoning prelude that only closes."""
    kept: list[str] = []
    done = 0  # text before this index is settled
    opened: int | None = None  # where the block being read opened
    for tag in _THINK_TAG.finditer(text):
        if not tag.group(1):
            opened = tag.start() if opened is None else opened
        elif opened is not None:  # a block ends at the first closing tag after its opening
            kept.append(text[done:opened])
            done, opened = tag.end(), None
    kept.append(text[done:])
    text = "".join(kept)
    closing = None
    for tag in _THINK_TAG.finditer(text):
        if tag.group(1):
            closing = tag
    if closing is not None:
        return text[closing.end() :]
    if text.lstrip()[:7].lower() == "<think>":
        return ""  # cut off while still thinking: there is no answer
    return text


def _loads(text: str) -> Any:
    try:
        return json.loads(text)  # callers checked the depth of the whole answer
    except ValueError:
        return None


def _repair(text: str) -> Any:
    """Close a truncated object/array: drop the unfinished tail, add the closers."""
    closers = ""  # what closes every bracket open so far, innermost first
    # (index of a ',' at depth>0, closers at that point): only the last few are tried.
    cuts: deque[tuple[int, str]] = deque(maxlen=MAX_CUTS)
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "{[":
            closers = ("}" if char == "{" else "]") + closers
        elif char in "}]":
            if not closers:
                return None
            closers = closers[1:]
            if not closers:
                return _loads(text[: index + 1])
        elif char == "," and closers:
            cuts.append((index, closers))
    tail = text + ('"' if in_string else "")
    value = _loads(tail.rstrip().rstrip(",") + closers)
    for cut, close in reversed(cuts):  # one candidate built at a time
        if value:  # an empty {} or [] recovered from debris is not an answer
            return value
        value = _loads(text[:cut] + close)
    return value or None


def _next_start(text: str, index: int) -> int:
    # One search for either bracket: two str.find calls would each scan to the end
    # for a bracket the text lacks, once per start (quadratic in "{x}{x}{x}...").
    # Brackets that cannot start JSON are skipped here, so they never count as
    # false starts.
    found = _OPENING.search(text, index)
    return found.start() if found else -1


def extract_json(text: str) -> Any:
    """The JSON object or array in a model's answer.

    Tries, in order: the whole text; each fenced code block; the first complete
    JSON value starting at a ``{`` or ``[``; a repaired truncated value.
    Raises :class:`JSONExtractionError` when none of these yields JSON, and
    :class:`JSONTooDeepError` when the text nests deeper than :data:`MAX_JSON_DEPTH`.
    """
    text = strip_reasoning(text).strip()
    if too_deep(text):
        raise JSONTooDeepError(f"the answer nests JSON deeper than {MAX_JSON_DEPTH} levels")
    whole = _loads(text)
    if isinstance(whole, dict | list):
        return whole
    for block in _FENCE.findall(text):
        value = _loads(block.strip())
        if isinstance(value, dict | list):
            return value
    found: list[Any] = []
    decoder = json.JSONDecoder()
    index = 0
    repairs = 0
    while (start := _next_start(text, index)) >= 0:
        try:
            value, index = decoder.raw_decode(text, start)
        except ValueError:
            # Not a complete value here: maybe the answer was cut off mid-JSON.
            repairs += 1
            if repairs > MAX_FALSE_STARTS:
                break
            value = _repair(text[start:]) if repairs <= MAX_REPAIRS else None
            index = start + 1
            if isinstance(value, dict | list):
                found.append(value)
                break
            continue
        if isinstance(value, dict | list):
            found.append(value)
    # Answer schemas are objects: prefer one over an array mentioned in prose.
    for value in sorted(found, key=lambda v: not isinstance(v, dict)):
        return value
    raise JSONExtractionError("the answer holds no JSON object")
