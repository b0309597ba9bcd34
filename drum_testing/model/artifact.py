"""The model object of a folder without a custom task: ``load_model``'s answer, or the
pickled artifact, loaded as DRUM loads it and failing in DRUM's words."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from drum_testing.errors import ModelLoadError, is_custom_user_error

from . import messages
from .folder import find_artifacts


def frame_of(transformed: Any) -> Any:
    """An artifact's ``transform()`` result as DRUM frames it (sparse stays sparse)."""
    from scipy.sparse import issparse

    if issparse(transformed):
        from_spmatrix: Any = pd.DataFrame.sparse.from_spmatrix  # type: ignore[attr-defined]
        return from_spmatrix(transformed)
    if isinstance(transformed, pd.DataFrame):
        return transformed
    return pd.DataFrame(transformed)


def load_artifact(hooks: Mapping[str, Callable[..., Any]], code_dir: Path) -> Any:
    """The model object: ``load_model``'s answer, else the unpickled artifact, else None
    (a folder with neither); DRUM's message when it fails."""
    if "load_model" in hooks:
        try:
            artifact = hooks["load_model"](str(code_dir))
        except Exception as exc:
            if is_custom_user_error(exc):
                raise
            raise ModelLoadError(messages.load_model_failed(exc)) from exc
        if artifact is None:
            raise ModelLoadError(
                messages.load_model_returned_none(),
                detail="load_model returned None: return the model object the hooks get",
            )
        return artifact
    artifacts = find_artifacts(code_dir)
    if len(artifacts) > 1:
        names = ", ".join(p.name for p in artifacts)
        raise ModelLoadError(
            messages.several_artifacts(code_dir),
            detail=f"{code_dir} holds several artifacts ({names}); keep one",
        )
    if not artifacts:
        return None
    try:
        return pickle.loads(artifacts[0].read_bytes())
    except Exception as exc:
        raise ModelLoadError(
            messages.unreadable_artifact(exc), detail=f"{artifacts[0]} could not be unpickled"
        ) from exc
