"""The line ends git gives a file it checks out, for the files a draft adds.

A drafted file is text with LF line ends, as git stores it. A file that is already
in the work tree is written like the file there (:func:`ttabot.drafting.output.apply`).
A new one (a new test module) has nothing to follow but git's own rule for its path,
the rule ``git checkout`` applies to the same text stored at that path (git's
``convert.c``): the path's ``text`` attribute (else the legacy ``crlf``) and ``eol``
attribute decide; where they leave it open, ``core.autocrlf``; and for ``text``
without ``eol``, ``core.autocrlf``, then ``core.eol``, then the platform's native
end. So ``* text eol=crlf`` in ``.gitattributes``, or ``core.autocrlf=true``, gives a
new file CRLF, and ``-text`` or ``eol=lf`` keeps it LF.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ttabot import git
from ttabot.errors import TtabotError

#: The attributes git reads to decide a path's line ends, in ``git check-attr``'s words.
ATTRIBUTES = ("text", "eol", "crlf")

# git's crlf_action values for a path (convert.c), named as git names them.
_BINARY, _TEXT, _TEXT_INPUT, _TEXT_CRLF = "binary", "text", "text-input", "text-crlf"
_AUTO, _AUTO_INPUT, _AUTO_CRLF, _UNDEFINED = "auto", "auto-input", "auto-crlf", "undefined"


def _action(value: str | None) -> str:
    """A ``text`` (or ``crlf``) attribute value as git reads it."""
    return {"set": _TEXT, "unset": _BINARY, "input": _TEXT_INPUT, "auto": _AUTO}.get(
        value or "", _UNDEFINED
    )


def _autocrlf(config: Mapping[str, str | None]) -> str:
    """``core.autocrlf``: ``true``, ``input`` or ``false``, read as git reads a boolean."""
    if "core.autocrlf" not in config:
        return "false"
    value = config["core.autocrlf"]
    if value is None:  # a bare ``autocrlf`` key
        return "true"
    word = value.strip().lower()
    if word == "input":
        return "input"
    if word in ("true", "yes", "on"):
        return "true"
    try:
        return "true" if int(word) != 0 else "false"
    except ValueError:  # "", "false", "no", "off"; git refuses anything else
        return "false"


def _text_eol_is_crlf(autocrlf: str, core_eol: str | None, native_crlf: bool) -> bool:
    if autocrlf != "false":
        return autocrlf == "true"
    eol = (core_eol or "").strip().lower()
    if eol in ("lf", "crlf"):
        return eol == "crlf"
    return native_crlf  # "native", unset (git refuses another value)


def checkout_crlf(
    attrs: Mapping[str, str],
    config: Mapping[str, str | None],
    *,
    native_crlf: bool = os.linesep == "\r\n",
) -> bool:
    """Whether git checks LF text out with CRLF for a path with ``attrs`` under ``config``.

    ``attrs`` are ``git check-attr``'s answers (``set``, ``unset``, ``unspecified`` or
    a value) for :data:`ATTRIBUTES`; ``config`` holds ``core.autocrlf`` and ``core.eol``
    as git's configuration has them (None: a key with no value).
    """
    action = _action(attrs.get("text"))
    if action == _UNDEFINED:
        action = _action(attrs.get("crlf"))
    if action != _BINARY:
        eol = attrs.get("eol")
        if action == _AUTO and eol in ("lf", "crlf"):
            action = _AUTO_CRLF if eol == "crlf" else _AUTO_INPUT
        elif eol in ("lf", "crlf"):
            action = _TEXT_CRLF if eol == "crlf" else _TEXT_INPUT
    autocrlf = _autocrlf(config)
    if action == _UNDEFINED:
        action = {"true": _AUTO_CRLF, "input": _AUTO_INPUT}.get(autocrlf, _BINARY)
    if action in (_TEXT, _AUTO):
        return _text_eol_is_crlf(autocrlf, config.get("core.eol"), native_crlf)
    return action in (_TEXT_CRLF, _AUTO_CRLF)


def crlf_paths(root: Path, paths: Iterable[str]) -> frozenset[str]:
    """Those of ``paths`` (under the work tree ``root``) that git would check out in CRLF.

    Outside a git repository no attribute or setting applies: none.
    """
    wanted = sorted(set(paths))
    if not wanted:
        return frozenset()
    try:
        attributes = git.checkout_attributes(root, wanted, ATTRIBUTES)
        config = git.line_end_config(root) if attributes is not None else {}
    except TtabotError:  # git is not installed: no repository either
        return frozenset()
    if attributes is None:
        return frozenset()
    return frozenset(p for p in wanted if checkout_crlf(attributes.get(p, {}), config))
