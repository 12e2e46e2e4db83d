"""The files of ``ttabot ask``: a JSONL batch in, results and metrics out.

Input is bounded and every bad line is one error naming it; an output folder that
cannot be written is found before any request is sent, and outputs are written
atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttabot.errors import TtabotError

if TYPE_CHECKING:
    from ttabot.llm.client import Completion


#: The longest ``--batch`` file read, in bytes: a bound for input with no end (``/dev/zero``).
MAX_BATCH_BYTES = 100 << 20


def read_batch(path: Path) -> list[str]:
    """Prompts of a JSONL file, one ``{"prompt": ...}`` per line; blank lines are skipped.

    At most :data:`MAX_BATCH_BYTES` are read (a FIFO works too).
    """
    limit = MAX_BATCH_BYTES
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise TtabotError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise TtabotError(f"{path} is larger than {limit >> 20} MiB: not read")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise TtabotError(f"{path} is not UTF-8") from None
    prompts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nested past json's limit
            raise TtabotError(f"{path}:{number}: not valid JSON") from None
        if not isinstance(item, dict) or not isinstance(item.get("prompt"), str):
            raise TtabotError(f'{path}:{number}: expected an object with a string "prompt"')
        prompts.append(item["prompt"])
    return prompts


def result_record(completion: Completion) -> dict[str, Any]:
    """One output line of a batch: ``model`` answered (null if none did) in ``latency_s``."""
    return {
        "ok": completion.ok,
        "model": completion.model,
        "content": completion.content,
        "error": completion.error,
        "attempts": completion.attempts,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "latency": round(completion.latency, 3),
        "latency_s": round(completion.latency, 3),
    }


def write_atomically(path: Path, text: str) -> None:
    """:func:`ttabot.fileio.write_atomic`, with a failure told as one line."""
    from ttabot.fileio import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise TtabotError(f"cannot write {path}: {exc.strerror}") from None


def check_destination(path: Path, option: str) -> None:
    """Fail before any request is sent if ``path`` could not be written afterwards.

    Creates (and removes) a temporary file where :func:`write_atomically` will, so
    a missing, read-only or full folder is reported while nothing has been spent.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise TtabotError(f"{option} {path}: folder {folder} {why}")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=folder)
        os.close(fd)
        os.unlink(temp)
    except OSError as exc:
        raise TtabotError(f"{option} {path}: cannot write in {folder}: {exc.strerror}") from None
