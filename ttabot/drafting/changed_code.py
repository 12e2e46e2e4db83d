"""What a change did to a definition, as test placement needs it: the names its changed lines use.

Pure and cheap: one tokenize pass over the definition's own lines, no parsing
of the module, nothing imported or run.
"""

from __future__ import annotations

import builtins
import io
import keyword
import re
import textwrap
import tokenize
from collections.abc import Collection
from typing import NamedTuple

from ttabot.analysis.source import split_lines

#: Names too common to say what a test module is about.
_COMMON = frozenset(keyword.kwlist) | frozenset(dir(builtins)) | {"self", "cls"}
#: Parts of names whose use in a synchronous function means it handles awaitables:
#: ``await``, ``Awaitable``, ``asyncio``, ``AsyncRetrying``, ``iscoroutinefunction``.
_ASYNC_WORD = re.compile(r"async|await|coroutine", re.IGNORECASE)
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


class ChangedCode(NamedTuple):
    """The names the changed lines of some definitions use (code only: no strings, no comments).

    ``handles_awaitables``: a synchronous ``def`` whose changed lines await, or
    use a name about coroutines (``Awaitable``, ``asyncio``, ``AsyncRetrying``,
    ``is_coroutine_callable``): a sync entry point gaining an async path.
    """

    names: frozenset[str] = frozenset()
    handles_awaitables: bool = False


#: No changed lines known: placement goes by the symbols' names alone.
NOTHING_CHANGED = ChangedCode()


def changed_code(source: str, line: int, end_line: int, marks: Collection[int]) -> ChangedCode:
    """What the change did to the definition on ``line`` (its ``def`` line) through ``end_line``.

    ``marks`` are the change's added line numbers; with none inside the body,
    the whole body counts as changed (a new function). Names on the ``def``
    line itself are not counted; a signature's further lines are.
    """
    lines = list(split_lines(source)[line : end_line + 1]) if line >= 1 else []
    if not lines:
        return NOTHING_CHANGED
    body = range(line + 1, line + len(lines))
    chosen = {n for n in body if n in marks} or set(body)
    is_async_def = lines[0].lstrip().startswith("async")
    words = _code_names(lines, line, chosen)
    names = frozenset(w for w in words if len(w) >= 3 and w not in _COMMON)
    async_path = any(_ASYNC_WORD.search(w) for w in words)
    return ChangedCode(names, not is_async_def and async_path)


def _code_names(lines: list[str], first: int, chosen: set[int]) -> set[str]:
    """NAME tokens on the ``chosen`` line numbers; a regex over them when tokenizing fails."""
    out: set[str] = set()
    try:
        text = textwrap.dedent("\n".join(lines)) + "\n"
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and token.start[0] + first - 1 in chosen:
                out.add(token.string)
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        # A span cut mid-string or badly indented: comments dropped, strings kept.
        picked = (lines[n - first] for n in sorted(chosen) if 0 <= n - first < len(lines))
        return {w for text in picked for w in _IDENTIFIER.findall(text.split("#", 1)[0])}
    return out
