"""Models: the rotating chat client, its metrics, and the catalog of free models.

Names are imported lazily, so ``import ttabot.llm`` costs next to nothing and
httpx is loaded only when a client first sends a request.

    async with RotatingClient(settings) as client:
        answer = await client.complete(TaskKind.DOCUMENTATION, messages, schema=schema)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ttabot.llm.client import RotatingClient
    from ttabot.llm.metrics import Metrics
    from ttabot.llm.request import Completion
    from ttabot.llm.schema import SchemaError
    from ttabot.llm.structured import JSONExtractionError, extract_json
    from ttabot.llm.targets import missing_keys, usable_models

__all__ = [
    "Completion",
    "JSONExtractionError",
    "Metrics",
    "RotatingClient",
    "SchemaError",
    "extract_json",
    "missing_keys",
    "usable_models",
]

_HOME = {
    "Completion": "request",
    "RotatingClient": "client",
    "missing_keys": "targets",
    "usable_models": "targets",
    "Metrics": "metrics",
    "JSONExtractionError": "structured",
    "SchemaError": "schema",
    "extract_json": "structured",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'ttabot.llm' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ttabot.llm.{module}"), name)
