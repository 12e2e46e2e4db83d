"""Hostile bodies against the model client: time and peak memory of each, one line each.

Issue 9's cases: a 900 MB body, a 2 MB gzip body that expands to 2 GB, and JSON
100,000 levels deep. A loopback server in this process sends them; each client
runs in a fresh interpreter so its peak RSS is its own (``ru_maxrss``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support.loopback import LoopbackServer, Reply, Request

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
JSON_HEADERS = {"Content-Type": "application/json"}

_CLIENT = """
import asyncio, json, resource, sys, time
from ttabot.config import ClientSettings, Provider, Settings
from ttabot.llm import RotatingClient
from ttabot.records import TaskKind

base_url, model = sys.argv[1], sys.argv[2]
settings = Settings(
    providers={"bench": Provider("bench", base_url)},
    chains={TaskKind.DOCUMENTATION: (f"bench:{model}",)},
    client=ClientSettings(attempt_timeout=30.0, deadline=30.0, max_attempts=1, shared_state=False),
)

async def main():
    async with RotatingClient(settings, environ={}) as client:
        return await client.complete(TaskKind.DOCUMENTATION, [{"role": "user", "content": "hi"}])

started = time.perf_counter()
result = asyncio.run(main())
wall = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"ok": result.ok, "error": result.error, "wall": wall, "max_rss_mb": rss}))
"""


def gzip_bomb(expanded_mib: int) -> bytes:
    """A gzip body of ``expanded_mib`` MiB of zeros, about a thousandth of that on the wire.

    Built from one compressed MiB repeated: after a full flush deflate blocks do not
    refer back, so the same bytes decode to the same MiB each time.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = bytes(MIB)
    piece = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(expanded_mib):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    size = (expanded_mib * MIB) & 0xFFFFFFFF
    trailer = crc.to_bytes(4, "little") + size.to_bytes(4, "little")
    return header + piece * expanded_mib + b"\x03\x00" + trailer


def _huge() -> Iterator[bytes]:
    block = b"x" * MIB
    for _ in range(900):
        yield block


def serve(bomb: bytes) -> LoopbackServer:
    """The hostile server: model ``huge``, ``bomb`` or ``deep``."""
    deep = b"[" * 100_000 + b"]" * 100_000

    def handle(request: Request) -> Reply:
        model = request.json()["model"]
        if model == "huge":
            return Reply(200, b"", JSON_HEADERS, chunks=_huge())
        if model == "bomb":
            return Reply(200, bomb, {**JSON_HEADERS, "Content-Encoding": "gzip"})
        return Reply(200, deep, JSON_HEADERS)

    server = LoopbackServer(handle)
    # A client that hangs up at its cap resets the connection: expected here, not news.
    server._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    return server.start()


def run() -> list[dict[str, Any]]:
    """Each case once: wall seconds, the client's peak RSS, and its one-line error."""
    built = time.perf_counter()
    bomb = gzip_bomb(2048)
    built = time.perf_counter() - built
    server = serve(bomb)
    rows = []
    try:
        for model, what in (
            ("huge", "900 MB body"),
            ("bomb", f"{len(bomb) / MIB:.1f} MB gzip body expanding to 2 GB"),
            ("deep", "JSON 100,000 levels deep"),
        ):
            out = subprocess.run(
                [sys.executable, "-c", _CLIENT, server.url + "/v1", model],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                timeout=120,
            )
            rows.append({"case": what, **json.loads(out.stdout)})
    finally:
        server.stop()
    rows.append({"case": "(building the bomb, bench only)", "wall": built})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as Markdown."""
    lines = ["| case | wall s | peak RSS MB | error |", "|---|---|---|---|"]
    for row in rows:
        rss = f"{row['max_rss_mb']:.0f}" if "max_rss_mb" in row else ""
        lines.append(f"| {row['case']} | {row['wall']:.2f} | {rss} | {row.get('error') or ''} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(table(run()))
