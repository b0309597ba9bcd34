"""The fastapi type's supervisor: workers health-checked without waiting, and draining."""

from __future__ import annotations

from collections.abc import Iterator
from multiprocessing import Pipe
from multiprocessing.connection import Connection

import pytest

from drum_testing.config.settings import Settings, TargetType
from drum_testing.servers.asgi.fastapi import DrumUvicornConfig
from drum_testing.servers.asgi.supervisor import START_ALLOWANCE, DrumProcess
from drum_testing.servers.asgi.uvicorn_server import DrainingServer
from tests.helpers.models import MODELS

TIMEOUT = 5.0


class Running:
    """A worker process that runs (or not), never started for real."""

    def __init__(self) -> None:
        self.alive = True

    def is_alive(self) -> bool:
        return self.alive


class Worker:
    """The worker's side of the health pipe: answers pings when told to."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def answer(self) -> None:
        assert self.conn.poll(0), "no ping was sent"
        assert self.conn.recv() == b"ping"
        self.conn.send(True)


@pytest.fixture
def checked() -> Iterator[tuple[DrumProcess, Worker, Running]]:
    """A DrumProcess whose pipe's other end is a :class:`Worker`, and its process."""
    process = DrumProcess.__new__(DrumProcess)  # no interpreter spawned: only the checks
    process.parent_conn, child = Pipe()
    running = Running()
    process.process = running  # type: ignore[assignment]
    yield process, Worker(child), running
    process.parent_conn.close()
    child.close()


def test_a_new_worker_has_the_start_allowance_to_answer(
    checked: tuple[DrumProcess, Worker, Running],
) -> None:
    process, _, _ = checked
    assert process.responsive(0.0, TIMEOUT)  # sends the first ping
    assert process.responsive(START_ALLOWANCE - 0.1, TIMEOUT)
    assert not process.responsive(START_ALLOWANCE + 0.1, TIMEOUT)


def test_an_answering_worker_is_checked_again_and_then_held_to_the_timeout(
    checked: tuple[DrumProcess, Worker, Running],
) -> None:
    process, worker, _ = checked
    assert process.responsive(0.0, TIMEOUT)
    worker.answer()
    assert process.responsive(1.0, TIMEOUT)  # reads the answer, sends the next ping
    worker.answer()  # the next ping was sent
    assert process.responsive(2.0, TIMEOUT)  # and again
    assert process.responsive(2.0 + TIMEOUT - 0.1, TIMEOUT)
    assert not process.responsive(2.0 + TIMEOUT + 0.1, TIMEOUT)


def test_a_worker_that_exited_is_not_responsive(
    checked: tuple[DrumProcess, Worker, Running],
) -> None:
    process, _, running = checked
    running.alive = False
    assert not process.responsive(0.0, TIMEOUT)


def test_a_broken_pipe_is_not_responsive(checked: tuple[DrumProcess, Worker, Running]) -> None:
    process, worker, _ = checked
    worker.conn.close()
    process.parent_conn.close()
    assert not process.responsive(0.0, TIMEOUT)


def test_workers_serve_with_the_draining_server() -> None:
    settings = Settings(code_dir=MODELS / "regression", target_type=TargetType.REGRESSION)
    process = DrumProcess.__new__(DrumProcess)
    process.config = DrumUvicornConfig(settings, None)
    process._server = None
    assert type(process.server) is DrainingServer
