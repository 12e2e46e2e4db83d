"""The seed project's client policy, reimplemented faithfully for comparison.

What the seed did: try the current model; on any failure sleep 1, 2, 4, 8, 16 s
(blocking) and retry; after 3 consecutive failures move to the next model and
never come back; ignore Retry-After; take any HTTP 200 as a success.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import httpx


class SeedClient:
    """Shared by every thread of a batch, like the seed's module-level state."""

    def __init__(
        self, base_url: str, models: Sequence[str], timeout: float, backoff: Sequence[float]
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._models = list(models)
        self._timeout = timeout
        self._backoff = list(backoff)
        self._index = 0
        self._failures = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Close connections."""
        self._http.close()

    def _failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= 3 and self._index < len(self._models) - 1:
                self._index += 1  # never rotates back
                self._failures = 0

    def complete(self, prompt: str) -> str | None:
        """The content of the first HTTP 200 (whatever it holds), or None."""
        for delay in self._backoff:
            with self._lock:
                model = self._models[self._index]
            body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
            try:
                response = self._http.post(self._url, json=body)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 200:
                with self._lock:
                    self._failures = 0
                try:
                    return str(response.json()["choices"][0]["message"]["content"] or "")
                except (ValueError, KeyError, IndexError, TypeError):
                    return ""  # a 200 is a success to the seed, whatever it holds
            self._failed()
            time.sleep(delay)
        return None
