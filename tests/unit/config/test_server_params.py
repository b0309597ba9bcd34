"""server_params.py: DataRobot's runtime parameters that configure the server, as DRUM reads
them, each giving one option: flag, variable, runtime parameter, default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drum_testing import cli
from drum_testing.config.build import DRUM_DEFAULT_NOTICE, build_settings
from drum_testing.config.options import SERVER, option, options_for
from drum_testing.config.server_params import unserved_notices
from drum_testing.config.settings import (
    SERVER_TYPE_ENV,
    ServerType,
    Settings,
    SettingsError,
    TargetType,
)
from tests.helpers.models import MODELS

REGRESSION = str(MODELS / "regression")
WORKERS = "MLOPS_RUNTIME_PARAM_CUSTOM_MODEL_WORKERS"


def param(payload: object, kind: str = "numeric") -> str:
    return json.dumps({"type": kind, "payload": payload})


def build(environ: dict[str, str], *extra: str, command: str = SERVER) -> Settings:
    argv = [command, "--code-dir", REGRESSION, "--target-type", "regression"]
    if command == SERVER:
        argv += ["--address", "127.0.0.1:1"]
    return build_settings(cli.build_parser().parse_args([*argv, *extra]), environ)


@pytest.mark.parametrize(
    ("flags", "environ", "workers", "source"),
    [
        pytest.param([], {}, 1, None, id="default"),
        pytest.param([], {WORKERS: param(3)}, 3, WORKERS, id="runtime-parameter"),
        pytest.param([], {WORKERS: param(3), "MAX_WORKERS": "4"}, 4, "MAX_WORKERS", id="variable"),
        pytest.param(
            ["--max-workers", "2"],
            {WORKERS: param(3), "MAX_WORKERS": "4"},
            2,
            "--max-workers",
            id="flag",
        ),
    ],
)
def test_flag_then_variable_then_runtime_parameter_then_default(
    flags: list[str], environ: dict[str, str], workers: int, source: str | None
) -> None:
    settings = build(environ, *flags)
    assert settings.max_workers == workers
    assert settings.sources.get("max_workers") == source


@pytest.mark.parametrize(
    ("payload", "kind", "workers"),
    [(3, "numeric", 3), (3.7, "numeric", 3), ("5", "numeric", 5), ("6", "string", 6)],
)
def test_a_number_is_made_whole_as_drum_makes_it(payload: object, kind: str, workers: int) -> None:
    assert build({WORKERS: param(payload, kind)}).max_workers == workers


@pytest.mark.parametrize("payload", [0, 200, -1])
def test_outside_drums_range_is_ignored_with_a_warning(payload: int) -> None:
    settings = build({WORKERS: param(payload)})
    assert settings.max_workers == 1
    assert "max_workers" not in settings.sources
    assert f"{WORKERS}={payload} is outside DRUM's range 1 to 199: ignored" in settings.notices[-1]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (param("three", "string"), "expected a whole number, got 'three'"),
        ('{"type": "numeric"', "Invalid runtime parameter json payload"),
        (param("three"), "a numeric parameter needs a number or null"),
    ],
)
def test_a_payload_that_is_no_number_stops_the_start(raw: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        build({WORKERS: raw})


def test_null_is_unset_with_a_warning() -> None:
    settings = build({WORKERS: param(None)})
    assert settings.max_workers == 1
    assert f"{WORKERS} is null: ignored" in settings.notices


def test_each_parameter_gives_its_option() -> None:
    given = {
        "CUSTOM_MODEL_WORKERS": (3, "max_workers", 3),
        "DRUM_WORKER_CONNECTIONS": (7, "threads", 7),
        "DRUM_GUNICORN_KEEP_ALIVE": (9, "keepalive_timeout", 9.0),
        "DRUM_GUNICORN_GRACEFUL_TIMEOUT": (11, "drain_timeout", 11.0),
        "DRUM_CLIENT_REQUEST_TIMEOUT": (0, "worker_timeout", 0.0),
        "DRUM_WEBSERVER_BACKLOG": (64, "backlog", 64),
        "DRUM_GUNICORN_MAX_REQUESTS": (100, "max_requests", 100),
        "DRUM_GUNICORN_MAX_REQUESTS_JITTER": (10, "max_requests_jitter", 10),
    }
    environ = {f"MLOPS_RUNTIME_PARAM_{name}": param(value) for name, (value, _, _) in given.items()}
    environ["MLOPS_RUNTIME_PARAM_DRUM_GUNICORN_LOG_LEVEL"] = param("DEBUG", "string")
    settings = build(environ)
    for name, (_, dest, expected) in given.items():
        assert getattr(settings, dest) == expected, name
        assert option(dest).runtime_param == name
        assert settings.sources[dest] == f"MLOPS_RUNTIME_PARAM_{name}"
    assert settings.gunicorn_log_level == "debug"
    assert settings.notices == (DRUM_DEFAULT_NOTICE,)


def test_a_value_drum_takes_but_we_do_not_serve_is_warned() -> None:
    settings = build({"MLOPS_RUNTIME_PARAM_DRUM_GUNICORN_KEEP_ALIVE": param(0)})
    assert settings.keepalive_timeout == 5.0
    assert (
        "MLOPS_RUNTIME_PARAM_DRUM_GUNICORN_KEEP_ALIVE=0 is not served here" in settings.notices[-1]
    )


def test_a_word_drum_does_not_know_is_ignored_with_a_warning() -> None:
    settings = build({"MLOPS_RUNTIME_PARAM_DRUM_GUNICORN_LOG_LEVEL": param("loud", "string")})
    assert settings.gunicorn_log_level is None
    assert "is not one of DRUM's debug, info, warning, error, critical" in settings.notices[-1]


def test_the_values_file_gives_them_too(tmp_path: Path) -> None:
    code_dir = tmp_path / "model"
    code_dir.mkdir()
    (code_dir / "custom.py").write_text("def score(data, model, **kw):\n    return data\n")
    (code_dir / "model-metadata.yaml").write_text(
        "runtimeParameterDefinitions:\n"
        "  - fieldName: CUSTOM_MODEL_WORKERS\n    type: numeric\n"
        "  - fieldName: DRUM_GUNICORN_MAX_REQUESTS\n    type: numeric\n"
    )
    values = tmp_path / "values.yaml"
    values.write_text("CUSTOM_MODEL_WORKERS: 2\nDRUM_GUNICORN_MAX_REQUESTS: 50\n")
    argv = ["server", "--code-dir", str(code_dir), "--target-type", "regression"]
    argv += ["--address", "127.0.0.1:1", "--runtime-params-file", str(values)]
    settings = build_settings(cli.build_parser().parse_args(argv), {WORKERS: param(5)})
    assert (settings.max_workers, settings.max_requests) == (2, 50)  # the file's, as in DRUM


def test_the_server_type_is_drums_default_when_unset_with_drums_notice() -> None:
    settings = build({})
    assert settings.server_type is ServerType.GUNICORN
    assert settings.notices == (DRUM_DEFAULT_NOTICE,)
    assert "Default DRUM server changed from 'werkzeug' to 'gunicorn'" in DRUM_DEFAULT_NOTICE


@pytest.mark.parametrize("raw", ["tornado", param("Tornado", "string")])
def test_an_unknown_server_type_is_drums_warning_and_the_default(raw: str) -> None:
    settings = build({SERVER_TYPE_ENV: raw})
    assert settings.server_type is ServerType.GUNICORN
    assert settings.sources["server_type"] == "default"
    assert len(settings.notices) == 1
    assert settings.notices[0].startswith(
        "Server type 'tornado' is not supported. Supported types: ['gunicorn', 'werkzeug']"
    )
    assert settings.notices[0].endswith("Falling back to gunicorn.")


@pytest.mark.parametrize(
    ("word", "kind"), [("werkzeug", ServerType.FLASK), ("GUNICORN", ServerType.GUNICORN)]
)
def test_drums_spellings_are_taken(word: str, kind: ServerType) -> None:
    settings = build({SERVER_TYPE_ENV: param(word, "string")})
    assert settings.server_type is kind
    assert settings.notices == ()


def test_score_keeps_refusing_an_unknown_server_type() -> None:
    with pytest.raises(SettingsError, match="unknown server type 'tornado'"):
        build({SERVER_TYPE_ENV: "tornado"}, "--input", REGRESSION, command="score")


def served(server_type: ServerType, **given: Any) -> list[str]:
    settings = Settings(
        MODELS,
        TargetType.REGRESSION,
        server_type=server_type,
        sources={dest: f"SOURCE_OF_{dest}" for dest in given},
        **{k: v for k, v in given.items() if k in Settings.__dataclass_fields__},
    )
    return unserved_notices(settings, options_for(SERVER))


def test_an_option_the_type_cannot_honour_is_one_line_naming_it() -> None:
    assert served(ServerType.FLASK, max_workers=3, max_requests=10) == [
        "SOURCE_OF_max_workers is not honoured by the flask server type: the flask type "
        "serves from one process",
        "SOURCE_OF_max_requests is not honoured by the flask server type: the flask type "
        "serves from one process, which has no worker to replace",
    ]
    assert served(ServerType.FASTAPI, worker_timeout=5.0)[0].startswith(
        "SOURCE_OF_worker_timeout is not honoured by the fastapi server type"
    )
    assert served(ServerType.GUNICORN, max_workers=3, max_requests=10, worker_timeout=5.0) == []


def test_a_parameter_no_type_honours_is_warned_on_every_type() -> None:
    for server_type in ServerType:
        (line,) = served(server_type, gunicorn_worker_class="gevent")
        assert line.startswith(
            f"SOURCE_OF_gunicorn_worker_class is not honoured by the {server_type.value}"
        )


def test_a_default_value_given_changes_nothing_and_is_not_named() -> None:
    assert served(ServerType.FLASK, max_workers=1, max_requests=0) == []
