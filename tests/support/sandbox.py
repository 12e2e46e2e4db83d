"""``needs_bwrap``: skip a test only when the kernel refuses bubblewrap its namespaces.

A missing bwrap is no reason to skip (``.ci/run`` installs it): those tests fail.
"""

from __future__ import annotations

import os

import pytest

from ttabot.drafting import bwrap


def kernel_refusal() -> str | None:
    """Why installed bwrap cannot make namespaces here; None when it can or is missing."""
    found = bwrap.find_bwrap(os.environ)
    return None if found is None else bwrap.refusal(found)


needs_bwrap = pytest.mark.skipif(
    kernel_refusal() is not None,
    reason=f"the kernel refuses bubblewrap its namespaces: {kernel_refusal()}",
)
