"""The redis-server fixture hands out its own server, never a listener that took the port first.

Tests run in two xdist workers: between ``free_port`` and redis-server's bind, the
other worker can take the port, and the listener then found is not redis-server.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support import redis_server as support


@pytest.mark.skipif(not support.redis_available(), reason="redis-server is not installed")
def test_a_port_taken_before_redis_binds_is_not_handed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        offered = iter([port])
        real_free_port = support.free_port
        monkeypatch.setattr(support, "free_port", lambda: next(offered, None) or real_free_port())
        with support.redis_server(tmp_path) as url:
            assert f":{port}/" not in url
            import redis

            client = redis.Redis.from_url(url)
            try:
                assert client.ping()
            finally:
                client.close()
