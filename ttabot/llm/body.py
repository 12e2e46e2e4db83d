"""What a provider sends back, read with bounds: body size, decompression, SSE events.

Pure, incremental parsers fed one network chunk at a time, so memory stays
bounded by the cap however large (or however well compressed) the body is:

* :class:`BoundedDecoder` undoes ``Content-Encoding`` (gzip, deflate) itself with
  zlib's ``max_length``, so a 2 MB gzip bomb stops at the cap instead of expanding
  to 2 GB, and raises :class:`BodyTooLarge` past the cap;
* :class:`StreamAssembler` turns an SSE chat-completion stream back into the
  payload a non-streamed request would have had, telling real progress (data
  events, content tokens) from ``: keep-alive`` comments, and an answer that was
  finished (``data: [DONE]`` or a ``finish_reason``) from one cut off mid-way.
  Events are framed as the WHATWG HTML standard's event-stream rules say: the
  ``data:`` lines up to a blank line make one event, joined with "\n".
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from ttabot.llm.errors import content_text
from ttabot.llm.structured import loads_bounded

_LINE_END = re.compile(rb"\r\n|\r|\n")

#: Default cap on a response body, after decompression (bytes).
DEFAULT_MAX_BODY = 8 * 1024 * 1024


class BodyTooLarge(Exception):
    """The body (decoded) is longer than the cap."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"response body larger than {limit} bytes")
        self.limit = limit


class UnsupportedEncoding(Exception):
    """The body is compressed in a way ttabot does not decode (it asks for gzip or deflate)."""


#: What ttabot asks for: encodings :class:`BoundedDecoder` decodes with a bound.
ACCEPT_ENCODING = "gzip, deflate"


