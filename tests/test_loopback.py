"""The loopback server the end-to-end tests rely on."""

from __future__ import annotations

import httpx

from tests.support.loopback import Reply, Request, serve


def test_serves_real_http_and_records_requests() -> None:
    def handler(request: Request) -> Reply:
        return Reply(201, {"seen": request.json()}, {"X-Test": "yes"})

    with serve(handler) as server:
        response = httpx.post(server.url + "/a?b=1", json={"k": 2})
    assert response.status_code == 201
    assert response.json() == {"seen": {"k": 2}}
    assert response.headers["x-test"] == "yes"
    assert server.requests[0].path == "/a"
    assert server.requests[0].query == {"b": ["1"]}
