"""Benchmark the rotating model client against LiteLLM Router and the seed's policy.

One command, from the repository root:

    .venv-bench/bin/python bench/llm_bench.py        # with LiteLLM (benchmark-only venv)
    .venv/bin/python bench/llm_bench.py              # re-runs itself in .venv-bench if it exists

Every fault scenario (bench/llm/scenarios.py) runs against each client in turn, on a
fresh fake OpenAI-compatible server on 127.0.0.1. Time is scaled by SCALE (a 20 s
Retry-After becomes 2 s). Reported per run: success rate, wall time against the
scenario's analytical lower bound, p95 latency, calls that reached a model inside a
window it had announced, requests that ran past the caller's deadline, ttabot's hedges, and
(daily-quota) requests sent to ``:free`` models after the day's free quota was announced.
Then client overhead per call over raw httpx, import time, and time and peak memory of a
client given a 900 MB body, a gzip bomb and 100,000-deep JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"

from bench.llm import bounds  # noqa: E402
from bench.llm.runners import RUNNERS, cap, litellm_available  # noqa: E402
from bench.llm.scenarios import SCALE, Scenario, scenarios  # noqa: E402
from bench.llm.server import ServerProcess  # noqa: E402
from bench.machine import describe as describe_machine  # noqa: E402
from tests.support.fake_openai import ok  # noqa: E402
from ttabot.llm.metrics import percentile  # noqa: E402


def run_one(client: str, scenario: Scenario) -> dict[str, Any]:
    """One scenario against one client on a fresh server in its own process."""
    report = scenario.report
    with ServerProcess(
        lambda model, t: scenario.respond(scenario, model, t),
        (lambda: report(scenario)) if report else None,
    ) as server:
        outcomes, wall, extra = asyncio.run(
            RUNNERS[client](scenario, server.base_url, server.begin)
        )
    success = sum(o.ok for o in outcomes) / len(outcomes)
    deadline = cap(scenario)
    return {
        "scenario": scenario.name,
        "client": client,
        "success": round(success, 3),
        "wall": round(wall, 3),
        "lower_bound": round(scenario.lower_bound, 3),
        "ratio": round(wall / scenario.lower_bound, 2),
        **(
            {"floor": round(scenario.floor, 3), "floor_ratio": round(wall / scenario.floor, 2)}
            if scenario.floor
            else {}
        ),
        "p95": round(percentile([o.latency for o in outcomes], 0.95), 3),
        "calls_in_cooldown": server.stats["violations"],
        "requests_sent": server.stats["calls"],
        "over_deadline": sum(o.latency > deadline for o in outcomes),
        **{k: v for k, v in server.stats.items() if k not in ("calls", "violations")},
        **extra,
    }


def warm_up(clients: list[str]) -> None:
    """One request through every client first: lazy imports (httpx's async backend, LiteLLM's
    providers) and first connections are paid before anything is timed."""
    warm = Scenario(
        "warm-up", "", 2, 2, 0.0, 1.0, lambda s, model, t: ok(f"answer from {model}"), {}
    )
    for client in clients:
        with ServerProcess(lambda model, t: ok(f"answer from {model}")) as server:
            asyncio.run(RUNNERS[client](warm, server.base_url, server.begin))


def overhead(clients: list[str], calls: int = 300) -> dict[str, float]:
    """Median seconds per call on loopback for raw httpx and each client, same server."""
    import httpx

    from bench.llm.runners import litellm_router, ttabot_settings
    from ttabot.llm import RotatingClient
    from ttabot.records import TaskKind

    messages = [{"role": "user", "content": "hi"}]

    async def timed(calls_by_name: dict[str, Any]) -> dict[str, float]:
        # Interleave the clients call by call, so load from other processes hits all alike.
        samples: dict[str, list[float]] = {name: [] for name in calls_by_name}
        order = list(calls_by_name.items())
        for round_ in range(calls + 20):
            shift = round_ % len(order)  # who goes first changes every round
            for name, call in order[shift:] + order[:shift]:
                t = time.perf_counter()
                await call()
                if round_ >= 20:
                    samples[name].append(time.perf_counter() - t)
        return {name: statistics.median(values) for name, values in samples.items()}

    async def main() -> dict[str, float]:
        url = fake.base_url + "/chat/completions"
        async with (
            httpx.AsyncClient() as http,
            RotatingClient(ttabot_settings(fake.base_url), environ={}) as client,
        ):

            async def raw() -> None:
                response = await http.post(url, json={"model": "a", "messages": messages})
                response.json()["choices"][0]["message"]["content"]

            async def tta() -> None:
                await client.complete(TaskKind.DOCUMENTATION, messages)

            calls_by_name: dict[str, Any] = {"raw httpx": raw, "ttabot": tta}
            if "litellm" in clients:
                router = litellm_router(fake.base_url)

                async def lite() -> None:
                    await router.acompletion(model="a", messages=messages)

                calls_by_name["litellm"] = lite
            return await timed(calls_by_name)

    with ServerProcess(lambda model, t: ok(f"answer from {model}")) as fake:
        return asyncio.run(main())


def import_times(with_litellm: bool) -> dict[str, float]:
    """Best of 5 fresh interpreters: seconds to import each module."""
    probes = {
        "import asyncio (baseline: any async caller has paid it)": "import asyncio",
        "import ttabot.llm": "import ttabot.llm",
        "from ttabot.llm import RotatingClient": "from ttabot.llm import RotatingClient",
    }
    if with_litellm:
        probes["import litellm"] = "import litellm"
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    out = {}
    for name, statement in probes.items():
        code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
        runs = [
            float(
                subprocess.run(
                    [sys.executable, "-c", code],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                    cwd=ROOT,
                ).stdout
            )
            for _ in range(5)
        ]
        out[name] = min(runs)
    return out


def own(row: dict[str, Any]) -> str:
    """ttabot's sends held back at the last moment by a window announced after the pick."""
    count = row.get("sends_held_back")
    return "" if count is None else f" (held back {count})"


