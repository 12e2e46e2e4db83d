"""Bidirectional controls in other people's text cannot reorder what a reviewer reads.

A path like ``pkg/<RLO>yp.lave`` displays as ``pkg/evaly.py``-ish (Trojan Source,
CVE-2021-42574): a file name or a fork artifact's symbol could pass for another.
In ttabot's spans each control is shown as its code point instead.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ttabot.review.inert import code_span, fenced
from ttabot.review.report import html_text

CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("render", [code_span, html_text, fenced])
def test_every_bidi_control_is_shown_not_obeyed(render: Callable[[str], str]) -> None:
    shown = render(f"pkg/{CONTROLS}yp.lave")
    assert not any(ch in shown for ch in CONTROLS)
    assert "U+202E" in shown and "yp.lave" in shown


def test_ordinary_unicode_is_left_alone() -> None:
    assert code_span("pkg/naïve_模块.py") == "`pkg/naïve_模块.py`"
