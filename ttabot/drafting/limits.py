"""The resource limits a sandboxed run has, and the hint that a failure hit one.

``[draft]``'s settings (``max-file-size``, ``max-memory``, ``max-processes``,
``tmp-size``) become the :class:`~ttabot.rlimits.Limits` of every run in a
project copy and the size of bubblewrap's tmpfs folders; a test that fails
because it ran into one is told which setting it met.
"""

from __future__ import annotations

import errno

from ttabot import rlimits
from ttabot.config.settings import DraftSettings


def limits_of(draft: DraftSettings) -> tuple[rlimits.Limits, int]:
    """The run limits and the tmpfs size (bytes) ``draft`` settings ask for."""
    limits = rlimits.Limits(draft.max_file_size, draft.max_memory, draft.max_processes)
    return limits, draft.tmp_size


#: The limits of a run when none are given: ``[draft]``'s defaults (one mapping, above).
DEFAULT_LIMITS, DEFAULT_TMP_SIZE = limits_of(DraftSettings())


#: What a failure says when a sandbox limit may have stopped it, and that limit. The
#: errno comes early in pytest's summary line, which cuts the rest at the line width.
#: ``MemoryError`` and ``ENOSPC`` have other causes too (a full host disk): a hint only.
_LIMIT_SIGNS = (
    (("File too large", f"[Errno {errno.EFBIG}]"), "a file is at most draft.max-file-size"),
    (("MemoryError",), "a process has at most draft.max-memory"),
    (
        ("No space left on device", f"[Errno {errno.ENOSPC}]"),
        "/tmp and HOME hold at most draft.tmp-size",
    ),
)


def limit_hint(failure: str) -> str:
    """`` (sandbox limit: ...)`` naming the setting ``failure`` may have hit, or ""."""
    found = [limit for signs, limit in _LIMIT_SIGNS if any(sign in failure for sign in signs)]
    return f" (sandbox limit: {'; '.join(found)})" if found else ""
