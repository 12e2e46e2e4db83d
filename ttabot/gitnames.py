"""Path names in git's diffs: C-style quoting, and headers the diff parser can split.

git quotes a path that holds ``"``, ``\\``, a control character or (with
``core.quotePath``) a non-ASCII byte, and leaves spaces alone. So the header
``diff --git a/x b/y.py b/x b/y.py`` splits two ways, and unidiff, which takes
the last ``" b/"``, takes the wrong one. :func:`plain_headers` rewrites such
file headers with their names quoted and spaces escaped (``\\040``): one way
to split, and :func:`unquote` gives every name back exactly.
"""

from __future__ import annotations

from itertools import pairwise

# C-style escapes git uses in quoted paths ("caf\303\251.py").
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote(name: str) -> str:
    """Undo git's C-style quoting of a path (``"caf\\303\\251.py"`` -> ``café.py``).

    Unquoted names are returned as they are. Octal escapes are bytes of the
    path's UTF-8 form; bytes that are not UTF-8 survive as surrogates.
    """
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    body = name[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            octal = body[i + 1 : i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out.append(int(octal, 8) & 0xFF)
                i += 4
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
        out += char.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")


#: The byte -> letter escapes git writes in a quoted path (``\t``, ``\n``, ``\"``...).
_LETTERS = {byte: letter for letter, byte in _ESCAPES.items()}


def quote(name: str) -> str:
    """``name`` as git writes it in a diff: C-style quoted when it must be, as it is otherwise.

    Quoted when it holds ``"``, ``\\``, a control character or a byte that is not
    UTF-8 (a surrogate, from ``change.decode_diff``); such bytes become octal escapes.
    UTF-8 text stays as it is (git's ``core.quotePath=false``). :func:`unquote`
    and ``git apply`` read it back exactly.
    """
    out: list[str] = []
    quoted = False
    for char in name:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8
            out.append(f"\\{code - 0xDC00:03o}")
        elif code < 0x20 or code == 0x7F or char in '"\\':
            letter = _LETTERS.get(code)
            out.append(f"\\{letter}" if letter else f"\\{code:03o}")
        else:
            out.append(char)
            continue
        quoted = True
    return f'"{"".join(out)}"' if quoted else name


_HEADER = "diff --git "


def plain_headers(text: str) -> str:
    """``text`` with each git file header whose names hold a space written unambiguously.

    The true split of ``diff --git A B`` is the one whose names agree with what
    the file's other lines say: its ``---``/``+++`` names, its ``rename from``/
    ``rename to`` lines, or, where neither says (a mode change, a binary file),
    the same name on both sides. That header and the file's ``---``/``+++``
    lines are written again with the names quoted and spaces as ``\\040``;
    every other line is left as it is. Text without such a header is returned
    unchanged, without a pass over its lines.
    """
    if not any(line.count(" ") > 3 for line in _header_lines(text)):
        return text
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(_HEADER)] + [len(lines)]
    for start, end in pairwise(starts):
        _rewrite_file(lines, start, end)
    return "\n".join(lines)


def _header_lines(text: str) -> list[str]:
    """The ``diff --git`` lines of ``text`` (found without splitting all of it)."""
    found = []
    at = text.find(_HEADER)
    while at != -1:
        if at == 0 or text[at - 1] == "\n":
            end = text.find("\n", at)
            found.append(text[at : end if end != -1 else len(text)])
        at = text.find(_HEADER, at + 1)
    return found


def _rewrite_file(lines: list[str], start: int, end: int) -> None:
    """Rewrite the header at ``lines[start]`` and its ``---``/``+++`` lines, if it needs it."""
    rest = lines[start][len(_HEADER) :].rstrip("\r")
    if rest.count(" ") < 2:
        return  # no name holds a space: one way to split
    said: dict[str, str] = {}  # "a"/"b" -> the name (no prefix) another line gives
    names: dict[int, str] = {}  # line index -> the raw name on a ---/+++ line
    for i in range(start + 1, end):
        line = lines[i]
        if line.startswith("@@"):
            break
        if line.startswith(("--- ", "+++ ")):
            raw = line[4:].split("\t", 1)[0].rstrip("\r")
            if raw != "/dev/null":
                side = "a" if line.startswith("-") else "b"
                names[i] = raw
                said[side] = _without(unquote(raw), f"{side}/")
        elif line.startswith("rename from "):
            said["a"] = unquote(line[len("rename from ") :].rstrip("\r"))
        elif line.startswith("rename to "):
            said["b"] = unquote(line[len("rename to ") :].rstrip("\r"))
    split = _split(rest, said)
    if split is None:
        return
    source, target = split
    lines[start] = f"{_HEADER}{_spaceless(source)} {_spaceless(target)}"
    for i, raw in names.items():
        lines[i] = f"{lines[i][:4]}{_spaceless(raw)}"


def _split(rest: str, said: dict[str, str]) -> tuple[str, str] | None:
    """The raw (source, target) of a header whose names agree with ``said``; None if none does.

    A side no other line names has the other side's name (git writes a file
    that is neither renamed nor copied with the same name twice). Only a few
    places can be the split (:func:`_candidates`), each checked in one pass: a
    tree may hold a path of any length, and trying every space of a long one
    took time in proportion to its square.
    """
    for at in _candidates(rest, said):
        if not (0 < at < len(rest) and rest[at] == " "):
            continue
        source, target = unquote(rest[:at]), unquote(rest[at + 1 :])
        if not (source.startswith("a/") and target.startswith("b/")):
            continue
        old, new = source[2:], target[2:]
        if said.get("a", new) == old and said.get("b", old) == new:
            return rest[:at], rest[at + 1 :]
    return None


def _candidates(rest: str, said: dict[str, str]) -> list[int]:
    """Where the space between a header's two names can be.

    After a quoted source; before a quoted target (a raw ``"`` inside a quoted
    name is always escaped, so `` "`` only opens one); where a name another
    line gives ends or starts, unquoted; and the middle (the same name twice).
    """
    found = [(len(rest) - 1) // 2, rest.find(' "'), rest.rfind(' "')]
    if rest.startswith('"'):
        at = 1
        while at < len(rest) and rest[at] != '"':
            at += 2 if rest[at] == "\\" else 1
        found.append(at + 1)
    if "a" in said:
        found.append(len(said["a"]) + 2)
    if "b" in said:
        found.append(len(rest) - len(said["b"]) - 3)
    return found


def _without(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


def _spaceless(raw: str) -> str:
    """A raw header name quoted, with its spaces as ``\\040``: it holds no space then."""
    name = unquote(raw)
    if " " not in name:
        return raw
    body = quote(name)
    body = body[1:-1] if body.startswith('"') else body
    return '"' + body.replace(" ", "\\040") + '"'
