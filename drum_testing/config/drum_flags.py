"""``drum server`` and ``drum score`` options that have no use here: each is a one-line error.

A command line written for DRUM runs unchanged when it uses the options we serve
(:mod:`drum_testing.config.arguments`); one that asks for something we do not do (a Docker image,
MLOps monitoring, a GPU predictor) fails at once and says which option, instead of argparse's
"unrecognized arguments" or, worse, a server that ignores it::

    $ drum-testing server --code-dir m --target-type regression --address :8080 --docker img
    drum-testing server: error: --docker is a DRUM option drum-testing does not support: \
it runs the model in this Python environment (see --help)
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

UNSUPPORTED: Mapping[str, str] = {
    "--docker": "it runs the model in this Python environment",
    "--skip-deps-install": "it installs nothing: the model runs in this Python environment",
    "--memory": "it runs no container whose memory could be limited",
    "--production": "its server types are chosen by MLOPS_RUNTIME_PARAM_DRUM_SERVER_TYPE",
    "--show-perf": "it has no performance report; nox -s bench measures",
    "--monitor": "it does not report to DataRobot MLOps",
    "--monitor-embedded": "it does not report to DataRobot MLOps",
    "--deployment-id": "it does not report to DataRobot MLOps",
    "--model-id": "it does not report to DataRobot MLOps",
    "--monitor-settings": "it does not report to DataRobot MLOps",
    "--deployment-config": "it answers in DRUM's own format only",
    "--allow-dr-api-access": "it does not call the DataRobot API",
    "--api-token": "it does not call the DataRobot API",
    "--webserver": "it does not call the DataRobot API",
    "--gpu-predictor": "it serves custom.py models only (no NIM, Triton or vLLM)",
    "--triton-host": "it serves custom.py models only (no NIM, Triton or vLLM)",
    "--triton-http-port": "it serves custom.py models only (no NIM, Triton or vLLM)",
    "--triton-grpc-port": "it serves custom.py models only (no NIM, Triton or vLLM)",
    "--sidecar": "it runs no sidecar",
    "--user-secrets-mount-path": "it does not mount DataRobot user secrets",
    "--user-secrets-prefix": "it does not mount DataRobot user secrets",
    "--lazy-loading-file": "it downloads no files before loading the model",
    # drum server has these of drum score's; a request brings its own query and content type.
    "--query": "a request brings its own query string (drum-testing score takes --query)",
    "--content-type": "a request brings its own Content-Type (drum-testing score takes it)",
}
"""DRUM 1.18.1's options we refuse, and why (the second half of the error message)."""

LANGUAGES = ("python",)
"""``--language`` values served: DRUM's R and Java models are not."""
LOGGING_LEVELS: Mapping[str, str] = {
    # DRUM's --logging-level words -> the logging level they mean here.
    "all": "DEBUG",
    "debug": "DEBUG",
    "info": "INFO",
    "warn": "WARNING",
    "warning": "WARNING",
    "error": "ERROR",
    "critical": "CRITICAL",
    "fatal": "CRITICAL",
}


class _Refuse(argparse.Action):
    """Fails the parse with one line naming the option and why it is not served."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        flag = option_string or self.option_strings[0]
        parser.error(f"{flag} is a DRUM option drum-testing does not support: {UNSUPPORTED[flag]}")


def _check_language(text: str) -> str:
    if text.lower() not in LANGUAGES:
        raise argparse.ArgumentTypeError(
            f"drum-testing serves python models only, not {text!r} (DRUM's --language)"
        )
    return text.lower()


def add_drum_flags(parser: argparse.ArgumentParser) -> None:
    """DRUM's spellings we accept (``-cd``, ``--verbose``, ``--language python``) and the
    options we refuse, on a subcommand's parser. Options the parser has are left alone."""
    taken = set(parser._option_string_actions)  # argparse keeps no public list of them
    if "--verbose" not in taken:
        parser.add_argument(
            "--verbose", action="store_true", help="accepted for DRUM's sake; changes nothing"
        )
    if "--language" not in taken:
        parser.add_argument(
            "--language", type=_check_language, help="DRUM's; only python is served"
        )
    for flag in UNSUPPORTED:
        if flag not in taken:
            parser.add_argument(flag, action=_Refuse, nargs="?", help=argparse.SUPPRESS)
