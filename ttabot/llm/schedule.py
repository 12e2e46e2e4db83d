"""When each model may be asked next, which model a request takes now, and waiting.

A model is free once its cooldown has ended (announced by its provider, read from
other ttabot processes, or ttabot's own backoff after a failure that announced
nothing), its pacing slot is open and no probe request to it is in flight. A
request takes the first free model of its chain; when none is free it waits for
the earliest, and looks again early if a probe ends meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttabot.llm.backoff import backoff_delay
from ttabot.llm.cooldown import CooldownTable
from ttabot.llm.errors import FailureKind
from ttabot.llm.pacing import Pacer

if TYPE_CHECKING:
    from ttabot.config import ClientSettings
    from ttabot.llm.metrics import Metrics
    from ttabot.llm.state import SharedState
    from ttabot.llm.targets import Target


#: Answers in a row after which a model that failed is trusted with every request again.
RECOVER_AFTER = 2


class ProbeClaim:
    """One request's hold on a backing-off model's probe slot (compared by identity)."""

    __slots__ = ("ref", "sent")

    def __init__(self, ref: str, sent: float) -> None:
        self.ref = ref
        self.sent = sent

    def __repr__(self) -> str:
        return f"<ProbeClaim {self.ref} sent={self.sent}>"


class Schedule:
    """Cooldowns, pacing, backoff strikes and probes of every model one client asks."""

    def __init__(
        self,
        settings: ClientSettings,
        state: SharedState | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._table = CooldownTable(clock)
        self._pacer = Pacer()
        self._strikes: dict[str, tuple[int, float]] = {}
        # Answers in a row from a model that has strikes: it is trusted with every
        # request again only after RECOVER_AFTER of them (a circuit breaker's success
        # threshold), so a model failing every other answer stays at one probe at a time.
        self._recovered: dict[str, int] = {}
        # A model that failed without announcing anything gets one probe request at a
        # time once its backoff ends (a circuit breaker's half-open state): ref -> the
        # claim of the request holding it (only that claim releases it).
        self._probes: dict[str, ProbeClaim] = {}
        # Requests waiting while a probe is in flight; woken when it ends, to look again.
        self._waiters: list[asyncio.Future[None]] = []
        # Shared state (file or Redis): cooldowns other processes learned, and the
        # rolling-window limiter every process of a paced provider draws on.
        self._shared = state
        if state is None and settings.shared_state:
            from ttabot.llm.state import default_state_dir
            from ttabot.llm.state_file import FileState

            state_dir = settings.state_dir
            self._shared = FileState(
                Path(state_dir) if state_dir else default_state_dir(), clock=clock
            )
        # Bucket -> when the shared limiter said its next slot opens (another process holds it).
        self._window_full: dict[str, float] = {}

    # --- when a model is free -------------------------------------------------

    def cooling_until(self, target: Target) -> float:
        """When ``target`` may be asked again (epoch seconds; past if free)."""
        self._sync_shared()
        return self._table.until(target.state_key)

    def _sync_shared(self) -> None:
        if self._shared is not None:
            for key, until in self._shared.cooldowns().items():
                self._table.announce(key, until)

    def ready_at(self, target: Target, now: float) -> float:
        """The earliest time ``target`` may be sent a request: cooldown (including those
        other processes shared, read now), pacing, probe."""
        self._sync_shared()
        return self._ready_at(target, now)

    def _ready_at(self, target: Target, now: float) -> float:
        ready = max(now, self._table.until(target.state_key))
        if target.bucket is not None:
            ready = max(ready, self._pacer.next_slot(target.bucket[0], now))
            ready = max(ready, self._window_full.get(target.bucket[0], 0.0))
        probe = self._probes.get(target.ref)
        if probe is not None:
            ready = max(ready, probe.sent + self._settings.attempt_timeout)
        return ready

    def pick(
        self, candidates: Sequence[Target], now: float, prefer: str | None, metrics: Metrics
    ) -> Target:
        """The chain's first model that is free now, else the one free soonest.

        ``prefer`` (a ref) wins if it is free: the model retrying invalid output.
        """
        self._sync_shared()
        ready = [self._ready_at(t, now) for t in candidates]
        for target, at in zip(candidates, ready, strict=True):
            if target.ref == prefer and at <= now:
                return target
        best = min(range(len(candidates)), key=lambda i: (ready[i], i))
        if ready[best] <= now:
            for skipped in candidates[:best]:
                metrics.model(skipped.ref).cooldown_skips += 1
        return candidates[best]

    def in_announced(self, target: Target) -> bool:
        """Whether asking ``target`` now would break a window its provider announced (to
        this process, or to another one that shared it)."""
        self._sync_shared()
        return self._table.in_announced(target.state_key)

    def reserve(self, target: Target, now: float) -> bool:
        """Take ``target``'s pacing slot (if its provider is paced); False if none is free.

        With shared state the provider's rolling window is checked across every
        process first; when it is full, :meth:`ready_at` knows when it frees up and
        nothing is taken.
        """
        if target.bucket is None:
            return True
        name, interval = target.bucket
        window = self._settings.rate_window
        if self._shared is not None:
            limit = max(1, round(60.0 / interval))
            # A margin over the window: requests logged together may arrive apart.
            margin = max(0.5, window / 50)
            bucket = f"{target.shared_url} {name}"
            wait = self._shared.acquire(bucket, limit, window + margin)
            if wait > 0:
                self._window_full[name] = now + wait
                return False
        self._pacer.reserve(name, interval * window / 60.0, now)
        return True

    # --- what an attempt teaches ----------------------------------------------

    def claim_probe(self, target: Target, sent: float) -> ProbeClaim | None:
        """Take ``target``'s one probe slot if it is backing off (None if it is not).

        The slot is held until :meth:`release_probe` is given this very claim; a claim
        another request made since is never released by this one.
        """
        if target.ref not in self._strikes:
            return None
        claim = ProbeClaim(target.ref, sent)
        self._probes[target.ref] = claim
        return claim

    def release_probe(self, claim: ProbeClaim | None) -> None:
        """Free the probe slot ``claim`` holds; nothing if it is None or no longer holds it."""
        if claim is not None and self._probes.get(claim.ref) is claim:
            del self._probes[claim.ref]
            self._wake_waiters()

    @contextlib.contextmanager
    def probe_slot(
        self, target: Target, sent: float, held: ProbeClaim | None = None
    ) -> Iterator[None]:
        """Hold ``target``'s one probe slot while an attempt is in flight, if it is backing off.

        ``held`` is a claim taken earlier for this attempt (a hedge claims before its task
        runs): the attempt takes it over, and releases it when it ends, if it still holds it.
        """
        if held is not None and self._probes.get(held.ref) is held:
            claim: ProbeClaim | None = held
        else:
            claim = self.claim_probe(target, sent)
        try:
            yield
        finally:
            self.release_probe(claim)

    def answered(self, target: Target, sent: float) -> None:
        """``target`` answered an attempt sent at ``sent``: end its backoff; forget its
        strikes once it has answered :data:`RECOVER_AFTER` times in a row.

        An answer to an attempt already in flight at the last failure says nothing about
        the model since (one failing every other answer answers some of a wave that also
        failed): it neither ends the backoff nor counts towards recovery.
        """
        strike = self._strikes.get(target.ref)
        if strike is not None and sent < strike[1]:
            return
        if strike is not None:
            self._recovered[target.ref] = self._recovered.get(target.ref, 0) + 1
            if self._recovered[target.ref] >= RECOVER_AFTER:
                self._strikes.pop(target.ref, None)
                self._recovered.pop(target.ref, None)
        self._table.clear_backoff(target.state_key)

    def announce(self, target: Target, until: float) -> None:
        """Cool ``target`` until the time its provider announced, shared if it is later."""
        if self._table.announce(target.state_key, until) and self._shared:
            # What the table kept: finite and at most MAX_COOLDOWN away, whatever was said.
            self._shared.publish_cooldown(target.state_key, self._table.announced(target.state_key))

    def back_off(
        self, target: Target, sent: float, kind: FailureKind, at_least: float = 0.0
    ) -> None:
        """Nothing was announced: cool ``target`` for the next step of the backoff schedule
        (and at least ``at_least`` seconds)."""
        strikes, last = self._strikes.get(target.ref, (0, 0.0))
        # Failures of attempts already in flight at the last strike count once, so a
        # burst of concurrent timeouts does not push the model far down the schedule.
        if sent >= last:
            strikes += 1
        self._recovered.pop(target.ref, None)
        now = self._clock()
        self._strikes[target.ref] = (strikes, now)
        delay = backoff_delay(strikes, self._settings.backoff)
        if kind is FailureKind.TIMEOUT:
            # Asking a hung model again costs a whole attempt timeout: wait at least that long.
            delay = max(delay, self._settings.attempt_timeout)
        delay = max(delay, at_least)
        self._table.back_off(target.state_key, now + delay)

    # --- waiting ----------------------------------------------------------------

    async def wait(self, seconds: float) -> float:
        """Sleep ``seconds``, or less if a probe ends meanwhile; return the time slept.

        Requests queued behind a model's probe would otherwise sleep a whole attempt
        timeout even when the probe ends at once (a refused connection takes
        milliseconds).
        """
        started = self._clock()
        if not self._probes:
            await self._sleep(seconds)
            return self._clock() - started
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(woken)
        timer = asyncio.ensure_future(self._sleep(seconds))
        either: set[asyncio.Future[Any]] = {woken, timer}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if woken in self._waiters:
                self._waiters.remove(woken)
            woken.cancel()
            timer.cancel()
        return self._clock() - started

    def _wake_waiters(self) -> None:
        waiters, self._waiters = self._waiters, []
        for woken in waiters:
            if not woken.done():
                woken.set_result(None)
