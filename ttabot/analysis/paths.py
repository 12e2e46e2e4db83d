"""Which paths of a change the analysis looks at.

Only Python files count; test files get no findings of their own but their
added lines are the evidence that changed code is tested. ``include`` and
``exclude`` are glob patterns on the repo-relative path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

_TEST_DIRS = frozenset({"tests", "test"})


def is_python(path: str) -> bool:
    """True for a ``.py`` file."""
    return path.endswith(".py")


def is_test_file(path: str) -> bool:
    """True for a test file: under a ``tests``/``test`` folder, ``test_*.py``, ``*_test.py``
    or ``conftest.py``."""
    *folders, name = path.split("/")
    if any(folder in _TEST_DIRS for folder in folders):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


#: Moves a compiled glob remembers (a pattern's deterministic automaton can be large).
_MAX_MOVES = 4096
#: Glob tokens: a literal character, ``?``, a ``[...]`` set, ``*``, ``**``, ``**/``.
_LITERAL, _ONE, _SET, _STAR, _ANY, _FOLDERS = range(6)


class _Glob:
    """A compiled glob, matched by running its automaton over the text.

    Every state the text can be in is tracked at once, so matching takes time in
    proportion to the text's length times the pattern's, whatever the pattern. A
    regex with one ``(?:.*/)?`` per ``**/`` backtracked instead: twelve of them
    against a path twenty folders deep took half a minute, per file, per pattern.
    """

    def __init__(self, tokens: list[tuple[int, str | re.Pattern[str]]]) -> None:
        self._tokens = tokens
        self._start = frozenset(self._closure({0}))
        # (states, character) -> states: the automaton made deterministic as it is used,
        # so the many paths of one change cost little more than a regex's match.
        self._moves: dict[tuple[frozenset[int], str], frozenset[int]] = {}

    def fullmatch(self, text: str) -> bool:
        """True when the whole of ``text`` matches."""
        states = self._start
        for char in text:
            move = (states, char)
            after = self._moves.get(move)
            if after is None:
                if len(self._moves) >= _MAX_MOVES:
                    self._moves.clear()
                after = self._moves[move] = frozenset(self._closure(self._step(states, char)))
            if not after:
                return False
            states = after
        return len(self._tokens) in states

    def _closure(self, states: set[int]) -> set[int]:
        """``states`` and every state reached from them without a character (a wildcard's
        zero repetitions)."""
        end = len(self._tokens)
        todo = list(states)
        while todo:
            state = todo.pop()
            wildcard = state < end and self._tokens[state][0] in (_STAR, _ANY, _FOLDERS)
            if wildcard and state + 1 not in states:
                states.add(state + 1)
                todo.append(state + 1)
        return states

    def _step(self, states: frozenset[int], char: str) -> set[int]:
        """The states after ``char``; ``end + 1 + i`` is inside ``**/`` token ``i``."""
        end = len(self._tokens)
        out: set[int] = set()
        for state in states:
            if state > end:  # inside "**/": any text, left by a "/"
                out.add(state)
                if char == "/":
                    out.add(state - end)
                continue
            if state == end:
                continue
            kind, value = self._tokens[state]
            if kind == _LITERAL:
                if char == value:
                    out.add(state + 1)
            elif kind == _ONE:
                if char != "/":
                    out.add(state + 1)
            elif kind == _SET:
                assert isinstance(value, re.Pattern)
                if value.fullmatch(char):
                    out.add(state + 1)
            elif kind == _STAR:
                if char != "/":
                    out.add(state)
            elif kind == _ANY:
                out.add(state)
            else:  # _FOLDERS: "(?:.*/)?"
                out.add(end + 1 + state)
                if char == "/":
                    out.add(state + 1)
        return out


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> _Glob:
    """Translate a glob: ``**`` crosses folders, ``*`` and ``?`` do not.

    A ``[...]`` that is no valid set (``[z-a]``, ``[]``) or is never closed is
    taken literally, character by character.
    """
    tokens: list[tuple[int, str | re.Pattern[str]]] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            tokens.append((_FOLDERS, ""))
            i += 3
        elif pattern.startswith("**", i):
            tokens.append((_ANY, ""))
            i += 2
        elif char == "*":
            tokens.append((_STAR, ""))
            i += 1
        elif char == "?":
            tokens.append((_ONE, ""))
            i += 1
        elif char == "[" and (charset := _charset(pattern, i)) is not None:
            regex, i = charset
            tokens.append((_SET, regex))
        else:
            tokens.append((_LITERAL, char))
            i += 1
    return _Glob(tokens)


def _charset(pattern: str, start: int) -> tuple[re.Pattern[str], int] | None:
    """The set ``[...]`` opening at ``start`` and the index after it; None if it is none."""
    end = pattern.find("]", start + 2 if pattern.startswith("[!", start) else start + 1)
    if end < 0:
        return None
    body = pattern[start + 1 : end]
    if body.startswith("!"):
        body = "^" + body[1:]
    try:
        return re.compile(f"[{body.replace(chr(92), chr(92) * 2)}]"), end + 1
    except re.error:  # "[z-a]", "[]": no set at all
        return None


def matches(path: str, pattern: str) -> bool:
    """True when ``pattern`` matches ``path``.

    A pattern without ``/`` matches a file or folder name at any depth (like
    ``.gitignore``); a pattern with ``/`` is anchored at the repository root.
    A pattern that matches a folder matches everything under it.
    """
    pattern = pattern.strip().lstrip("/").rstrip("/")
    if not pattern:
        return False
    regex = _compile(pattern)
    parts = path.split("/")
    if "/" not in pattern:
        return any(regex.fullmatch(part) for part in parts)
    return any(regex.fullmatch("/".join(parts[:k])) for k in range(1, len(parts) + 1))


def in_scope(path: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """True when ``path`` passes ``include`` (empty: everything) and no ``exclude`` matches."""
    if include and not any(matches(path, p) for p in include):
        return False
    return not any(matches(path, p) for p in exclude)
