"""Virtual time for async code that takes an injected ``clock`` and ``sleep``.

``FakeTime.sleep`` never waits: sleepers are woken in deadline order, and the
clock jumps to the next deadline only once the event loop has run out of other
work (everything else is blocked on I/O that will not come, or on a sleep). With
``httpx.MockTransport`` there is no real I/O, so a test of a 30 s timeout runs in
milliseconds and always the same way.
"""

from __future__ import annotations

import asyncio
import heapq

#: Loop turns without progress after which the loop counts as idle.
IDLE_TURNS = 50


class FakeTime:
    """A clock (epoch seconds) and a sleep that advance together, on demand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.start = start
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0
        self._driver: asyncio.Task[None] | None = None

    def clock(self) -> float:
        """The current virtual time."""
        return self.now

    @property
    def elapsed(self) -> float:
        """Virtual seconds since the start."""
        return self.now - self.start

    async def sleep(self, seconds: float) -> None:
        """Return once virtual time reaches now + ``seconds``."""
        self.sleeps.append(seconds)
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._count, woken))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive())
        await woken

    async def _drive(self) -> None:
        while True:
            for _ in range(IDLE_TURNS):
                await asyncio.sleep(0)  # let everything that can run, run
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)  # cancelled sleepers
            if not self._sleepers:
                return
            wake, _, woken = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            woken.set_result(None)
