"""The Action's log lines never show a password written into a URL.

httpx logs every request at INFO, URL whole (``ttabot action --verbose``): a provider
behind an authenticating proxy, ``base_url = "https://user:PASSWORD@proxy/v1"``, put
its password in the job's log on every model request. The password is no key ttabot
was given by name, so masking known values missed it; a URL's user part is masked by
its shape now, in logs and in everything else bound for GitHub.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from ttabot.github.runner import _redact_logs
from ttabot.review.inert import action_redactor

PASSWORD = "pr0xy-pa55word-9f3e"


def test_httpx_request_lines_lose_a_url_password(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    _redact_logs(action_redactor({"GITHUB_TOKEN": "ghs_" + "x" * 36}))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with httpx.Client(transport=transport) as client:
        client.post(f"http://me:{PASSWORD}@proxy.example:8080/v1/chat/completions")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert PASSWORD not in line and "me:" not in line
    assert "http://***@proxy.example:8080/v1/chat/completions" in line
