"""Ingest: the JSON contract's schema and the path from a payload to the store."""

from handlers.ingest.payload import (
    IngestError,
    ingest_payload,
    ingest_summary,
    normalise,
    parse_many,
    parse_summary,
)

__all__ = ["IngestError", "ingest_payload", "ingest_summary", "normalise", "parse_many", "parse_summary"]
