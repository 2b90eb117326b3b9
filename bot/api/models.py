"""What the HTTP API answers: its limits and reply models (the OpenAPI document is built from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from handlers.ingest.schema import SummaryIn

MAX_BODY = 256 * 1024
# seconds a client has to send its whole body (STRIKEBOT_API_BODY_TIMEOUT)
BODY_TIMEOUT = 30.0
MAX_LATEST = 100


class ErrorItem(BaseModel):
    """One problem: `loc` is the dotted path of the bad field or parameter ("" for the whole body)."""

    model_config = ConfigDict(extra="forbid")

    loc: str
    msg: str


class ErrorReply(BaseModel):
    """Every 4xx/5xx answer of the API."""

    model_config = ConfigDict(extra="forbid")

    errors: list[ErrorItem]


class IngestReply(BaseModel):
    """What POST /v1/summaries did with the summary."""

    model_config = ConfigDict(extra="forbid")

    id: int
    revision: int
    status: Literal["created", "revised", "unchanged"]


class SourceHealth(BaseModel):
    """One followed source (STRIKEBOT_SOURCES) as its last polls left it."""

    model_config = ConfigDict(extra="forbid")

    url: str
    status: Literal["ok", "failing", "waiting"]
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    posts_seen: int


class HealthReply(BaseModel):
    """GET /healthz: ok only when both the store and the transports are up; a failing source is listed, not fatal."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok", "unavailable"]
    store: bool
    transports: bool
    sources: list[SourceHealth] = []


class ParseReply(BaseModel):
    """POST /v1/reports/parse: the draft a report's text yields (nothing stored) and what could not be read cleanly."""

    model_config = ConfigDict(extra="forbid")

    summary: SummaryIn
    warnings: list[str]
