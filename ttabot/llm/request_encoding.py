"""What a chat request is sent as: its JSON body and its headers.

Written here rather than by httpx's ``json=`` so that a lone surrogate in a prompt (a
file name that is not UTF-8) is sent as U+FFFD instead of failing the attempt, and so
that ttabot's ``Accept-Encoding`` is the one sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ttabot.llm.body import ACCEPT_ENCODING

#: What a streamed request adds to the body: SSE, and the token counts at the end.
STREAM_FIELDS: Mapping[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}


#: A lone surrogate: how a file name's byte that is not UTF-8 is held (``surrogateescape``).
_SURROGATE = re.compile("[\ud800-\udfff]")


def request_body(payload: Mapping[str, Any]) -> bytes:
    """``payload`` as the JSON bytes of a request, each lone surrogate sent as U+FFFD.

    A prompt may quote a file name that is not UTF-8; no UTF-8 body can carry the
    surrogate that holds its byte, and failing to encode it would be charged to the
    model as a failed attempt, on every model of the chain.
    """
    # As httpx's json= wrote it: compact, and NaN or infinity refused (no parser reads them).
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _SURROGATE.sub("\ufffd", text).encode("utf-8")


def request_headers(configured: Mapping[str, str]) -> dict[str, str]:
    """The headers of a chat request: the provider's, each header name once, whatever its case.

    ``Content-Type`` is JSON unless the provider set its own (as httpx's ``json=`` did);
    ttabot's ``Accept-Encoding`` replaces any the provider set, since
    :class:`~ttabot.llm.body.BoundedDecoder` reads gzip and deflate only.
    """
    headers = {k: v for k, v in configured.items() if k.lower() != "accept-encoding"}
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
    return headers
