"""Property: no request body, however malformed, gets a 5xx from POST /v1/summaries or stores anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bot.api.harness import AUTH, ThreadedApi, threaded_api
from tests.handlers.summaries import assert_names_field, json_values, malformed

_BASE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedApi]:
    with threaded_api(tmp_path_factory.mktemp("api-prop")) as api:
        yield api


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers.update(AUTH)
        yield s


def _post(server: ThreadedApi, session: requests.Session, data: bytes) -> requests.Response:
    return session.post(
        f"{server.base_url}/v1/summaries", data=data, headers={"Content-Type": "application/json"}, timeout=10
    )


@settings(_BASE, max_examples=1500)
@given(case=malformed())
def test_malformed_summaries_get_422_naming_the_field(
    server: ThreadedApi, session: requests.Session, case: tuple[dict[str, Any], str]
) -> None:
    payload, loc = case
    resp = _post(server, session, json.dumps(payload).encode())
    assert resp.status_code == 422, resp.text
    assert_names_field(resp.json()["errors"], loc)


@settings(_BASE, max_examples=300)
@given(value=json_values.filter(lambda v: not isinstance(v, dict)))
def test_json_that_is_not_an_object_gets_422(server: ThreadedApi, session: requests.Session, value: Any) -> None:
    resp = _post(server, session, json.dumps(value).encode())
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["msg"]


@settings(_BASE, max_examples=300)
@given(raw=st.binary(max_size=300) | st.text(max_size=100).map(lambda t: ("{" + t).encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_get_a_4xx(server: ThreadedApi, session: requests.Session, raw: bytes) -> None:
    resp = _post(server, session, raw)
    assert resp.status_code in (400, 422), (raw, resp.status_code, resp.text)
    assert resp.json()["errors"]


def test_nothing_was_stored_by_any_of_it(server: ThreadedApi, session: requests.Session) -> None:
    # runs after the properties above (same module-scoped server, file order)
    assert server.run(server.store.count_summaries()) == 0
    queue = server.run(server.store.queue_stats(now=datetime.now(UTC)))
    assert queue.pending == 0
    health = session.get(f"{server.base_url}/healthz", timeout=10)
    assert health.status_code == 200
