"""An implementation answer read: the files a model wrote, checked before any is written.

Every path is checked as text (:mod:`ttabot.drafting.safepath`) and against the
checkout (no symbolic link on the way, no file where a folder is); every file must be
UTF-8 text, and the answer bounded in size and number of files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ttabot.drafting.safepath import safe_relative_path

#: Answer limits: an implementation is a change a maintainer can review, not a dump.
MAX_ANSWER, MAX_FILES = 1_000_000, 100


def parse_answer(content: str, data: Any = None) -> tuple[str, dict[str, str]]:
    """``(summary, {path: text})`` from a model's answer; ValueError says what is wrong.

    ``data`` is the answer as the client already parsed it against the schema;
    without it, ``content`` is read with the same bounded extractor.
    """
    data = _answer_object(content, data)
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not files:
        raise ValueError('the answer has no "files" list')
    if len(files) > MAX_FILES:
        raise ValueError(f"the answer changes {len(files)} files; at most {MAX_FILES}")
    out: dict[str, str] = {}
    for item in files:
        path = item.get("path") if isinstance(item, dict) else None
        text = item.get("content") if isinstance(item, dict) else None
        if not isinstance(path, str) or not isinstance(text, str):
            raise ValueError('every file needs a "path" and a "content" string')
        safe = safe_relative_path(path.strip())
        if safe is None:
            raise ValueError(f"refusing to write {path.strip()!r}")
        if safe in out:
            raise ValueError(f"the answer gives {safe!r} twice")
        out[safe] = _file_text(safe, text)
    _refuse_file_and_folder(out)
    return str(data.get("summary") or "").strip(), out


def _answer_object(content: str, data: Any) -> Any:
    from ttabot.llm.structured import JSONExtractionError, extract_json

    if len(content) > MAX_ANSWER:
        raise ValueError(f"the answer is {len(content):,} characters; at most {MAX_ANSWER:,}")
    if isinstance(data, dict):
        return data
    # Reasoning stripped, fences and prose around the object handled, nesting
    # bounded (a deep answer is a reason, never a RecursionError).
    try:
        return extract_json(content)
    except JSONExtractionError as exc:
        raise ValueError(f"the answer has no JSON object: {exc}") from None


def _file_text(path: str, text: str) -> str:
    if "\0" in text:
        raise ValueError(f"{path!r}: the content holds a NUL byte (text files only)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{path!r}: the content is not valid UTF-8 text") from None
    return text if text.endswith("\n") else text + "\n"


def _refuse_file_and_folder(files: Mapping[str, str]) -> None:
    for path in files:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in files:
                raise ValueError(f"the answer writes {folder!r} as a file and a folder")


def check_tree(root: Path, paths: Iterable[str]) -> None:
    """Refuse (ValueError) a path the checkout cannot take as a plain file.

    A symbolic link anywhere on the way (a linked folder would take the file
    out of the project, or into another part of it), a file where a folder must
    be, or a folder where the file goes.
    """
    for rel in paths:
        parts = rel.split("/")
        target = root
        for depth, part in enumerate(parts, 1):
            target = target / part
            shown = "/".join(parts[:depth])
            try:
                if target.is_symlink():
                    raise ValueError(f"refusing to write {rel!r}: {shown} is a symbolic link")
                if depth < len(parts) and target.exists() and not target.is_dir():
                    raise ValueError(f"refusing to write {rel!r}: {shown} is a file, not a folder")
                if depth == len(parts) and target.is_dir():
                    raise ValueError(f"refusing to write {rel!r}: it is a folder")
            except OSError as exc:  # a name too long, say
                raise ValueError(f"refusing to write {rel!r}: {exc.strerror}") from None
