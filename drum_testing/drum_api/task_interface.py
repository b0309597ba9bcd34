"""``datarobot_drum.custom_task_interfaces.custom_task_interface``: the base of custom tasks.

A custom task is a class ``CustomTask`` in ``custom.py`` that derives from one of the
interfaces (:mod:`drum_testing.drum_api.estimators`, :mod:`drum_testing.drum_api.transformer`).
DataRobot trains it with ``fit`` and saves it with ``save``; a server loads it with the
class's ``load(code_dir)``, which by default unpickles ``drum_artifact.pkl`` from the folder.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .exceptions import DrumSerializationError
from .scrubbing import patch_outputs_to_scrub_secrets, reset_outputs_to_allow_secrets
from .user_secrets import load_secrets

__all__ = ["CustomTaskInterface", "Serializable", "secrets_injection_context"]

logger = logging.getLogger(__name__)


class Serializable:
    """Saving a task to a folder and loading it back, with pickle."""

    default_artifact_filename = "drum_artifact.pkl"

    def save(self, artifact_directory: str) -> Any:
        """Save this task in ``artifact_directory``; returns the task, for chaining."""
        self.save_task(artifact_directory)
        return self

    def save_task(self, artifact_directory: str, exclude: list[str] | None = None) -> None:
        """Pickle this task to ``drum_artifact.pkl``, with the attributes named in ``exclude``
        set to None in the file (save those yourself); they are put back afterwards."""
        kept: dict[str, Any] = {}
        try:
            for name in exclude or ():
                try:
                    kept[name] = getattr(self, name)
                except AttributeError:
                    raise DrumSerializationError(
                        f"The object named {name} passed in exclude= was not found"
                    ) from None
                setattr(self, name, None)
            path = Path(artifact_directory, Serializable.default_artifact_filename)
            with path.open("wb") as file:
                pickle.dump(self, file)
        finally:
            for name, value in kept.items():
                setattr(self, name, value)

    @classmethod
    def load(cls, artifact_directory: str) -> Any:
        """The task saved in ``artifact_directory``; override it to load one your own way."""
        return cls.load_task(artifact_directory)

    @classmethod
    def load_task(cls, artifact_directory: str) -> Any:
        """Unpickle ``drum_artifact.pkl``; it must hold an instance of this class."""
        path = Path(artifact_directory, Serializable.default_artifact_filename)
        with path.open("rb") as file:
            task = pickle.load(file)
        if not isinstance(task, cls):
            raise DrumSerializationError(f"load_task method must return a {cls.__name__} class")
        return task


class CustomTaskInterface(Serializable):
    """What every custom task has: ``fit``, and the secrets DataRobot hands it."""

    _secrets: dict[str, Any] | None = None

    @property
    def secrets(self) -> dict[str, Any]:
        """The task's credentials by name (``BasicSecret``, ``ApiTokenSecret``, ...); empty
        when it has none."""
        return self._secrets or {}

    @secrets.setter
    def secrets(self, secrets: dict[str, Any] | None) -> None:
        self._secrets = secrets

    def fit(
        self, X: Any, y: Any, parameters: Any = None, row_weights: Any = None, **kwargs: Any
    ) -> Any:
        """Train the task on ``X`` (a DataFrame) and ``y``; every task defines it."""
        raise NotImplementedError()

    @staticmethod
    def log_message(message: str) -> None:
        """Log ``message`` at INFO (DRUM's deprecated helper: use ``logging``)."""
        logger.info(message)


@contextmanager
def secrets_injection_context(
    interface: CustomTaskInterface, mount_path: str | None, env_var_prefix: str | None
) -> Iterator[None]:
    """Give ``interface`` its secrets, kept out of the outputs, for the block's duration."""
    secrets = load_secrets(mount_path=mount_path, env_var_prefix=env_var_prefix)
    interface.secrets = secrets
    try:
        patch_outputs_to_scrub_secrets(secrets.values())
        yield
    finally:
        interface.secrets = None
        reset_outputs_to_allow_secrets()
