"""Every route, error rule and header of CONTRACT.md, against real servers."""

from __future__ import annotations

import pytest
import requests

from drum_testing.testing import resolve_server_type
from tests.contract.case import Case
from tests.contract.cases import CASES
from tests.contract.exchange import check, decode_events, send
from tests.helpers.models import BINARY_LABELS, MODELS
from tests.helpers.servers import ModelServer


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_contract(model_server: ModelServer, case: Case) -> None:
    check(case, send(model_server(case.model).url_server_address, case))


def test_info_names_the_framework_as_drum_and_the_type_serving(model_server: ModelServer) -> None:
    info = requests.get(model_server("binary").url_server_address + "/info/", timeout=10).json()
    server_type = resolve_server_type()
    assert info["drumTestingServer"] == server_type
    # DRUM's drumServer names the app framework: flask for both Flask-based types.
    assert info["drumServer"] == ("fastapi" if server_type == "fastapi" else "flask")
    assert info["targetType"] == "binary"
    assert info["codeDir"] == str(MODELS / "binary")
    assert (info["negativeClassLabel"], info["positiveClassLabel"]) == BINARY_LABELS


def test_chat_answers_in_full_and_streamed(model_server: ModelServer) -> None:
    base = model_server("chat").url_server_address
    question = {"messages": [{"role": "user", "content": "abc"}]}
    answer = requests.post(base + "/chat/completions", json=question, timeout=10).json()
    assert answer["choices"][0]["message"]["content"] == "cba"
    streamed = requests.post(
        base + "/v1/chat/completions", json={**question, "stream": True}, timeout=10
    )
    events = decode_events(streamed.content)
    assert events[-1] == "[DONE]"
    assert "".join(e["choices"][0]["delta"]["content"] for e in events[:-1]) == "cba"


def test_a_stream_whose_hook_raises_ends_with_an_error_event_and_done(
    model_server: ModelServer,
) -> None:
    base = model_server("chat").url_server_address
    question = {"messages": [{"role": "user", "content": "abcd"}], "stream": True, "fail_after": 2}
    streamed = requests.post(base + "/v1/chat/completions", json=question, timeout=10)
    assert streamed.status_code == 200  # sent before the model's generator ran
    events = decode_events(streamed.content)
    assert [e["choices"][0]["delta"]["content"] for e in events[:2]] == ["d", "c"]
    assert events[2] == {
        "error": {"message": "RuntimeError: the stream failed on purpose", "type": "RuntimeError"}
    }
    assert events[3:] == ["[DONE]"]
    assert requests.get(base + "/ping/", timeout=10).status_code == 200


def test_a_308_is_followed_with_method_and_body(model_server: ModelServer) -> None:
    response = requests.post(
        model_server("regression").url_server_address + "/predict",
        data=b"a,b\n1,2\n",
        headers={"Content-Type": "text/csv"},
        timeout=10,
    )
    assert [r.status_code for r in response.history] == [308]
    assert response.json() == {"predictions": [3.0]}


def test_stats_count_this_servers_predictions(model_server: ModelServer) -> None:
    base = model_server("anomaly").url_server_address
    before = requests.get(base + "/stats/", timeout=10).json()["predict_calls_count"]
    requests.post(
        base + "/predict/", data=b"a\n1\n", headers={"Content-Type": "text/csv"}, timeout=10
    )
    stats = requests.get(base + "/stats/", timeout=10).json()
    assert stats["predict_calls_count"] == before + 1
    assert stats["mem_info"]["drum_rss"] > 0


def test_a_request_id_is_made_when_none_is_sent(model_server: ModelServer) -> None:
    base = model_server("regression").url_server_address
    first = requests.get(base + "/ping/", timeout=10).headers["X-Request-ID"]
    second = requests.get(base + "/ping/", timeout=10).headers["X-Request-ID"]
    assert first != second
    assert len(first) >= 16
