from __future__ import annotations

import contextvars
import threading

from drum_testing.telemetry import context


def test_no_request_outside_a_scope() -> None:
    assert context.current() is None


def test_the_scope_is_current_inside_and_gone_after() -> None:
    with context.request_scope("abc") as scope:
        assert context.current() is scope
        assert scope.request_id == "abc"
        scope.trace_id = "0af7651916cd43dd8448eb211c80319c"
        assert context.current() is not None
        assert context.current().trace_id == "0af7651916cd43dd8448eb211c80319c"  # type: ignore[union-attr]
    assert context.current() is None


def test_nested_scopes_restore_the_outer_one() -> None:
    with context.request_scope("outer") as outer:
        with context.request_scope("inner"):
            assert context.current().request_id == "inner"  # type: ignore[union-attr]
        assert context.current() is outer


def test_a_copied_context_carries_the_scope_into_another_thread() -> None:
    seen: list[str | None] = []

    def read() -> None:
        scope = context.current()
        seen.append(scope.request_id if scope else None)

    with context.request_scope("r1"):
        copied = contextvars.copy_context()
    thread = threading.Thread(target=copied.run, args=(read,))
    thread.start()
    thread.join(timeout=10)
    assert seen == ["r1"]
