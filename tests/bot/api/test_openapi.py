"""The OpenAPI document matches the models and the running API (schemathesis against a real server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bot.api.openapi import openapi_document
from handlers.ingest.schema import SummaryIn, WeaponIn
from storage.models import Stats, StrikeSummary
from tests.bot.api.harness import AUTH, ThreadedApi, api_harness, summary, threaded_api
from tests.bot.api.schema import validator


def test_document_is_generated_from_the_models() -> None:
    doc = openapi_document()
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    body = doc["paths"]["/v1/summaries"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    ingest = schemas[body["$ref"].rsplit("/", 1)[1]]
    assert set(ingest["properties"]) == set(SummaryIn.model_fields)
    assert set(ingest["required"]) == {"period_start", "period_end"}
    assert ingest["additionalProperties"] is False
    assert ingest["properties"]["killed"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 100_000}
    assert set(schemas["WeaponIn"]["properties"]) == set(WeaponIn.model_fields)
    assert schemas["WeaponIn"]["additionalProperties"] is False
    assert set(schemas["Stats"]["properties"]) == set(Stats.model_fields)
    published = set(StrikeSummary.model_fields) | set(StrikeSummary.model_computed_fields)
    assert set(schemas["StrikeSummary"]["properties"]) == published - {"created_at", "updated_at"}


async def test_real_answers_validate_against_the_document(tmp_path: Path) -> None:
    doc = openapi_document()
    async with api_harness(tmp_path) as h:
        served = await (await h.client.get("/v1/openapi.json")).json()
        assert served == doc
        created = await (await h.client.post("/v1/summaries", json=summary(), headers=AUTH)).json()
        validator(doc, "IngestReply").validate(created)
        one = await (await h.client.get(f"/v1/summaries/{created['id']}")).json()
        validator(doc, "StrikeSummary").validate(one)
        validator(doc, "Stats").validate(await (await h.client.get("/v1/stats")).json())
        bad = await h.client.post("/v1/summaries", json={}, headers=AUTH)
        validator(doc, "ErrorReply").validate(await bad.json())
        # what the API gives out can be fed back in (minus the output-only fields)
        ingest = validator(doc, "SummaryIn")
        again = {k: v for k, v in one.items() if k in SummaryIn.model_fields}
        ingest.validate(again)
        assert (await h.client.post("/v1/summaries", json=again, headers=AUTH)).status == 200


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedApi]:
    with threaded_api(tmp_path_factory.mktemp("api-schemathesis")) as api:
        yield api


_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_contract_violation(server: ThreadedApi, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{server.base_url}/v1/openapi.json")
    session = requests.Session()
    seen: dict[str, set[int]] = {}

    @settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy(mode, headers=dict(AUTH)))
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=server.base_url, session=session, checks=_CHECKS, timeout=10)
        seen.setdefault(f"{case.method} {case.operation.path}", set()).add(response.status_code)

    try:
        run()
    finally:
        session.close()
    # the run really exercised the API, writes included
    assert len(seen) >= (6 if mode == GenerationMode.POSITIVE else 4), seen
    if mode == GenerationMode.POSITIVE:
        assert seen["POST /v1/summaries"] & {200, 201}, seen
