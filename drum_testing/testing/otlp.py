"""A loopback OTLP/HTTP receiver, to test what a server (or a model) exports.

::

    from drum_testing.testing.otlp import OTLPReceiver

    with OTLPReceiver() as receiver, DrumServerRun(..., env=receiver.env()) as run:
        requests.post(run.url_server_address + "/predict/", ...)
        [span] = receiver.wait_for_spans("drum.invocations")
        assert span.kind == "SERVER"

It takes what OpenTelemetry's OTLP/HTTP exporters send: ``POST /v1/traces``, ``/v1/logs``
and ``/v1/metrics`` in protobuf (``application/x-protobuf``, gzip or deflate
``Content-Encoding`` too), decoded with ``opentelemetry-proto`` into plain records
(:mod:`~drum_testing.testing.otlp_records`). A body it cannot decode is answered 400 and
kept in :attr:`~OTLPReceiver.rejected`, so a test can prove nothing was malformed. It listens
on 127.0.0.1 only, on a free port unless told one; stopping it closes every connection,
also the exporters' idle keep-alive ones. The pytest plugin's ``otlp_receiver`` fixture is a
started receiver, stopped after the test.

``opentelemetry-proto`` is imported when the receiver starts: without it, :meth:`start`
raises one line that names what to install.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TypeVar

from . import otlp_records
from .otlp_http import PROTOBUF, OTLPServer
from .otlp_records import (
    OTLPProtoMissing,
    ReceivedEvent,
    ReceivedLog,
    ReceivedMetric,
    ReceivedSpan,
    Record,
)

__all__ = [
    "PROTOBUF",
    "OTLPProtoMissing",
    "OTLPReceiver",
    "ReceivedEvent",
    "ReceivedLog",
    "ReceivedMetric",
    "ReceivedSpan",
]

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
"""The standard variable that points every OTLP exporter (traces, logs, metrics) at a base URL."""
DEFAULT_WAIT = 30.0
"""How long the ``wait_for*`` methods wait by default: a batch processor exports every 5 s."""

_Receiver = TypeVar("_Receiver", bound="OTLPReceiver")


class OTLPReceiver:
    """An OTLP/HTTP collector on loopback that keeps every span, log record and metric sent.

    ``with`` starts and stops it; :meth:`env` is the environment that points a process's
    exporters at it. The received records are snapshots (:attr:`spans`, :attr:`logs`,
    :attr:`metrics`), and :meth:`wait_for` waits on a condition over them, without polling.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._changed = threading.Condition(threading.RLock())
        self._spans: list[ReceivedSpan] = []
        self._logs: list[ReceivedLog] = []
        self._metrics: list[ReceivedMetric] = []
        self._rejected: list[str] = []
        self._exports: dict[str, int] = dict.fromkeys(otlp_records.SIGNALS, 0)
        self._server: OTLPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self: _Receiver) -> _Receiver:
        """Listen and serve in a background thread; raises OTLPProtoMissing without the proto."""
        if self._server is not None:
            raise RuntimeError("the receiver is already started")
        otlp_records.check_installed()  # before listening: a missing package is one line
        self._server = OTLPServer(self._address, accept=self._accept, reject=self._reject)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # How soon serve_forever notices stop(): its default (0.5 s) would be each
            # test's teardown.
            kwargs={"poll_interval": 0.02},
            name="otlp-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection. Idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()  # serve_forever returns: nothing more is accepted
        server.close_connections()
        server.server_close()  # joins the connections' threads
        if self._thread is not None:
            self._thread.join()

    def __enter__(self: _Receiver) -> _Receiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- where it listens ------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        port: int = self._server.server_address[1]
        return port

    @property
    def endpoint(self) -> str:
        """The base URL, as ``OTEL_EXPORTER_OTLP_ENDPOINT`` takes it (no ``/v1/...``)."""
        return f"http://{self._address[0]}:{self.port}"

    def env(self) -> dict[str, str]:
        """The variables that send a process's OTLP exports (every signal) here."""
        return {ENDPOINT_ENV: self.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}

    # --- what it received ------------------------------------------------------------------
    @property
    def spans(self) -> list[ReceivedSpan]:
        with self._changed:
            return list(self._spans)

    @property
    def logs(self) -> list[ReceivedLog]:
        with self._changed:
            return list(self._logs)

    @property
    def metrics(self) -> list[ReceivedMetric]:
        with self._changed:
            return list(self._metrics)

    @property
    def rejected(self) -> list[str]:
        """Why each refused request was refused (400, 404, 411, 415), in order."""
        with self._changed:
            return list(self._rejected)

    @property
    def exports(self) -> dict[str, int]:
        """How many export requests were accepted, by signal (``traces``, ``logs``, ...)."""
        with self._changed:
            return dict(self._exports)

    def clear(self) -> None:
        """Forget everything received so far."""
        with self._changed:
            self._spans.clear()
            self._logs.clear()
            self._metrics.clear()
            self._rejected.clear()
            self._exports = dict.fromkeys(otlp_records.SIGNALS, 0)

    def wait_for(
        self, condition: Callable[[OTLPReceiver], bool], timeout: float = DEFAULT_WAIT
    ) -> bool:
        """Wait until ``condition(self)`` holds (checked on each export); whether it did."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(self), timeout)

    def wait_for_spans(
        self,
        name: str,
        *,
        trace_id: str | None = None,
        count: int = 1,
        timeout: float = DEFAULT_WAIT,
    ) -> list[ReceivedSpan]:
        """The spans called ``name`` (in trace ``trace_id``, if given), once ``count`` came.

        Raises TimeoutError naming every span that did arrive, when fewer came in time.
        """

        def matching(receiver: OTLPReceiver) -> list[ReceivedSpan]:
            return [
                span
                for span in receiver.spans
                if span.name == name and trace_id in (None, span.trace_id)
            ]

        if not self.wait_for(lambda receiver: len(matching(receiver)) >= count, timeout):
            where = f" in trace {trace_id}" if trace_id else ""
            raise TimeoutError(
                f"{count} span(s) {name!r}{where} not received in {timeout} s; received: "
                f"{describe(self.spans)}; refused requests: {self.rejected or 'none'}"
            )
        return matching(self)

    # --- called by the request handler ------------------------------------------------------
    def _accept(self, signal: str, records: Sequence[Record]) -> None:
        with self._changed:
            self._exports[signal] += 1
            for record in records:
                if isinstance(record, ReceivedSpan):
                    self._spans.append(record)
                elif isinstance(record, ReceivedLog):
                    self._logs.append(record)
                else:
                    self._metrics.append(record)
            self._changed.notify_all()

    def _reject(self, reason: str) -> None:
        with self._changed:
            self._rejected.append(reason)
            self._changed.notify_all()


def describe(spans: Sequence[ReceivedSpan]) -> str:
    """Spans in one line each's name, trace and parent: for failure messages."""
    if not spans:
        return "none"
    return ", ".join(
        f"{span.name} (trace {span.trace_id}, parent {span.parent_span_id})" for span in spans
    )
