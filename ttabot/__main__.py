"""``python -m ttabot``."""

from __future__ import annotations

from ttabot.entry import main

raise SystemExit(main())
