"""A real ``redis-server`` on a free 127.0.0.1 port, for the Redis state backend's tests.

Started with no persistence (``--save "" --appendonly no``) in a temporary
folder, stopped by its PID. Tests skip (saying why) only when the binary is
missing; ``.ci/run`` installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_available() -> bool:
    """Whether a ``redis-server`` binary is installed."""
    return Path(REDIS_SERVER).is_file() and os.access(REDIS_SERVER, os.X_OK)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not listen on {port} within {timeout}s")


def _answers_as(port: int, proc: subprocess.Popen[bytes]) -> bool:
    """Whether the server on ``port`` is ``proc``: the free port may have been taken
    between the check and redis-server's bind (tests run in parallel workers), and then
    the listener found is another process's while ``proc`` exits."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # One try, briefly: a listener that is not redis-server may accept and never answer.
    client = redis.Redis(
        host="127.0.0.1", port=port, socket_timeout=2.0, retry=Retry(NoBackoff(), 0)
    )
    try:
        return bool(client.info("server").get("process_id") == proc.pid)
    except redis.RedisError:
        return False
    finally:
        client.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _start(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Run ``redis-server`` for the block; yields its ``redis://127.0.0.1:PORT/0`` URL."""
    for _ in range(5):  # a port taken by another process meanwhile: try another
        port = free_port()
        proc = _start(workdir, port)
        try:
            _wait_until_listening(port, proc, timeout=10.0)
        except RuntimeError:
            if proc.poll() is None:
                raise  # running, yet not listening: no other port would help
            continue
        if _answers_as(port, proc):
            break
        _stop(proc)
    else:
        raise RuntimeError("redis-server found no free port in 5 tries")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)