def floor(row: dict[str, Any]) -> str:
    """Where the scenario has one: the wall time against the best a client can do that
    cannot foresee which answers fail (the lower bound ignores those failures)."""
    if "floor" not in row:
        return ""
    return f" ({row['floor_ratio']:.2f}x of the {row['floor']:.2f} s floor)"


def hedges(row: dict[str, Any]) -> str:
    """ttabot's hedged requests, won/sent; blank for clients that do not hedge."""
    if "hedges_sent" not in row:
        return ""
    return f"{row['hedges_won']}/{row['hedges_sent']}"


def free_after_quota(row: dict[str, Any]) -> str:
    """Requests sent to ``:free`` models more than the grace after the daily quota was
    announced, and (in brackets) all the used-up quota refused, in-flight ones included;
    blank where the scenario has no quota."""
    if "free_after_quota" not in row:
        return ""
    return f"{row['free_after_quota']} ({row['free_refused']} refused)"


def table(rows: list[dict[str, Any]]) -> str:
    """The scenario results as a Markdown table."""
    head = (
        "| scenario | client | success | wall s | lower bound s | wall/bound | p95 s "
        "| calls in cooldown | requests sent | over deadline | hedges won/sent "
        "| :free after quota |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['client']} | {r['success']:.0%} | {r['wall']:.2f} "
            f"| {r['lower_bound']:.2f} | {r['ratio']:.2f}x{floor(r)} | {r['p95']:.2f} "
            f"| {r['calls_in_cooldown']}{own(r)} | {r['requests_sent']} "
            f"| {r['over_deadline']} | {hedges(r)} | {free_after_quota(r)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run everything and print a Markdown report (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="ttabot,litellm,seed")
    parser.add_argument("--only", help="run only this scenario")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    clients = [c for c in args.clients.split(",") if c]
    if "litellm" in clients and not litellm_available():
        if BENCH_PYTHON.exists() and Path(sys.executable) != BENCH_PYTHON:
            os.execv(str(BENCH_PYTHON), [str(BENCH_PYTHON), *sys.argv])
        print(
            "NOTE: litellm is not installed: LiteLLM column skipped. Install it with\n"
            "  python3 -m venv .venv-bench && .venv-bench/bin/pip install -e '.[bench]'\n",
            file=sys.stderr,
        )
        clients.remove("litellm")
    warm_up(clients)
    print(
        f"# LLM client benchmark\n\nmachine: {describe_machine()}; time scale {SCALE} "
        f"(a 20 s Retry-After is {20 * SCALE:g} s)\n"
    )
    rows = []
    for scenario in scenarios():
        if args.only and scenario.name != args.only:
            continue
        print(
            f"- {scenario.name}: {scenario.what} ({scenario.requests} requests, "
            f"concurrency {scenario.concurrency}, answer latency {scenario.latency} s)",
            file=sys.stderr,
        )
        for client in clients:
            fresh = next(s for s in scenarios() if s.name == scenario.name)
            rows.append(run_one(client, fresh))
            print(f"    {client}: {json.dumps(rows[-1])}", file=sys.stderr)
    print(table(rows))
    per_call = overhead(clients)
    print("\n## overhead per call on loopback (median of 300)\n")
    for name, seconds in per_call.items():
        extra = seconds - per_call["raw httpx"]
        print(f"- {name}: {seconds * 1000:.2f} ms ({extra * 1000:+.2f} ms over raw httpx)")
    imports = import_times("litellm" in clients)
    print("\n## import time (best of 5 fresh interpreters)\n")
    for name, seconds in imports.items():
        print(f"- `{name}`: {seconds * 1000:.0f} ms")
    bounded = bounds.run()
    print("\n## hostile bodies (issue 9): each client in a fresh interpreter\n")
    print(bounds.table(bounded))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": describe_machine(),
                    "scale": SCALE,
                    "scenarios": rows,
                    "overhead_s": per_call,
                    "import_s": imports,
                    "bounds": bounded,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
