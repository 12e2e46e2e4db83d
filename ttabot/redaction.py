"""Secrets taken out of text: known values, credential shapes, a value cut at the end.

Two places mask secrets in text they did not write: the model client (keys in
a provider's answers and error messages, :mod:`ttabot.llm.client`) and the
review (everything bound for GitHub, :class:`ttabot.review.inert.Redactor`).
Both build on this module, at the bottom of the layers, so a way a secret
slips through is closed once for both. Everything here is pure.

- :class:`KnownSecrets`: the values ttabot was given, found whole or wrapped
  over lines by a tool that printed them (:meth:`KnownSecrets.redact`), and a
  start of one left where a capped message ends (:meth:`KnownSecrets.redact_cut_end`).
- :func:`redact_credentials`: tokens and keys of a published shape, whoever's
  they are (a generated test can print one ttabot was never given), a URL's user
  part (``https://user:password@host``), and
  :func:`redact_cut_credential` for the start of one where a text was cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: What a redacted secret reads as.
REDACTED = "***"
#: Values shorter than this are not secrets to look for (they would blank ordinary
#: words: a local server's placeholder key such as ``none``), unless a caller asks.
MIN_SECRET = 8
#: The shortest start of a value masked where a text ends: shorter ones say nothing.
MIN_CUT = 4

#: Credentials by their published shapes, whoever they belong to: GitHub's tokens
#: (personal, OAuth, user-to-server, installation, refresh; fine-grained) and
#: OpenRouter's keys.
_CREDENTIAL = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}"
    r"|sk-or-v1-[0-9a-f]{32,})"
)


#: The start of a credential of a known shape, left where a text was cut.
_CUT_CREDENTIAL = re.compile(
    r"(?<![A-Za-z0-9_])(?:gh[pousr]_|github_pat_|sk-or-v1-)[A-Za-z0-9_]*\Z"
)


#: The user part of a URL (``https://user:password@host``, ``https://token@host``): up to
#: the authority's last "@". httpx logs each request's URL whole, a base_url's password too.
_URL_USERINFO = re.compile(r"(?<=://)[^\s/?#]+@")


def redact_credentials(text: str) -> str:
    """``text`` with every credential of a known shape, and a URL's user part (where a
    password or token goes), replaced by :data:`REDACTED`."""
    return _URL_USERINFO.sub(REDACTED + "@", _CREDENTIAL.sub(REDACTED, text))


def redact_cut_credential(text: str) -> str:
    """``text`` with a start of a known-shape credential at its very end masked.

    For text that may have been cut: the rest of the credential, which the shape's
    length needs, was cut away with it.
    """
    return _CUT_CREDENTIAL.sub(REDACTED, text)


class KnownSecrets:
    """Secret values to find in text: each stripped, none shorter than ``shortest``.

    A value that contains another is replaced whole (longest first). Values of
    :data:`MIN_SECRET` characters or more are also found with whitespace inside
    them (a tool that wrapped the line it printed); a shorter one, only as it is.
    """

    def __init__(self, values: Iterable[str], *, shortest: int = MIN_SECRET) -> None:
        kept = {v.strip() for v in values if len(v.strip()) >= max(shortest, 1)}
        self.values: tuple[str, ...] = tuple(sorted(kept, key=len, reverse=True))
        wrapped = [r"\s*".join(map(re.escape, v)) for v in self.values if len(v) >= MIN_SECRET]
        self._wrapped = re.compile("|".join(wrapped)) if wrapped else None

    def redact(self, text: str) -> str:
        """``text`` with each value replaced by :data:`REDACTED` (whitespace inside it too)."""
        for value in self.values:
            if value in text:
                text = text.replace(value, REDACTED)
        if self._wrapped is not None:
            text = self._wrapped.sub(REDACTED, text)
        return text

    def redact_cut_end(self, text: str) -> str:
        """``text`` with a start of a value (:data:`MIN_CUT` characters or more) at its end masked.

        A message capped at a length (a provider's error, a quoted value) can end
        in the middle of a value it echoed, which a whole match misses. Only for
        text that may have been cut so: a whole text ending in a value's first
        letters (``ghs_``, ``sk-or``) would lose them for nothing.
        """
        for value in self.values:
            text = _without_cut_value(text, value)
        return text


def _without_cut_value(text: str, value: str) -> str:
    """``text`` with its end masked when it is a start of ``value`` (not ``value`` whole)."""
    for length in range(len(value) - 1, MIN_CUT - 1, -1):
        if text.endswith(value[:length]):
            return text[: len(text) - length] + REDACTED
    return text
