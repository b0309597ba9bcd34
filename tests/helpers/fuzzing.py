"""What the fuzzing session's tests share: fixed, derandomized hypothesis settings and the
one property every request parser must hold.

The settings make a run the same every time (a CI failure reproduces locally) and bound it:
a fixed number of examples, inputs of bounded size, and a per-example deadline that turns a
parser that hangs (or spends seconds on a few bytes) into a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from hypothesis import HealthCheck, settings

from drum_testing.http.errors import RequestError

T = TypeVar("T")

PARSER_EXAMPLES = 400
"""Examples per parser test: the whole of tests/fuzz/test_parsers*.py stays under a minute."""
MAX_INPUT_BYTES = 4096
"""The largest input drawn: parsers are linear in bytes, so bugs show on small inputs, and
small inputs keep every example well inside :data:`EXAMPLE_DEADLINE`."""
EXAMPLE_DEADLINE = timedelta(seconds=5)
"""Generous for a few KiB on a busy 2-core machine (a parser answers in milliseconds);
what exceeds it is a hang or an input whose cost is out of proportion to its size."""

parsers = settings(
    max_examples=PARSER_EXAMPLES,
    deadline=EXAMPLE_DEADLINE,
    derandomize=True,
    database=None,  # derandomized: the examples come from the test, not from past runs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""The settings of every parser property test."""


def answer_or_request_error(parse: Callable[[], T]) -> T | RequestError:
    """What ``parse()`` returns, or the :class:`RequestError` it raised, which must be a 4xx
    with the contract's message (``ERROR: ...``). Any other exception fails the test: the
    server would answer it 500."""
    try:
        return parse()
    except RequestError as raised:
        error = raised
    assert 400 <= error.status < 500, error.status
    assert error.message.startswith("ERROR: "), error.message
    return error
