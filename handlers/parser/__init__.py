"""The offline report parser: an Air Force post or a news text → an ingest draft plus warnings."""

from handlers.parser.report import NoReport, ParseResult, parse_report

__all__ = ["NoReport", "ParseResult", "parse_report"]
