"""settings.py: every parser of a setting, the environment's part, and Settings itself."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from drum_testing.config.settings import (
    SERVER_TYPE_ALIASES,
    SERVER_TYPE_ENV,
    ServerType,
    Settings,
    SettingsError,
    TargetType,
    parse_address,
    parse_server_type,
    parse_url_prefix,
)

# --- parse_server_type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("flask", ServerType.FLASK),
        ("gunicorn", ServerType.GUNICORN),
        ("fastapi", ServerType.FASTAPI),
        ("werkzeug", ServerType.FLASK),
        ("uvicorn", ServerType.FASTAPI),
        ("FastAPI", ServerType.FASTAPI),
        ("GUNICORN", ServerType.GUNICORN),
        ("  Uvicorn \n", ServerType.FASTAPI),
        ("\tWerkzeug", ServerType.FLASK),
    ],
)
def test_parse_server_type_plain_word(raw: str, expected: ServerType) -> None:
    assert parse_server_type(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"type": "string", "payload": "fastapi"}', ServerType.FASTAPI),
        ('{"type":"string","payload":"gunicorn"}', ServerType.GUNICORN),
        ('{"type": "string", "payload": "werkzeug"}', ServerType.FLASK),
        ('{"type": "string", "payload": " UVICORN "}', ServerType.FASTAPI),
        ('  {"type": "string", "payload": "flask"}\n', ServerType.FLASK),
    ],
)
def test_parse_server_type_runtime_param_json(raw: str, expected: ServerType) -> None:
    assert parse_server_type(raw) is expected


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t"])
def test_parse_server_type_unset_or_empty_is_flask(raw: str | None) -> None:
    assert parse_server_type(raw) is ServerType.FLASK


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        ("tornado", "tornado"),
        ("  Tornado ", "Tornado"),
        ('{"type": "string", "payload": "hypercorn"}', "hypercorn"),
    ],
)
def test_parse_server_type_unknown_lists_every_accepted_value(raw: str, word: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_server_type(raw)
    message = str(caught.value)
    assert f"unknown server type {word!r}" in message
    assert SERVER_TYPE_ENV in message
    accepted = message.split("accepted: ", 1)[1]
    assert accepted.split(", ") == ["fastapi", "flask", "gunicorn", "uvicorn", "werkzeug"]
    assert set(accepted.split(", ")) == set(SERVER_TYPE_ALIASES)


@pytest.mark.parametrize(
    "raw", ['{"type": "string", "payload": ', "{payload: fastapi}", '{"payload": "flask",}']
)
def test_parse_server_type_malformed_json(raw: str) -> None:
    with pytest.raises(SettingsError, match=f"^{SERVER_TYPE_ENV}: Invalid runtime parameter json"):
        parse_server_type(raw)


@pytest.mark.parametrize(
    "raw",
    [
        '{"type": "string"}',
        '{"type": "string", "payload": null}',
        '{"type": "string", "payload": 3}',
        '{"type": "string", "payload": ""}',
        '{"type": "string", "payload": ["fastapi"]}',
        '{"type": "numeric", "payload": 3}',
        '{"payload": "flask"}',
        "{}",
    ],
)
def test_parse_server_type_json_without_string_payload(raw: str) -> None:
    # The variable is read as DRUM reads every runtime parameter: the type and the payload.
    with pytest.raises(SettingsError, match="JSON must look like") as caught:
        parse_server_type(raw)
    assert '{"type": "string", "payload": "fastapi"}' in str(caught.value)


# --- parse_address --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("localhost:0", ("localhost", 0)),
        ("0.0.0.0:65535", ("0.0.0.0", 65535)),
        ("[::1]:9000", ("::1", 9000)),
        ("[::]:80", ("::", 80)),
    ],
)
def test_parse_address(address: str, expected: tuple[str, int]) -> None:
    assert parse_address(address) == expected


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "8080",
        ":8080",
        "localhost:",
        "localhost:http",
        "localhost:65536",
        "localhost:-1",
        "localhost: 80",
        "[::1]",
        "",
    ],
)
def test_parse_address_rejects(address: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_address(address)
    assert str(caught.value) == f"--address must be HOST:PORT, got {address!r}"


def test_parse_address_rejects_non_decimal_digits() -> None:
    with pytest.raises(SettingsError, match="--address must be HOST:PORT"):
        parse_address("localhost:²")


# --- parse_url_prefix -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        ("/", ""),
        (" // ", ""),
        ("api", "/api"),
        ("/api", "/api"),
        ("api/v1/", "/api/v1"),
        ("/api/v1//", "/api/v1"),
        (" /x/ ", "/x"),
    ],
)
def test_parse_url_prefix(raw: str | None, expected: str) -> None:
    assert parse_url_prefix(raw) == expected


# --- Settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "positive", "negative", "classes", "expected"),
    [
        (TargetType.BINARY, "yes", "no", None, ("yes", "no")),
        (TargetType.BINARY, "yes", None, None, None),
        (TargetType.BINARY, None, "no", None, None),
        (TargetType.MULTICLASS, None, None, ("red", "green", "blue"), ("red", "green", "blue")),
        (TargetType.MULTICLASS, None, None, None, None),
        (TargetType.REGRESSION, "yes", "no", ("a", "b"), None),
        (TargetType.ANOMALY, None, None, None, None),
    ],
)
def test_settings_labels(
    target: TargetType,
    positive: str | None,
    negative: str | None,
    classes: tuple[str, ...] | None,
    expected: tuple[str, ...] | None,
) -> None:
    settings = Settings(
        code_dir=Path("/m"),
        target_type=target,
        positive_class_label=positive,
        negative_class_label=negative,
        class_labels=classes,
    )
    assert settings.labels == expected


def test_settings_is_frozen() -> None:
    settings = Settings(code_dir=Path("/m"), target_type=TargetType.REGRESSION)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 9999  # type: ignore[misc]
    assert settings.port == 8080


def test_settings_defaults_and_address() -> None:
    settings = Settings(code_dir=Path("/m"), target_type=TargetType.REGRESSION)
    assert (settings.host, settings.port, settings.address) == ("127.0.0.1", 8080, "127.0.0.1:8080")
    assert settings.server_type is ServerType.FLASK
    assert settings.max_body_bytes == 100 * 1024 * 1024
    assert (settings.url_prefix, settings.listen_fd, settings.lifeline_fd) == ("", None, None)


@pytest.mark.parametrize(
    ("target", "structured", "classification"),
    [
        (TargetType.REGRESSION, True, False),
        (TargetType.BINARY, True, True),
        (TargetType.MULTICLASS, True, True),
        (TargetType.ANOMALY, True, False),
        (TargetType.TEXT_GENERATION, True, False),
        (TargetType.TRANSFORM, True, False),
        (TargetType.UNSTRUCTURED, False, False),
    ],
)
def test_target_type_kinds(target: TargetType, structured: bool, classification: bool) -> None:
    assert (target.is_structured, target.is_classification) == (structured, classification)


@pytest.mark.parametrize(
    ("host", "expected"), [("127.0.0.1", "127.0.0.1:8080"), ("::1", "[::1]:8080")]
)
def test_settings_address_brackets_ipv6_hosts(host: str, expected: str) -> None:
    settings = Settings(code_dir=Path("."), target_type=TargetType.REGRESSION, host=host)
    assert settings.address == expected
