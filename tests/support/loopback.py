"""A real HTTP server on 127.0.0.1 in a background thread, for end-to-end tests.

Tests give it a handler ``(Request) -> Reply``; the server speaks real HTTP/1.1
over a real socket, so clients under test use their ordinary transports.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class Reply:
    """What the server answers. ``delay`` seconds pass before the headers are sent.

    With ``chunks`` the body is streamed instead: each ``bytes`` item is written and
    flushed, each ``float`` is a pause in seconds, and an iterator may be endless
    (the server stops when the client hangs up). No ``Content-Length`` is sent; the
    connection closes at the end of the body.
    """

    status: int = 200
    body: bytes | str | Any = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: Iterable[bytes | float] | None = None

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """The body as bytes and the headers to send with it."""
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            data = self.body
        elif isinstance(self.body, str):
            data = self.body.encode()
        else:
            data = json.dumps(self.body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return data, headers


Handler = Callable[[Request], Reply]


class LoopbackServer:
    """A running server; ``url`` is its base URL and ``requests`` what it has seen."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        #: Body bytes written by streamed replies (``Reply.chunks``), all requests together.
        self.streamed = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm the
            # body waits for the client's delayed ACK (~40 ms per response on loopback).
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with outer._lock:
                    outer.requests.append(request)
                reply = outer.handler(request)
                if reply.delay and outer._closing.wait(reply.delay):
                    return
                if reply.chunks is not None:
                    self._stream(reply)
                    return
                data, headers = reply.encoded()
                self.send_response(reply.status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply) -> None:
                self.close_connection = True
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in reply.chunks or ():
                        if isinstance(chunk, float | int):
                            if outer._closing.wait(chunk):
                                return
                            continue
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        with outer._lock:
                            outer.streamed += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped reading: what a capped client should do

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test output quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        # socketserver's default backlog of 5 drops connections when tests fire
        # many concurrent requests; the dropped SYN is retried only after 1 s.
        self._server.request_queue_size = 128
        self._server.server_bind()
        self._server.server_activate()
        self._server.daemon_threads = True
        # A short poll interval: stop() waits up to one interval for the loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LoopbackServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests still sleeping in a delay are abandoned."""
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serve(handler: Handler) -> Iterator[LoopbackServer]:
    """Run ``handler`` behind a real HTTP server for the duration of the block."""
    server = LoopbackServer(handler).start()
    try:
        yield server
    finally:
        server.stop()
