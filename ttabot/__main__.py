"""``python -m ttabot``."""

from __future__ import annotations

from ttabot.cli import main

raise SystemExit(main())
