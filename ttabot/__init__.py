"""ttabot: finds what a change leaves undone and drafts it with rotating free LLMs."""

from __future__ import annotations

__version__ = "0.1.0"
