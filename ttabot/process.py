"""ttabot's own process: secrets out of its environment, hidden from others, clean stops.

Popping a variable from ``os.environ`` does not erase it from
``/proc/<pid>/environ``, which shows the environment the process started with
and which any process of the same user may read: generated code could read a
key there through ``os.getppid()``. A process that is not dumpable keeps its
``/proc`` files to root. Both steps happen before ttabot starts any child.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from types import FrameType

from ttabot import children

log = logging.getLogger(__name__)

#: ``prctl(2)`` options: set and get whether the process may be dumped or inspected.
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3

#: Variable names that hold secrets: keys, tokens, passwords, cloud credentials.
SECRET_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|PRIVATE|AUTH(?!OR)|COOKIE|SESSION|^AWS_|^AZURE_|^GOOGLE_"
    r"|^ACTIONS_|^INPUT_",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret."""
    return SECRET_NAME.search(name) is not None


def drop_secrets(environ: MutableMapping[str, str], extra: Iterable[str] = ()) -> list[str]:
    """Remove secret-named variables (and ``extra`` names) from ``environ``; return them."""
    names = {n for n in environ if is_secret_name(n)} | {n for n in extra if n in environ}
    for name in names:
        del environ[name]
    return sorted(names)


def set_non_dumpable() -> bool:
    """Make this process non-dumpable (Linux ``prctl``); return whether that took effect."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        done = bool(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        done = False
    if not done:
        log.warning("could not hide the process environment from other processes (prctl)")
    return done


def protect(extra: Iterable[str] = ()) -> dict[str, str]:
    """Drop secrets from ``os.environ`` and become non-dumpable; return the environment before.

    The returned copy is what the model client reads its keys from; children
    (git, generated code) inherit the scrubbed ``os.environ``.
    """
    before = dict(os.environ)
    drop_secrets(os.environ, extra)
    set_non_dumpable()
    return before


# --- stopping on SIGINT / SIGTERM ----------------------------------------------

Handler = Callable[[int, FrameType | None], object] | int | None


#: The signals that stop ttabot cleanly: Ctrl-C, kill, and a closed terminal (SIGHUP),
#: whose default action would end the run on the spot, leaving temporaries behind.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    children.stop_children()
    raise children.Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGINT, SIGTERM and SIGHUP kill children and raise :class:`Interrupted`.

    Only in the main thread (signal handlers can only be set there); the
    previous handlers come back on exit.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved: Mapping[int, Handler] = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in saved:
        signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
