"""`strikebot parse PATH|- [--published T]`: a report's text → one ingest JSON object on stdout (docs/design.md "Report parsing")."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers.parser import parse_report
from handlers.parser.report import KYIV
from handlers.serialize import parse_when


class UnreadableText(ValueError):
    """The text could not be read: no such file, or not UTF-8."""


def add_parse_command(sub: argparse._SubParsersAction[argparse.ArgumentParser], db: argparse.ArgumentParser) -> None:
    """Register the `parse` subcommand."""
    parse = sub.add_parser(
        "parse", parents=[db], help="read a report's text (Air Force post or news) into one ingest JSON object"
    )
    parse.add_argument("path", metavar="PATH|-", help="the report's text, UTF-8; - reads stdin")
    parse.add_argument(
        "--published",
        metavar="T",
        help="when the text was published, ISO 8601 (Kyiv time without an offset); "
        "dates without a year, weekdays and 'overnight' resolve against it",
    )


def read_text(path: str) -> str:
    """The text of a file, or of stdin for `-`."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableText(f"{path}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableText(f"{path}: not UTF-8 (byte {exc.start})") from None


def run_parse(args: argparse.Namespace) -> None:
    """Print the draft as one JSON object on stdout and each warning on its own stderr line.

    Raises NoReport when the text holds no report, QueryError for a bad --published.
    """
    kyiv = ZoneInfo(KYIV)
    published = parse_when(args.published, kyiv, loc="--published") if args.published else None
    result = parse_report(read_text(args.path), published, tz=kyiv)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(json.dumps(result.draft, ensure_ascii=False))