class BoundedDecoder:
    """Decode a body chunk by chunk, never producing more than ``limit`` bytes in all."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        encoding = content_encoding.strip().lower()
        self._limit = limit
        self._seen = 0
        self._zlib: Any = None
        self._deflate_probe = False
        if encoding == "gzip" or encoding == "x-gzip":
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            # "deflate" is zlib-wrapped by the standard and raw in practice: try both.
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
            self._deflate_probe = True
        elif encoding not in ("", "identity"):
            raise UnsupportedEncoding(f"unsupported Content-Encoding {content_encoding!r}")

    def feed(self, raw: bytes) -> bytes:
        """The decoded bytes of the next raw chunk; :class:`BodyTooLarge` past the cap."""
        if self._zlib is None:
            return self._count(raw)
        room = self._limit - self._seen + 1  # one byte more than allowed tells "too large"
        try:
            out = self._zlib.decompress(raw, room)
        except zlib.error:
            if not self._deflate_probe:
                raise
            self._deflate_probe = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(raw, room)
        self._deflate_probe = False
        return self._count(out)

    def flush(self) -> bytes:
        """Whatever the decompressor still holds at the end of the body."""
        if self._zlib is None:
            return b""
        return self._count(self._zlib.flush(self._limit - self._seen + 1))

    def _count(self, data: bytes) -> bytes:
        self._seen += len(data)
        if self._seen > self._limit:
            raise BodyTooLarge(self._limit)
        return data


class StreamAssembler:
    """Rebuild a chat completion from SSE ``data:`` events.

    :meth:`feed` takes decoded bytes and returns what they brought: ``"token"``
    when content (or reasoning) text arrived, ``"data"`` for other events,
    ``""`` when only comments, blank lines or part of an event arrived.
    ``finished`` tells whether the answer was complete: the stream said
    ``data: [DONE]``, sent an error event, or its last choice carried a
    ``finish_reason`` (the usage chunk OpenAI sends after it changes nothing).

    An event ends at a blank line; its ``data`` fields are joined with "\n" (one
    JSON object may span several lines); one space after a field's colon is
    dropped; ``:`` lines are comments; ``event``, ``id``, ``retry`` and unknown
    fields carry nothing a chat completion needs. An event still open when the
    stream ends is never dispatched, as the standard says: it may be any prefix of
    what the server meant to send. The event being built is bounded by the body
    cap the caller's :class:`BoundedDecoder` enforces, since it only holds bytes
    that came through it.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._data = bytearray()  # the data lines of the event being built, each + LF
        self._has_data = False
        self._first_line = True
        self._after_cr = False  # the last chunk ended in CR: an LF opening the next is its pair
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._usage: Any = None
        self._error: Any = None
        self.done = False
        self.events = 0
        self._finish_reason: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the stream ended the answer itself (not a connection closed mid-answer)."""
        return self.done or self._finish_reason is not None

    def feed(self, data: bytes) -> str:
        """Consume ``data``; raises ``ValueError`` for an event that is not JSON (or too deep)."""
        # A bytearray grows in place: a long line sent a byte at a time costs linear time,
        # where ``bytes +=`` would copy the whole partial line for every byte.
        if self._after_cr and data.startswith(b"\n"):
            data = data[1:]  # the LF of a CRLF cut between chunks: no blank line
            self._after_cr = False  # paired now: an LF after it is a line end of its own
        if data:
            self._after_cr = data.endswith(b"\r")
        self._buffer += data
        if b"\n" not in data and b"\r" not in data:
            return ""
        # A line ends in LF, CRLF or a bare CR (SSE allows all three).
        lines = _LINE_END.split(bytes(self._buffer))
        self._buffer = bytearray(lines.pop())
        brought = ""
        for line in lines:
            got = self._line(line)
            if got == "token" or (got and not brought):
                brought = got
        return brought

    def _line(self, line: bytes) -> str:
        if self._first_line:
            self._first_line = False
            line = line.removeprefix(b"\xef\xbb\xbf")  # the standard drops one leading BOM
        if self.done:
            return ""
        if not line:
            return self._dispatch()
        if line.startswith(b":"):
            return ""  # a ": keep-alive" comment: no progress
        field, colon, value = line.partition(b":")
        if field == b"data":
            self._data += (value[1:] if colon and value.startswith(b" ") else value) + b"\n"
            self._has_data = True
        return ""  # event, id, retry and unknown fields: nothing a completion needs

    def _dispatch(self) -> str:
        if not self._has_data:
            return ""  # a blank line after comments or fields only: no event
        text = bytes(self._data[:-1])  # the last line's LF is no part of the data
        self._data.clear()
        self._has_data = False
        if not text.strip():
            return ""  # an event whose data is empty carries no chunk
        if text.strip() == b"[DONE]":
            self.done = True
            return "data"
        self.events += 1
        chunk = loads_bounded(text)
        if not isinstance(chunk, dict):
            return "data"
        if chunk.get("error"):
            self._error = chunk["error"]
            self.done = True
            return "data"
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        return "token" if self._delta(chunk.get("choices")) else "data"

    def _delta(self, choices: Any) -> bool:
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return False
        reason = choices[0].get("finish_reason")
        if isinstance(reason, str) and reason:
            self._finish_reason = reason
        delta = choices[0].get("delta") or choices[0].get("message")
        if not isinstance(delta, dict):
            return False
        token = False
        content = content_text(delta.get("content"))
        if content:
            self._content.append(content)
            token = True
        for key in ("reasoning", "reasoning_content"):
            # A reasoning model thinking out loud is working, not hung.
            if isinstance(delta.get(key), str) and delta[key]:
                self._reasoning.append(delta[key])
                token = True
        return token

    def payload(self) -> dict[str, Any]:
        """The assembled answer in the shape of a non-streamed chat completion."""
        if self._error is not None:
            return {"error": self._error}
        message = {"role": "assistant", "content": "".join(self._content)}
        payload: dict[str, Any] = {"choices": [{"index": 0, "message": message}]}
        if self._usage is not None:
            payload["usage"] = self._usage
        return payload
