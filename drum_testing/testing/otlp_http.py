"""The receiver's HTTP side: a threaded server on loopback that takes OTLP/HTTP exports,
decodes them (:mod:`.otlp_records`) and hands the records, or the reason it refused a request,
to the callbacks it was given (:class:`~drum_testing.testing.otlp.OTLPReceiver` keeps them)."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import socket
import threading
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from . import otlp_records
from .otlp_records import Record

PROTOBUF = "application/x-protobuf"
IDLE_CONNECTION_TIMEOUT = 10.0
"""Seconds a connection may stay idle before its thread gives up on it (stop closes it sooner)."""
_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
    "identity": bytes,
}


class OTLPServer(http.server.ThreadingHTTPServer):
    """A thread per connection, every one joined at close; open connections are tracked so
    that stop can close the idle keep-alive ones, which would otherwise hold it up."""

    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        accept: Callable[[str, Sequence[Record]], None],
        reject: Callable[[str], None],
    ) -> None:
        self.accept = accept
        self.reject = reject
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closing = False
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.add(connection)
            if self._closing:  # accepted just before stop: let its thread end at once
                _shut(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.discard(connection)

    def close_connections(self) -> None:
        with self._lock:
            self._closing = True
            for connection in self._open:
                _shut(connection)


def _shut(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        connection.shutdown(socket.SHUT_RDWR)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the exporters' sessions expect
    timeout = IDLE_CONNECTION_TIMEOUT
    server: OTLPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        with contextlib.suppress(OSError):  # the peer may be gone
            super().finish()

    def do_POST(self) -> None:
        signal = self.path.split("?", 1)[0].removeprefix("/v1/")
        if signal not in otlp_records.SIGNALS:
            self._refuse(404, f"POST {self.path}: only /v1/traces, /v1/logs and /v1/metrics")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._refuse(411, f"POST {self.path} without a Content-Length")
            return
        body = self.rfile.read(int(length))
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != PROTOBUF:
            self._refuse(
                415,
                f"POST {self.path}: {content_type or 'no'} Content-Type, not "
                f"{PROTOBUF} (OTLP/JSON is not taken)",
            )
            return
        try:
            records = otlp_records.decode(signal, self._decompressed(body))
        except (ValueError, OSError, zlib.error, EOFError) as exc:
            self._refuse(400, f"POST {self.path}: {exc}")
            return
        self.server.accept(signal, records)
        self._answer(200, otlp_records.encoded_response(signal), PROTOBUF)

    def _decompressed(self, body: bytes) -> bytes:
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        decoder = _DECODERS.get(encoding)
        if decoder is None:
            raise ValueError(f"Content-Encoding {encoding!r} is not gzip, deflate or identity")
        return decoder(body)

    def _refuse(self, status: int, reason: str) -> None:
        self.server.reject(f"{status} {reason}")
        self.close_connection = True  # the body may be unread: the connection can't go on
        self._answer(status, reason.encode(), "text/plain; charset=utf-8")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output is not the place for the exporters' every request."""
