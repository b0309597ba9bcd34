"""DRUM's API for model code, served where ``datarobot-drum`` is not installed.

A model written for DRUM imports ``from datarobot_drum import RuntimeParameters,
CustomHTTPError``, ``from datarobot_drum.custom_task_interfaces import TransformerInterface``
and so on. The model loader calls :func:`~drum_testing.drum_api.hook.install` before it
imports ``custom.py``: where the real package is importable, that is what the model gets;
where it is not, the import hook serves these modules, made of drum_testing's own classes
(README lists the names served).
"""

from __future__ import annotations

from .hook import SERVED, install, uninstall

__all__ = ["SERVED", "install", "uninstall"]
