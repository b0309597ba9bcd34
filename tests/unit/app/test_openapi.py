"""openapi.py: the document is valid OpenAPI 3.1 for every kind of server, lists every
route of the table with its methods and the core's own answers, and --openapi serves it
through the core (no web framework)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from drum_testing import cli
from drum_testing.app.core import PredictionCore
from drum_testing.app.core_answers import CORE_ANSWERS
from drum_testing.app.openapi import OPENAPI_PATH, build_document, served_routes
from drum_testing.app.routes import GET, ROUTES, Route
from drum_testing.config.deployment import read_deployment_config
from drum_testing.config.settings import Settings, TargetType
from drum_testing.http.messages import BodyFault
from drum_testing.model.model import Model
from tests.helpers.core_client import CoreClient
from tests.helpers.models import MODELS, settings_for

pytestmark = pytest.mark.usefixtures("restore_imports")

DEPLOYMENTS = MODELS.parent / "deployment"


def settings(target: TargetType = TargetType.REGRESSION, **overrides: Any) -> Settings:
    return settings_for(MODELS / "regression", target, **overrides)


@pytest.mark.parametrize("target", list(TargetType))
def test_the_document_is_valid_openapi_3_1_for_every_target_type(target: TargetType) -> None:
    labels = {"class_labels": ("cat", "dog")} if target is TargetType.MULTILABEL else {}
    document = build_document(settings(target, **labels))
    assert document["openapi"] == "3.1.0"
    validate(document)
    # and every schema in it is a valid JSON Schema 2020-12
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})


@pytest.mark.parametrize(
    ("target", "config"),
    [
        (TargetType.REGRESSION, "regression.json"),
        (TargetType.BINARY, "binary.json"),
        (TargetType.MULTICLASS, "multiclass.json"),
        (TargetType.TEXT_GENERATION, "textgeneration.json"),
    ],
)
def test_the_prediction_api_answer_is_valid_too(target: TargetType, config: str) -> None:
    deployment = read_deployment_config(str(DEPLOYMENTS / config))
    document = build_document(settings(target, deployment_config=deployment))
    validate(document)
    answer = document["paths"]["/predict/"]["post"]["responses"]["200"]
    assert "data" in answer["content"]["application/json"]["schema"]["properties"]


@pytest.mark.parametrize("prefix", ["", "/api/v1"])
def test_every_route_of_the_table_is_there_with_its_methods(prefix: str) -> None:
    paths = build_document(settings(url_prefix=prefix))["paths"]
    assert set(paths) == {prefix + path for path in ROUTES}
    for path, route in ROUTES.items():
        assert set(paths[prefix + path]) == {method.lower() for method in route.methods}


def test_every_operation_declares_its_success_and_an_error_body() -> None:
    document = build_document(settings())
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "200" in responses, (path, method)
            errors = [status for status in responses if status[0] in "45"]
            for status in errors:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_a_route_cannot_be_added_without_what_describes_it() -> None:
    route = ROUTES["/ping/"]
    with pytest.raises(TypeError, match="describe"):
        Route(GET, route.handler)  # type: ignore[call-arg]


def test_a_route_whose_description_breaks_breaks_the_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(settings: Settings) -> Any:
        raise NotImplementedError("no schema yet")

    table = {**ROUTES, "/new/": dataclasses.replace(ROUTES["/info/"], describe=broken)}
    monkeypatch.setattr("drum_testing.app.openapi.ROUTES", table)
    with pytest.raises(NotImplementedError):
        build_document(settings())


def test_the_core_answers_apply_where_the_core_gives_them() -> None:
    plain = build_document(settings())["paths"]
    for status in (fault.value for fault in BodyFault):
        assert str(status) in plain["/predict/"]["post"]["responses"]
        assert str(status) not in plain["/info/"]["get"]["responses"]
    assert "500" not in plain["/ping/"]["get"]["responses"]  # runs no model code
    assert "513" not in plain["/predict/"]["post"]["responses"]
    failed = build_document(settings(with_error_server=True))["paths"]
    assert "513" in failed["/predict/"]["post"]["responses"]
    assert "513" in failed["/ping/"]["get"]["responses"]
    assert "404" in failed["/info/"]["get"]["responses"]
    assert len({row.answer.status for row in CORE_ANSWERS}) == len(CORE_ANSWERS)


def test_the_predictions_schema_names_the_class_labels() -> None:
    paths = build_document(settings(TargetType.MULTICLASS))["paths"]
    schema = paths["/predict/"]["post"]["responses"]["200"]["content"]["application/json"]
    item = schema["schema"]["properties"]["predictions"]["items"]
    assert item["required"] == ["red", "green", "blue"]


def test_openapi_serves_the_document_through_the_core() -> None:
    on = settings(openapi=True)
    client = CoreClient(PredictionCore(on, Model.load(on), server_type="flask"))
    answer = client.get(OPENAPI_PATH)
    assert answer.status_code == 200
    assert answer.get_json() == build_document(on)
    assert OPENAPI_PATH in answer.get_json()["paths"]
    assert client.head(OPENAPI_PATH).status_code == 200
    assert client.post(OPENAPI_PATH).status_code == 405


def test_without_openapi_its_path_is_a_404() -> None:
    off = settings()
    assert OPENAPI_PATH not in served_routes(off)
    client = CoreClient(PredictionCore(off, Model.load(off), server_type="flask"))
    assert client.get(OPENAPI_PATH).status_code == 404


def test_the_command_prints_the_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["openapi", "--code-dir", str(MODELS / "regression"), "--target-type", "regression"]
    assert cli.main(argv, environ={}) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(build_document(settings())))
    output = tmp_path / "openapi.json"
    assert cli.main([*argv, "--openapi", "--output", str(output)], environ={}) == 0
    assert capsys.readouterr().out == ""
    assert OPENAPI_PATH in json.loads(output.read_text())["paths"]
