"""The three clients under test, each running one scenario's batch against the fake server."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.llm.scenarios import ATTEMPT_TIMEOUT, CHAIN, SCALE, Scenario
from bench.llm.seed import SeedClient

# LiteLLM fetches a price list from the internet at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

PROMPT = "Write a docstring for add()."
#: No batch may run longer than this (a client stuck on a hung model would otherwise hang the
#: benchmark); an unfinished request counts as a failure.
REQUEST_CAP = 60.0


@dataclass(frozen=True)
class Outcome:
    """One request of a batch: did a real answer come back, and how long it took."""

    ok: bool
    latency: float


def good(content: str | None) -> bool:
    """A real answer from the chain (not an error body, not empty)."""
    return bool(content) and str(content).startswith("answer from ")


Begin = Callable[[], None]
Batch = tuple[list[Outcome], float, dict[str, int]]


async def _batch(
    scenario: Scenario, one: Callable[[], Awaitable[str | None]], begin: Begin
) -> Batch:
    """Run the scenario's requests, ``concurrency`` at a time; the clock starts at ``begin``."""
    gate = asyncio.Semaphore(scenario.concurrency)

    async def run() -> Outcome:
        async with gate:
            start = time.perf_counter()
            try:
                content = await asyncio.wait_for(one(), cap(scenario))
            except asyncio.TimeoutError:
                content = None
            return Outcome(good(content), time.perf_counter() - start)

    begin()
    started = time.perf_counter()
    outcomes = list(await asyncio.gather(*(run() for _ in range(scenario.requests))))
    return outcomes, time.perf_counter() - started, {}


def cap(scenario: Scenario) -> float:
    """How long the bench lets one request of ``scenario`` run."""
    return min(REQUEST_CAP, scenario.deadline or REQUEST_CAP)


# --- ttabot -----------------------------------------------------------------


def ttabot_settings(base_url: str, scenario: Scenario | None = None):  # type: ignore[no-untyped-def]
    """ttabot's settings for the bench: one local provider, the chain, scaled backoff."""
    from ttabot.config import ClientSettings, Provider, Settings
    from ttabot.records import TaskKind

    chain = scenario.chain if scenario else CHAIN
    return Settings(
        providers={"bench": Provider("bench", base_url)},
        chains={TaskKind.DOCUMENTATION: tuple(f"bench:{m}" for m in chain)},
        client=ClientSettings(
            attempt_timeout=scenario.attempt_timeout if scenario else ATTEMPT_TIMEOUT,
            deadline=cap(scenario) if scenario else REQUEST_CAP,
            backoff=tuple(step * SCALE for step in (1, 2, 4, 8, 16, 32)),
            shared_state=False,
        ),
    )


async def run_ttabot(scenario: Scenario, base_url: str, begin: Begin) -> Batch:
    """The batch through one RotatingClient (one rotation state)."""
    from ttabot.llm import RotatingClient
    from ttabot.records import TaskKind

    messages = [{"role": "user", "content": PROMPT}]
    async with RotatingClient(ttabot_settings(base_url, scenario), environ={}) as client:

        async def one() -> str | None:
            result = await client.complete(TaskKind.DOCUMENTATION, messages)
            return result.content if result.ok else None

        outcomes, wall, _ = await _batch(scenario, one, begin)
    # Sends ttabot stopped at the last moment because a window was announced after the pick
    # (a count of its own calls inside a known window is 0 by construction; the server's
    # count of calls inside a window, beside every client's, is the check).
    extra = {
        "sends_held_back": client.metrics.sends_held_back,
        "hedges_sent": client.metrics.hedges_sent,
        "hedges_won": client.metrics.hedges_won,
    }
    return outcomes, wall, extra


# --- LiteLLM ----------------------------------------------------------------


def litellm_available() -> bool:
    """Whether LiteLLM can be imported here (it is a benchmark-only extra)."""
    try:
        import litellm  # noqa: F401
    except ImportError:
        return False
    return True


def litellm_router(  # type: ignore[no-untyped-def]
    base_url: str, timeout: float = ATTEMPT_TIMEOUT, chain: tuple[str, ...] = CHAIN
):
    """LiteLLM Router with the same chain as fallbacks, timeouts and cooldowns scaled."""
    import litellm
    from litellm import Router

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    logging.getLogger("LiteLLM").setLevel(logging.CRITICAL)
    logging.getLogger("LiteLLM Router").setLevel(logging.CRITICAL)
    model_list = [
        {
            "model_name": model,
            "litellm_params": {
                "model": f"openai/{model}",
                "api_base": base_url,
                "api_key": "sk-bench",
                "timeout": timeout,
            },
        }
        for model in chain
    ]
    return Router(
        model_list=model_list,
        fallbacks=[{chain[0]: list(chain[1:])}],
        num_retries=2,
        timeout=timeout,
        cooldown_time=5 * SCALE,  # LiteLLM's default 5 s cooldown, scaled like the scenario
    )


async def run_litellm(scenario: Scenario, base_url: str, begin: Begin) -> Batch:
    """The batch through one LiteLLM Router."""
    router = litellm_router(base_url, scenario.attempt_timeout, scenario.chain)
    messages = [{"role": "user", "content": PROMPT}]

    async def one() -> str | None:
        try:
            response = await router.acompletion(model=scenario.chain[0], messages=messages)
        except Exception:  # noqa: BLE001 - LiteLLM raises many types; any is a failed request
            return None
        return str(response.choices[0].message.content or "")

    return await _batch(scenario, one, begin)


# --- the seed's policy ------------------------------------------------------


async def run_seed(scenario: Scenario, base_url: str, begin: Begin) -> Batch:
    """The batch through the seed's blocking policy, one thread per concurrent request."""
    client = SeedClient(
        base_url,
        scenario.chain,
        scenario.attempt_timeout,
        [step * SCALE for step in (1, 2, 4, 8, 16)],
    )
    pool = concurrent.futures.ThreadPoolExecutor(scenario.concurrency)
    loop = asyncio.get_running_loop()

    async def one() -> str | None:
        return await loop.run_in_executor(pool, client.complete, PROMPT)

    try:
        return await _batch(scenario, one, begin)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        client.close()


RUNNERS: dict[str, Callable[[Scenario, str, Begin], Awaitable[Batch]]] = {
    "ttabot": run_ttabot,
    "litellm": run_litellm,
    "seed": run_seed,
}
