"""A stand-in for ``python -m drum_testing server``, and what the test kit's tests read of a run.

The stand-in is a small http.server script that serves ``/ping/`` on the inherited
``--listen-fd`` and watches ``--lifeline-fd``, like the real server; ``STANDIN_MODE`` in its
environment makes it misbehave. No model server is needed.
"""

from __future__ import annotations

import http.client
import json
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
    print("lifeline EOF", flush=True)
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
