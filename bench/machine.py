"""The machine a benchmark ran on, printed beside its figures."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """CPU count and model, Python version and OS: ``2 CPUs (AMD EPYC …), Python 3.11.7, Linux``."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass  # not Linux: platform.processor() is the best we have
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"
