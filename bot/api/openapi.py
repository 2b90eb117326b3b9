"""The API's OpenAPI 3.1 document, generated from the same pydantic models it validates and answers with."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from bot.api.models import MAX_BODY, MAX_LATEST, ErrorReply, HealthReply, IngestReply, ParseReply
from handlers.ingest.schema import SummaryIn
from storage.models import Stats, StrikeSummary

_REF = "#/components/schemas/{model}"
# The `latest --json` shape leaves the bookkeeping times out (handlers/serialize.py).
_UNPUBLISHED = ("created_at", "updated_at")


def _component_schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [
            (SummaryIn, "validation"),
            (StrikeSummary, "serialization"),
            (Stats, "serialization"),
            (IngestReply, "serialization"),
            (ErrorReply, "serialization"),
            (HealthReply, "serialization"),
            (ParseReply, "validation"),
        ],
        ref_template=_REF,
    )
    schemas: dict[str, Any] = top.get("$defs", {})
    summary = schemas["StrikeSummary"]
    for name in _UNPUBLISHED:
        summary["properties"].pop(name, None)
        if name in summary.get("required", []):
            summary["required"].remove(name)
    summary["additionalProperties"] = False
    return schemas


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _errors(*codes: tuple[int, str]) -> dict[str, Any]:
    return {str(code): _json("ErrorReply", text) for code, text in codes}


_SUMMARY_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
    "description": "The summary's id (as returned on ingest).",
}
_WRITE_ERRORS = (
    (401, "Missing or wrong bearer token"),
    (403, "Writes are disabled: STRIKEBOT_API_TOKEN is not set"),
)


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the HTTP API (served at GET /v1/openapi.json)."""
    when = {
        "type": "string",
        "description": "ISO 8601 date or date-time; without an offset it is the bot's local time (Europe/Kyiv).",
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "strikebot API",
            "version": "1",
            "description": "Push strike summaries to the bot and read what it stores.",
        },
        "components": {
            "schemas": _component_schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/v1/summaries": {
                "post": {
                    "summary": "Ingest one summary (live: subscribers are notified)",
                    "operationId": "ingestSummary",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("SummaryIn")}},
                    },
                    "responses": {
                        "201": _json("IngestReply", "A new summary was stored"),
                        "200": _json("IngestReply", "Known external_id: revised, or unchanged"),
                        **_errors(
                            (400, "Body unreadable, not UTF-8 or not JSON (or a number over 4,300 digits)"),
                            *_WRITE_ERRORS,
                            (408, "The body did not arrive within STRIKEBOT_API_BODY_TIMEOUT seconds"),
                            (413, f"Body over {MAX_BODY // 1024} KiB"),
                            (415, "Content-Type is not application/json"),
                            (422, "Invalid summary; each error names a field"),
                            (503, "The store is unavailable (down, disk full, read-only or I/O error)"),
                        ),
                    },
                }
            },
            "/v1/summaries/{id}/retract": {
                "post": {
                    "summary": "Retract a summary (sent alerts are edited to say so)",
                    "operationId": "retractSummary",
                    "security": [{"bearer": []}],
                    "parameters": [_SUMMARY_ID],
                    "responses": {
                        "200": _json("StrikeSummary", "The retracted summary"),
                        **_errors(*_WRITE_ERRORS, (404, "No such summary"), (503, "The store is unavailable")),
                    },
                }
            },
            "/v1/reports/parse": {
                "post": {
                    "summary": "Read a report's text (Air Force post or news) into an ingest draft; nothing is stored",
                    "description": "The parser of docs/parsing.md: offline and rule-based. The draft can be "
                    "posted to /v1/summaries as it is (add external_id and source_url when known).",
                    "operationId": "parseReport",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {
                            "name": "published",
                            "in": "query",
                            "required": False,
                            "schema": {
                                **when,
                                "description": "When the text was published; dates without a year, weekdays "
                                "and 'overnight' resolve against it. " + when["description"],
                            },
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "responses": {
                        "200": _json("ParseReply", "The draft and what could not be read cleanly"),
                        **_errors(
                            (400, "Body unreadable or not UTF-8"),
                            *_WRITE_ERRORS,
                            (408, "The body did not arrive within STRIKEBOT_API_BODY_TIMEOUT seconds"),
                            (413, f"Body over {MAX_BODY // 1024} KiB"),
                            (415, "Content-Type is not text/plain (UTF-8)"),
                            (422, "The text holds no report (the message says what was missing), or a bad published"),
                        ),
                    },
                }
            },
            "/v1/summaries/latest": {
                "get": {
                    "summary": "The newest active summaries, newest period_end first",
                    "operationId": "latestSummaries",
                    "parameters": [
                        {
                            "name": "n",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LATEST, "default": 5},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "As `strikebot latest --json`",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": _ref("StrikeSummary")}
                                }
                            },
                        },
                        **_errors((422, "Bad n"), (503, "The store is unavailable")),
                    },
                }
            },
            "/v1/summaries/{id}": {
                "get": {
                    "summary": "One summary",
                    "operationId": "getSummary",
                    "parameters": [_SUMMARY_ID],
                    "responses": {
                        "200": _json("StrikeSummary", "The summary"),
                        **_errors((404, "No such summary"), (503, "The store is unavailable")),
                    },
                }
            },
            "/v1/stats": {
                "get": {
                    "summary": "Totals of active summaries whose period_end is in [since, until)",
                    "operationId": "stats",
                    "parameters": [
                        {"name": "since", "in": "query", "required": False, "schema": when},
                        {"name": "until", "in": "query", "required": False, "schema": when},
                        {
                            "name": "region",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "description": "Region name, alias or id"},
                        },
                    ],
                    "responses": {
                        "200": _json("Stats", "As `strikebot stats --json`"),
                        **_errors((422, "Bad since, until or region"), (503, "The store is unavailable")),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness: the store answers and can write, and the transports started",
                    "description": "Also lists each followed source (STRIKEBOT_SOURCES) with its last poll; "
                    "a failing source shows as `failing` there and leaves the answer 200.",
                    "operationId": "health",
                    "responses": {
                        "200": _json("HealthReply", "Healthy (followed sources may still be failing)"),
                        "503": _json("HealthReply", "Store down or unable to write (disk full, read-only, file gone), or transports down"),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "operationId": "metrics",
                    "responses": {
                        "200": {
                            "description": "Prometheus text exposition format",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
    }
