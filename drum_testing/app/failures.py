"""What a 500 says when the model's own code raised: DRUM's words, and ours beside them.

DRUM 1.18.1 wraps an exception raised by some hooks in a sentence that names the hook
(``Model 'score' hook failed to make predictions. Exception: ValueError('...')``) and sends
the others as they are (``score_unstructured``, ``chat``: ``str(exc)``). Clients and DRUM's
own tests compare that text, so ``message`` is DRUM's; ``detail`` is ours (the exception as
``Type: text``). Which hook raised is read from the traceback: the first frame outside this
package is the model's code that :mod:`drum_testing.model` called.

::

    message, detail = model_failure(exc, model.hooks)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import CodeType
from typing import Any

from drum_testing.errors import ModelOutputError

PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
"""drum_testing's own source: frames here are ours, the first frame elsewhere the model's."""
HOOK_FAILURES: Mapping[str, str] = {
    # DRUM 1.18.1's words (python_model_adapter.py), followed by " Exception: {exc!r}".
    "read_input_data": "Model 'read_input_data' hook failed to read input data.",
    "transform": "Model 'transform hook' failed to transform dataset.",
    "score": "Model 'score' hook failed to make predictions.",
    "post_process": "Model 'post_process' hook failed to post-process predictions.",
}
ARTIFACT_FAILURE = "Failure when making predictions."
"""DRUM's words when the artifact's own ``predict`` or ``predict_proba`` raised."""
ARTIFACT_CALLERS = frozenset({"_score_artifact"})
"""Our functions that call the artifact's predict methods."""


def model_failure(exc: BaseException, hooks: Mapping[str, Callable[..., Any]]) -> tuple[str, str]:
    """``(message, detail)`` of the 500 answered when model code raised ``exc``."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ModelOutputError):
        return str(exc), f"the model's answer cannot be served: {exc}"
    prefix = _drum_prefix(exc, hooks)
    return (f"{prefix} Exception: {exc!r}" if prefix else str(exc)), detail


def _drum_prefix(exc: BaseException, hooks: Mapping[str, Callable[..., Any]]) -> str | None:
    codes: dict[CodeType, str] = {}
    for name, hook in hooks.items():
        code = getattr(hook, "__code__", None)
        if isinstance(code, CodeType):
            codes[code] = name
    caller = ""
    traceback = exc.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code in codes:
            return HOOK_FAILURES.get(codes[code])
        if not code.co_filename.startswith(PACKAGE_DIR):
            # Model code that is not a hook function as such (a decorated hook, a callable
            # object): named by its function, else by what called it.
            if code.co_name in HOOK_FAILURES:
                return HOOK_FAILURES[code.co_name]
            return ARTIFACT_FAILURE if caller in ARTIFACT_CALLERS else None
        caller = code.co_name
        traceback = traceback.tb_next
    return None
