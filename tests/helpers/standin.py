"""Stand-ins for the servers a run starts, and what the test kit's tests read of a run.

:data:`STANDIN` stands for ``python -m drum_testing server``: a small http.server script that
serves ``/ping/`` on the inherited ``--listen-fd`` and watches ``--lifeline-fd``, like the
real server; ``STANDIN_MODE`` in its environment makes it misbehave.

:data:`FAKE_DRUM` stands for real DRUM's ``drum server``: it binds the ``--address`` it is
told, reads the server type from the runtime-parameter JSON, says the port is in use as
werkzeug ("Port N is in use by another program", then exit 1) or gunicorn ("Connection in
use: ('HOST', N)", retried) do, and exits with 130 (werkzeug) or 0 (gunicorn) on SIGTERM;
``FAKE_MODE`` in its environment makes it misbehave.

No model server is needed for either; :func:`write_script` puts one in a file.
"""

from __future__ import annotations

import http.client
import json
import sys
from pathlib import Path
from typing import Any

from drum_testing.config.settings import SERVER_TYPE_ENV
from drum_testing.launch.logs import DIR_PREFIX
from drum_testing.launch.run import DrumServerRun

STANDIN = f"""# drum-test-helper: a stand-in for `python -m drum_testing server`
import argparse, http.server, json, os, signal, socket, sys, threading, time

parser = argparse.ArgumentParser()
parser.add_argument("--listen-fd", type=int, required=True)
parser.add_argument("--lifeline-fd", type=int, required=True)
args, _ = parser.parse_known_args()
mode = os.environ.get("STANDIN_MODE", "ok")
print("ARGV " + json.dumps(sys.argv[1:]))
print("SERVER_TYPE " + os.environ.get({SERVER_TYPE_ENV!r}, "<unset>"))
print("EXTRA " + os.environ.get("STANDIN_EXTRA", "<unset>"))
if mode == "exit3":
    print("stand-in: failing on purpose", file=sys.stderr)
    sys.exit(3)
if mode == "slow":
    time.sleep(1)  # a model that takes a while to load; clients wait in the backlog
if mode == "escape":  # a process it starts leaves its group, holding its stdout and stderr
    import subprocess
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                             start_new_session=True)
    print(f"ESCAPED {{child.pid}}", file=sys.stderr, flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"message": "OK"}}).encode()
        self.send_response(200 if self.path == "/ping/" else 404)
        if mode != "no-header":
            self.send_header("X-Drum-Version", "0+standin")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


sock = socket.socket(fileno=args.listen_fd)
server = http.server.HTTPServer(sock.getsockname()[:2], Handler, bind_and_activate=False)
server.socket.close()
server.socket = sock


def watch_lifeline():
    while os.read(args.lifeline_fd, 4096):
        pass
    try:  # as the server's own log line: its stdout was a pipe to the process now gone
        print("lifeline EOF", flush=True)
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)


threading.Thread(target=watch_lifeline, daemon=True).start()
if mode == "silent":
    print("never answering", flush=True)
    signal.pause()  # SIGTERM's default action ends it
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print("serving", flush=True)
server.serve_forever(poll_interval=0.05)  # so shutdown() is quick
print("stopped cleanly", flush=True)
if mode == "exit1-on-stop":
    sys.exit(1)
"""


FAKE_DRUM = f"""# drum-test-helper: a fake `drum server`
import errno, http.server, json, os, signal, sys, time

args = sys.argv[1:]
host, port = args[args.index("--address") + 1].rsplit(":", 1)
port = int(port)
kind = json.loads(os.environ[{SERVER_TYPE_ENV!r}])["payload"]
mode = os.environ.get("FAKE_MODE", "ok")
print("ARGV " + json.dumps(args), flush=True)
print("CONTROL " + os.environ.get("XDG_RUNTIME_DIR", "<unset>"), flush=True)
if mode == "exit3":
    print("Traceback (most recent call last):\\nRuntimeError: the model failed", flush=True)
    sys.exit(3)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"message": "OK"}}).encode()
        self.send_response(200)
        self.send_header("X-Drum-Version", "0+fake")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


while True:
    try:
        server = http.server.HTTPServer((host, port), Handler)
        break
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        if kind == "werkzeug":
            print(f"Port {{port}} is in use by another program.", file=sys.stderr, flush=True)
            sys.exit(1)
        print(f"[ERROR] Connection in use: ('{{host}}', {{port}})", flush=True)
        time.sleep(1)  # gunicorn's own retry delay

if mode == "stubborn":  # SIGTERM is ignored, by a forked "worker" too: only SIGKILL works
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.fork() == 0:
        signal.pause()
elif kind == "werkzeug":  # DRUM's handler: os._exit(130)
    signal.signal(signal.SIGTERM, lambda *_: (print("aborting drum", flush=True), os._exit(130)))
else:
    signal.signal(signal.SIGTERM, lambda *_: (print("Shutting down", flush=True), os._exit(0)))
print("serving", flush=True)
server.serve_forever()
"""


def write_script(path: Path, text: str, *, executable: bool = False) -> Path:
    """``text`` (:data:`STANDIN`, :data:`FAKE_DRUM`) written to ``path``, run with ``python
    path``; with ``executable``, also a program of its own (this interpreter's shebang)."""
    path.write_text(f"#!{sys.executable}\n{text}" if executable else text)
    if executable:
        path.chmod(0o755)
    return path


def ping(run: DrumServerRun) -> tuple[int, str | None, Any]:
    connection = http.client.HTTPConnection(run.host, run.port, timeout=5)
    try:
        connection.request("GET", "/ping/")
        response = connection.getresponse()
        return response.status, response.getheader("X-Drum-Version"), json.loads(response.read())
    finally:
        connection.close()


def options(command: list[str]) -> dict[str, list[str]]:
    """``--name value...`` pairs of a command (flags map to [])."""
    parsed: dict[str, list[str]] = {}
    for arg in command[4:]:
        if arg.startswith("--"):
            parsed[arg] = []
            last = arg
        else:
            parsed[last].append(arg)
    return parsed


def made_dirs(root: Path) -> list[Path]:
    """The log directories a run without ``log_dir`` made under ``root``."""
    return sorted(root.glob(f"{DIR_PREFIX}*"))
