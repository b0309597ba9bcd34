"""The ceiling: bare Flask and FastAPI apps doing the trivial model's pandas round trip.

Each serves ``GET /ping/`` (``{"message": "OK"}``) and ``POST /predict/`` (read the CSV body,
``pandas.read_csv``, sum each row's numeric columns, answer ``{"predictions": [...]}``):
exactly the work of ``bench/models/trivial``, with none of our core around it. Our server
types can only be slower than these; the ratio says by how much.

They run as subprocesses, like our servers, on a socket the parent bound and passed down::

    python -m bench.bare_apps --kind gunicorn --workers 2 --fd 7 --lifeline-fd 8

The servers are configured as ours are: werkzeug threaded; gunicorn gthread with our
default threads, keep-alive and timeouts (``Settings``) and no control socket; uvicorn
with the access log off. With
``--middleware`` the FastAPI app gets our flusher middleware, or a ``BaseHTTPMiddleware``
doing the same, to price the middleware on its own.
"""

from __future__ import annotations

import argparse
import functools
import io
import socket
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from gunicorn.app.base import BaseApplication
from starlette.requests import Request  # here, not in fastapi_app: FastAPI reads annotations

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.lifeline import watch_lifeline
from drum_testing.servers.wsgi.gunicorn import tuning_options

if TYPE_CHECKING:
    import flask
    from fastapi import FastAPI

KINDS = ("flask", "gunicorn", "fastapi")
"""flask: werkzeug threaded; gunicorn: the Flask app on gthread; fastapi: uvicorn."""
MIDDLEWARES = ("none", "flusher", "basehttp")
PING = {"message": "OK"}


def score_csv(body: bytes) -> list[float]:
    """The trivial model's prediction: each row's sum of numeric columns."""
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(body))
    return [float(value) for value in frame.select_dtypes("number").sum(axis=1)]


def flask_app() -> flask.Flask:
    """The bare Flask app (also what the bare gunicorn serves)."""
    import flask

    app = flask.Flask("bench_bare")

    @app.get("/ping/")
    def ping() -> dict[str, str]:
        return PING

    @app.post("/predict/")
    def predict() -> dict[str, list[float]]:
        return {"predictions": score_csv(flask.request.get_data())}

    return app


def fastapi_app(middleware: str = "none") -> FastAPI:
    """The bare FastAPI app, with no middleware or with one that marks flusher activity.

    Prediction runs in the thread pool, as a sync endpoint (and our server type) would:
    blocking pandas code on the event loop would stall every other connection.
    """
    from fastapi import FastAPI
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import Response

    from drum_testing.servers.flusher import StdoutFlusher, StdoutFlusherMiddleware

    flusher = StdoutFlusher(0.5)

    class FlushAfterCallNext(BaseHTTPMiddleware):
        """The obvious way to write the flusher middleware, kept here for the record."""

        async def dispatch(
            self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            response = await call_next(request)
            flusher.mark_activity()
            return response

    stack = {
        "none": [],
        "flusher": [Middleware(StdoutFlusherMiddleware, flusher=flusher)],
        "basehttp": [Middleware(FlushAfterCallNext)],
    }[middleware]
    if stack:
        flusher.start()  # as our lifespan does; built in the process that serves
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, middleware=stack)

    @app.get("/ping/")
    async def ping() -> dict[str, str]:
        return PING

    @app.post("/predict/")
    async def predict(request: Request) -> dict[str, list[float]]:
        body = await request.body()
        return {"predictions": await run_in_threadpool(score_csv, body)}

    return app


class BareUvicornConfig(uvicorn.Config):
    """Builds the app in whichever process serves: uvicorn pickles the config to workers."""

    def __init__(self, middleware: str, **kwargs: Any) -> None:
        self.bench_middleware = middleware
        super().__init__(app="bench.bare_apps:fastapi_app", factory=True, **kwargs)

    def load_app(self) -> Any:
        return functools.partial(fastapi_app, self.bench_middleware)


DEFAULTS = Settings(code_dir=Path("."), target_type=TargetType.REGRESSION)
"""Our servers' defaults, which the bare apps copy."""


class BareGunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    """Gunicorn in-process on an inherited descriptor, configured as our gunicorn type."""

    def __init__(self, fd: int, workers: int) -> None:
        self.fd = fd
        self.workers = workers
        self.application = flask_app()  # built before the fork, as ours loads its model
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": [f"fd://{self.fd}"],
            "workers": self.workers,
            "worker_class": "gthread",
            **tuning_options(DEFAULTS),
            "loglevel": "warning",
            "errorlog": "-",
            "accesslog": None,
            "control_socket_disable": True,
        }
        for name, value in options.items():
            if name in self.cfg.settings:  # older gunicorns lack some settings
                self.cfg.set(name, value)

    def load(self) -> flask.Flask:
        return self.application


def serve(kind: str, fd: int, workers: int, middleware: str) -> None:
    """Serve on the listening socket ``fd`` until SIGTERM."""
    sock = socket.socket(fileno=fd)
    if kind == "flask":
        from werkzeug.serving import make_server

        host, port = sock.getsockname()[:2]
        server = make_server(host, port, flask_app(), threaded=True, fd=fd)
        sock.close()  # werkzeug serves a duplicate of the descriptor
        server.serve_forever()
    elif kind == "gunicorn":
        BareGunicorn(fd, workers).run()  # keeping ``sock`` referenced keeps ``fd`` open
    else:
        config = BareUvicornConfig(
            middleware, workers=workers, log_level="warning", access_log=False
        )
        if workers == 1:
            uvicorn.Server(config).run(sockets=[sock])
        else:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_apps", description=__doc__)
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fd", type=int, required=True, help="an inherited listening socket")
    parser.add_argument("--lifeline-fd", type=int, help="stop when this pipe closes")
    parser.add_argument("--middleware", choices=MIDDLEWARES, default="none")
    args = parser.parse_args(argv)
    if args.lifeline_fd is not None:
        watch_lifeline(args.lifeline_fd)
    serve(args.kind, args.fd, args.workers, args.middleware)


if __name__ == "__main__":
    main()
