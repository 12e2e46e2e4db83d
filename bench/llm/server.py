"""The fake OpenAI-compatible server in its own process, so the client under test does not
share a GIL with it; the scenario's clock starts when the parent says so."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import time
from collections.abc import Callable
from typing import Any

from tests.support.fake_openai import FakeOpenAI
from tests.support.loopback import Reply

# Requests arriving this soon after a 429 count as already in flight when it was sent: on a
# loaded 2-core machine the threaded fake server takes up to ~0.2 s to accept a burst.
GRACE = 0.25


Report = Callable[[], dict[str, int]]


def _serve(
    respond: Callable[[str, float], Reply],
    report: Report | None,
    start: Any,
    conn: multiprocessing.connection.Connection,
) -> None:
    fake = FakeOpenAI(lambda model, body: respond(model, time.time() - start.value))
    fake.start()
    conn.send(fake.base_url)
    conn.recv()  # "stop"
    stats = {"calls": len(fake.calls), "violations": len(fake.violations(grace=GRACE))}
    conn.send({**stats, **(report() if report else {})})
    fake.stop()


class ServerProcess:
    """``with ServerProcess(respond) as server:`` then ``server.begin()`` starts the clock.

    ``report``, if given, runs in the server's process at the end (where ``respond`` kept
    its counts) and its counts join ``stats``.
    """

    def __init__(
        self, respond: Callable[[str, float], Reply], report: Report | None = None
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._start = context.Value("d", time.time())
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(respond, report, self._start, child), daemon=True
        )
        self.base_url = ""
        self.stats: dict[str, int] = {}

    def __enter__(self) -> ServerProcess:
        self._process.start()
        self.base_url = self._conn.recv()
        return self

    def begin(self) -> None:
        """Scenario time zero is now."""
        self._start.value = time.time()

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self.stats = self._conn.recv()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
