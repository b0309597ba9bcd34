"""nginx in front of model servers: a load balancer of our own, on loopback, always stopped.

Debian's ``nginx-light`` (``/usr/sbin/nginx``; ``.ci/run`` installs it when missing) runs in
the foreground (``daemon off``) as its own process group, with its configuration, pid file,
logs and temporary files under a prefix of ours, never the system's::

    with Nginx(tmp_path, upstreams=(run_a.port, run_b.port)) as nginx:
        http.client.HTTPConnection("127.0.0.1", nginx.port).request("POST", "/predict/", ...)

The upstream is what a Kubernetes ingress or a platform's balancer does in front of a
deployment's replicas: keep-alive connections to them, and a request passed to the next
replica only when it could not have been handled (``proxy_next_upstream error timeout
http_502 http_503``; not ``non_idempotent``, so a POST once sent is never sent again). A
replica's failures never take it out of the rotation (``max_fails=0``): what is measured is
the replicas' behaviour while one restarts, not nginx's failure accounting, whose 10 s of
quarantine would otherwise make the outcome depend on how fast a test rolls.

No pytest here: the bench uses it too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from drum_testing.launch.ports import pick_port
from drum_testing.launch.process import (
    start_process_group,
    stop_process_group,
    tail_lines,
    wait_for,
)

SBIN = Path("/usr/sbin/nginx")
"""Where Debian puts it: not on a normal user's PATH."""
READY_TIMEOUT = 10.0
"""Seconds nginx has to listen: it starts in milliseconds; more means it failed."""
STOP_GRACE = 10.0
UPSTREAM_KEEPALIVE = 16
"""Idle keep-alive connections nginx keeps to the replicas, as a production ingress does."""

CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
{user}pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # Clients keep their connection for the whole run: nginx closing it after its default
    # 1000 requests would be a failure of nginx's making, not the replicas'.
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    upstream replicas {{
{servers}        keepalive {keepalive};
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""


def find_nginx() -> str | None:
    """The nginx program: on PATH, else Debian's; None when it is not installed."""
    found = shutil.which("nginx")
    if found is not None:
        return found
    return str(SBIN) if os.access(SBIN, os.X_OK) else None


def missing() -> str | None:
    """Why nginx cannot be run here (a skip reason), or None."""
    if find_nginx() is None:
        return "nginx is not installed (apt-get install nginx-light; .ci/run does it)"
    return None


def config(prefix: Path, host: str, port: int, upstreams: Sequence[int]) -> str:
    """nginx.conf for a balancer on ``host:port`` in front of ``upstreams`` (ports on host)."""
    servers = "".join(f"        server {host}:{p} max_fails=0;\n" for p in upstreams)
    # As root, nginx's workers would run as nobody, who may not write under our prefix.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return CONFIG.format(
        user=user,
        prefix=prefix,
        servers=servers,
        keepalive=UPSTREAM_KEEPALIVE,
        host=host,
        port=port,
    )


class NginxError(RuntimeError):
    """nginx exited, or did not listen in time; the message has its error log's tail."""


class Nginx:
    """nginx in front of ``upstreams``, started by ``with`` (or :meth:`start`) and stopped
    after, whatever happened; its files under ``prefix`` (a directory of the caller's)."""

    def __init__(self, prefix: Path, upstreams: Sequence[int], host: str = "127.0.0.1") -> None:
        program = find_nginx()
        if program is None:
            raise NginxError(str(missing()))
        self.program, self.prefix, self.host = program, prefix, host
        self.upstreams = tuple(upstreams)
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"

    def start(self) -> Nginx:
        self.prefix.mkdir(parents=True, exist_ok=True)
        # nginx binds the port itself: chosen free here, so a collision is possible but
        # shows at once (nginx exits, and the message says so).
        self.port = pick_port(self.host)
        conf = self.prefix / "nginx.conf"
        conf.write_text(config(self.prefix, self.host, self.port, self.upstreams))
        command = [self.program, "-e", str(self.error_log), "-p", str(self.prefix), "-c", str(conf)]
        self._process = start_process_group(command, log_path=self.prefix / "nginx.out")
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_listening(self) -> None:
        process = self._process
        assert process is not None

        def listening() -> bool:
            if process.poll() is not None:
                return True  # said below
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
            except OSError:
                return False
            return True

        ready = wait_for(listening, READY_TIMEOUT)
        if process.poll() is not None or not ready:
            exited = process.poll() is not None
            what = "exited" if exited else f"did not listen in {READY_TIMEOUT:g} s"
            raise NginxError(f"nginx {what}; {self.error_log}:\n{tail_lines(self.error_log)}")

    def stop(self) -> int | None:
        """SIGTERM (nginx's fast shutdown) to its group, SIGKILL after the grace. Idempotent."""
        if self._process is None:
            return None
        return stop_process_group(self._process, grace=STOP_GRACE)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
