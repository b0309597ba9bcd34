"""What would stop DRUM 1.18.1 from starting a model that ours serves, found without DRUM.

DRUM refuses at start-up, before any request, where we serve (``docs/CONTRACT.md``):

- a text generation, vector database or agentic workflow model without ``TARGET_NAME``
  (DRUM: "Unexpected empty target name");
- a folder whose ``custom.py`` has no ``load_model`` hook and that has no model artifact
  DRUM's predictors read, or several of them (DRUM: "Could not find model artifact file",
  "Multiple serialized model files found").

A check reports these as warnings without ``--drum`` (a model author learns it before the
deploy does); with ``--drum``, DRUM's own refusal fails the check. ``custom.py`` is parsed,
never imported, and a file that does not parse makes no claim.
"""

from __future__ import annotations

import ast
from pathlib import Path

from drum_testing.config.settings import TargetType
from drum_testing.model.folder import CUSTOM_FILE

DRUM_ARTIFACT_SUFFIXES = (".pkl", ".pth", ".h5", ".joblib", ".onnx")
"""The artifacts DRUM 1.18.1's Python predictors load without a hook (``PythonArtifacts``)."""


def top_level_functions(custom: Path) -> set[str] | None:
    """The functions ``custom.py`` defines at top level; empty without the file, None when it
    does not parse."""
    if not custom.is_file():
        return set()
    try:
        tree = ast.parse(custom.read_bytes(), filename=str(custom))
    except (SyntaxError, ValueError, OSError):
        return None
    return {
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def drum_refusals(code_dir: Path, target_type: TargetType, target_name: str | None) -> list[str]:
    """Why DRUM 1.18.1 would refuse to start this model (empty: it would start it)."""
    reasons = []
    if target_type.needs_target_name and not target_name:
        reasons.append(
            f"a {target_type.value} model needs TARGET_NAME (the prediction column) on DRUM, "
            "which refuses to start without it; set the variable"
        )
    hooks = top_level_functions(code_dir / CUSTOM_FILE)
    if hooks is not None and "load_model" not in hooks:
        artifacts = sorted(
            path.name
            for path in code_dir.iterdir()
            if path.is_file() and path.suffix.lower() in DRUM_ARTIFACT_SUFFIXES
        )
        if not artifacts:
            reasons.append(
                f"{CUSTOM_FILE} has no load_model hook and the folder no model artifact "
                f"({', '.join(DRUM_ARTIFACT_SUFFIXES)}): DRUM refuses to start such a model; "
                "add a load_model(code_dir) that returns the model (any object but None)"
            )
        elif len(artifacts) > 1:
            reasons.append(
                f"several model artifacts ({', '.join(artifacts)}) and no load_model hook: "
                "DRUM refuses to choose; keep one, or add load_model"
            )
    return reasons
