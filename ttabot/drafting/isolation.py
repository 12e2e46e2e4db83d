"""Where generated code may run: a project copy under bubblewrap, the bare copy, or nowhere.

:func:`project_copy` makes the :class:`~ttabot.drafting.sandbox.Sandbox` every
draft's code runs in: a copy of the project (:mod:`ttabot.drafting.copying`:
``.gitignore`` honoured, no link followed out of the project) with the change's
files written over it. Where bubblewrap works, every run in the copy is
contained by it (:mod:`ttabot.drafting.bwrap`: no network, its own pid
namespace and ``/proc``, the system read-only, tmpfs HOME and ``/tmp``). Where
it does not, local drafting falls back to the bare copy with a one-line warning,
and ``isolation="bwrap"`` (the Action) refuses to run any generated code
(:class:`NoSandbox`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ttabot import children, rlimits
from ttabot.drafting import bwrap
from ttabot.drafting.copying import copy_project, listing
from ttabot.drafting.environment import choose_python
from ttabot.drafting.limits import DEFAULT_LIMITS, DEFAULT_TMP_SIZE
from ttabot.drafting.sandbox import Sandbox
from ttabot.errors import TtabotError

log = logging.getLogger(__name__)

#: ``isolation`` values: "auto" uses bubblewrap where it works, else warns and uses the
#: bare copy; "bwrap" runs no generated code without it (the Action).
ISOLATIONS = ("auto", "bwrap")

#: The risk the fallback takes, said once when bubblewrap cannot be used.
FALLBACK_RISK = (
    "generated tests run without bubblewrap ({why}): they run as you, "
    "and can read your files and environment, reach the network and outlive the run"
)


class NoSandbox(TtabotError):
    """Generated code must run under bubblewrap, and bubblewrap cannot run here."""


def bwrap_refusal(environ: Mapping[str, str]) -> str | None:
    """Why generated code cannot run under bubblewrap here, or None when it can."""
    found = bwrap.find_bwrap(environ)
    if found is None:
        return "bwrap is not installed (Debian/Ubuntu package: bubblewrap)"
    return bwrap.refusal(found)


def sandbox_refusal(isolation: str, environ: Mapping[str, str]) -> str | None:
    """With ``isolation="bwrap"``: why no generated code may run ("not drafted: no sandbox")."""
    if isolation != "bwrap":
        return None
    why = bwrap_refusal(environ)
    return None if why is None else f"not drafted: no sandbox ({why})"


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning("warning: %s", message)


def containing_bwrap(isolation: str, environ: Mapping[str, str], tmp_size: int) -> str | None:
    """The bwrap executable that will contain every run, or None: the bare copy.

    Without bubblewrap, ``isolation="bwrap"`` raises :class:`NoSandbox` and
    ``"auto"`` warns once of the risk; a bwrap that cannot cap its tmpfs folders
    at ``tmp_size`` is used with a warning.
    """
    why = bwrap_refusal(environ)
    if why is not None:
        if isolation == "bwrap":
            raise NoSandbox(f"not drafted: no sandbox ({why})")
        _warn_once(FALLBACK_RISK.format(why=why))
    found = bwrap.find_bwrap(environ) if why is None else None
    if found is not None and tmp_size and not bwrap.supports_size(found):
        _warn_once(f"{found} has no --size: the sandbox's /tmp and HOME are not capped in size")
    return found


@contextmanager
def project_copy(
    root: Path,
    overlay: Mapping[str, str | None],
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    python: str | None = None,
    isolation: str = "auto",
    limits: rlimits.Limits = DEFAULT_LIMITS,
    tmp_size: int = DEFAULT_TMP_SIZE,
) -> Iterator[Sandbox]:
    """A :class:`~ttabot.drafting.sandbox.Sandbox`: a copy of ``root``, ``overlay`` written over it.

    ``overlay`` maps repo-relative paths to the text a change gives them (None:
    deleted), so the copy is the change's new version whatever the working tree holds.
    ``python`` defaults to :func:`~ttabot.drafting.environment.choose_python` with no
    configured interpreter.
    ``isolation`` is ``"auto"`` (bubblewrap where it works, else a warning and the
    bare copy) or ``"bwrap"`` (bubblewrap or :class:`NoSandbox`: the Action).
    ``limits`` bound every run in the copy; ``tmp_size`` caps bubblewrap's tmpfs
    folders (see :func:`~ttabot.drafting.limits.limits_of`).
    The copy is removed on exit, and on an interrupt (:mod:`ttabot.children`).
    """
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {ISOLATIONS}, not {isolation!r}")
    env = os.environ if environ is None else environ
    interpreter = python or choose_python(root, "", env)
    found = containing_bwrap(isolation, env, tmp_size)
    scratch = children.make_scratch("ttabot-")
    try:
        path = (scratch / "project").resolve()
        path.mkdir()
        report = copy_project(root, path, listing(root))
        if report.outside_links:
            shown = ", ".join(report.outside_links[:5])
            more = len(report.outside_links) - 5
            _warn_once(
                f"not copied into the sandbox: symbolic links pointing outside the project: "
                f"{shown}{f' and {more} more' if more > 0 else ''}"
            )
        sandbox = Sandbox(path, env, timeout, interpreter, found, limits, tmp_size)
        for rel, text in overlay.items():
            sandbox.write(rel, text)
        yield sandbox
    finally:
        children.remove_scratch(scratch)
