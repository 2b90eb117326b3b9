"""The `strikebot` command line (docs/design.md "CLI" contract)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import traceback
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.cli.output import latest_table, source_dict, stats_text, status_text
from bot.cli.parse import UnreadableText, add_parse_command, run_parse
from bot.cluster.instances import leader_of
from bot.cluster.report import instance_dicts, instances_text, read_instances
from bot.logging_redact import Redactor
from bot.settings import Settings
from handlers.csv_import import CsvFormatError, import_csv
from handlers.ingest import IngestError, ingest_payload
from handlers.parser import NoReport
from handlers.serialize import QueryError, parse_region, parse_when, stats_to_dict, summaries_to_list
from storage import open_store
from storage.errors import StoreError
from storage.factory import sqlite_path
from storage.sources import followed_sources


class CliError(Exception):
    """A one-line error for the user; exit code 1 (2 for usage)."""


def _version() -> str:
    try:
        return version("strikebot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strikebot", description="Strike alert bot for Telegram and Discord.")
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="print the version and exit"
    )
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument("--db", metavar="URL", help="database URL (else STRIKEBOT_DATABASE_URL, else sqlite:///strikebot.db)")
    region = "only reports naming this region: a name, Ukrainian name, alias or id (Kyiv, Київ, odesa)"
    as_json = "print JSON instead of a table"
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", parents=[db], help="run the bot: transports, HTTP API, dispatcher")
    ingest = sub.add_parser("ingest", parents=[db], help="ingest a JSON summary or array (live: notifies)")
    ingest.add_argument("path", metavar="PATH|-", help="a JSON file with one summary or an array; - reads stdin")
    imp = sub.add_parser("import-csv", parents=[db], help="import the dataset CSV as silent history")
    imp.add_argument("path", metavar="PATH", help="the dataset's CSV file, plain or .csv.gz")
    latest = sub.add_parser("latest", parents=[db], help="the newest summaries")
    latest.add_argument("-n", type=int, default=5, metavar="N", help="how many, 1 to 1000 (default 5)")
    latest.add_argument("--region", metavar="R", help=region)
    latest.add_argument("--json", action="store_true", help=as_json)
    stats = sub.add_parser("stats", parents=[db], help="totals over a window")
    when = "ISO 8601 date or time; without an offset in STRIKEBOT_TIMEZONE"
    stats.add_argument("--since", metavar="T", help=f"from this moment on (inclusive): {when}")
    stats.add_argument("--until", metavar="T", help=f"up to this moment (exclusive): {when}")
    stats.add_argument("--region", metavar="R", help=region)
    stats.add_argument("--json", action="store_true", help=as_json)
    status = sub.add_parser("status", parents=[db], help="subscriptions, the delivery queue and followed sources")
    status.add_argument("--json", action="store_true", help=as_json)
    add_parse_command(sub, db)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    try:
        settings = Settings.from_environment()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "STRIKEBOT_" + str(err["loc"][0]).upper() if err["loc"] else "settings"
        raise CliError(f"{name}: {err['msg']}") from None
    if args.db:
        settings = settings.model_copy(update={"database_url": args.db})
    return settings


def _read_json(path: str) -> Any:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None


def _existing_database(settings: Settings) -> str:
    """The database URL for a read-only command; a missing SQLite file is an error, not created.

    Opening a store creates the file (and its folders) and applies the
    migrations, which a command that only reads must not do to a typo.
    """
    url = settings.database_url
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        if path != ":memory:" and not Path(path).is_file():
            raise CliError(
                f"no database at {path} (pass --db or set STRIKEBOT_DATABASE_URL; "
                "strikebot run, ingest and import-csv create it)"
            )
    return url


async def _ingest(settings: Settings, args: argparse.Namespace) -> None:
    payload = _read_json(args.path)
    # the bot's expander queues what the first chunk leaves (polling, or woken on PostgreSQL)
    async with open_store(settings.database_url, first_chunk=settings.delivery_fanout_first_chunk) as store:
        outcomes = await ingest_payload(store, payload, notify=True)
    for o in outcomes:
        print(f"{o.status} id={o.id} revision={o.revision} deliveries={o.deliveries}")


async def _import_csv(settings: Settings, args: argparse.Namespace) -> None:
    path = Path(args.path)
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    async with open_store(settings.database_url) as store:
        report = await import_csv(store, path)
    for line, reason in report.skipped:
        print(f"{path}: line {line}: skipped: {reason}", file=sys.stderr)
    if report.skipped_total > len(report.skipped):
        print(f"{path}: {report.skipped_total - len(report.skipped):,} more rows skipped, not listed", file=sys.stderr)
    for line, reason in report.warnings:
        print(f"{path}: line {line}: warning: {reason}", file=sys.stderr)
    if report.warnings_total > len(report.warnings):
        print(f"{path}: {report.warnings_total - len(report.warnings):,} more warnings, not listed", file=sys.stderr)
    print(
        f"{report.rows:,} rows → {report.summaries:,} summaries: {report.created:,} new, "
        f"{report.revised:,} revised, {report.unchanged:,} unchanged; "
        f"{report.skipped_total:,} rows skipped, {report.warnings_total:,} warnings"
    )


async def _latest(settings: Settings, args: argparse.Namespace) -> None:
    if not 1 <= args.n <= 1000:
        raise CliError("-n: must be between 1 and 1000")
    region = parse_region(args.region, loc="--region") if args.region else None
    async with open_store(_existing_database(settings)) as store:
        found = await store.latest(args.n, region=region)
    if args.json:
        print(json.dumps(summaries_to_list(found), ensure_ascii=False, indent=2))
    else:
        print(latest_table(found, settings.tz))


async def _stats(settings: Settings, args: argparse.Namespace) -> None:
    tz = settings.tz
    since = parse_when(args.since, tz, loc="--since") if args.since else None
    until = parse_when(args.until, tz, loc="--until") if args.until else None
    region = parse_region(args.region, loc="--region") if args.region else None
    if since and until and until < since:
        raise CliError("--until: before --since")
    async with open_store(_existing_database(settings)) as store:
        stats = await store.stats(since=since, until=until, region=region)
    if args.json:
        print(json.dumps(stats_to_dict(stats), ensure_ascii=False))
    else:
        print(stats_text(stats, tz))


async def _status(settings: Settings, args: argparse.Namespace) -> None:
    async with open_store(_existing_database(settings)) as store:
        figures = await store.outbox_figures(now=datetime.now(UTC))
        counts, queue, summaries = figures.subscriptions, figures.queue, figures.summaries
        sources = followed_sources(await store.source_states(), settings.sources)
    instances = await read_instances(settings.database_url)
    if args.json:
        print(
            json.dumps(
                {
                    "summaries": summaries,
                    "subscriptions": counts,
                    "queue": queue.model_dump(),
                    "sources": [source_dict(s) for s in sources],
                    "instances": instance_dicts(instances),
                    "leader": (leader.id if (leader := leader_of(instances)) else None),
                }
            )
        )
        return
    print(status_text(summaries, counts, queue, sources, settings.tz))
    for line in instances_text(instances, datetime.now(UTC)):
        print(line)


async def _parse(settings: Settings, args: argparse.Namespace) -> None:
    run_parse(args)


async def _run(settings: Settings, args: argparse.Namespace) -> None:
    # python-telegram-bot 22 warns (PTBDeprecationWarning) on every RetryAfter it builds unless
    # opted into timedelta durations; the opt-in is only an environment variable read anywhere
    # in the library, so it is set once for the process here, not by a transport's constructor
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    from bot.app import run_app

    await run_app(settings)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None]]] = {
    "run": _run,
    "ingest": _ingest,
    "import-csv": _import_csv,
    "latest": _latest,
    "stats": _stats,
    "status": _status,
    "parse": _parse,
}


def _redactor(settings: Settings | None) -> Redactor:
    # without settings (unreadable) the redactor still masks any URL's password and token-shaped text
    return Redactor(settings.secrets() if settings is not None else ())


def _crash(command: str, exc: BaseException, settings: Settings | None) -> None:
    """Report an error no command handled: one masked line on stderr (the masked traceback first on request)."""
    redact = _redactor(settings)
    if os.environ.get("STRIKEBOT_TRACEBACK") == "1":
        print(redact("".join(traceback.format_exception(exc))), end="", file=sys.stderr)
    # masked before the whitespace is folded, so a secret is matched as written; folded because a
    # driver's message may run over lines (DETAIL:, HINT:) and the contract is one line
    message = " ".join(redact(str(exc)).split())
    what = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    print(f"strikebot {command}: error: {what}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `strikebot` console script."""
    args = _parser().parse_args(argv)
    settings: Settings | None = None
    try:
        settings = _settings(args)
        asyncio.run(COMMANDS[args.command](settings, args))
    except (CliError, IngestError, QueryError, CsvFormatError, StoreError, NoReport, UnreadableText) as exc:
        # a driver's error may quote the database URL: its password and the tokens are masked
        print(f"strikebot {args.command}: error: {_redactor(settings)(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except (Exception, asyncio.CancelledError) as exc:
        # anything else (a bug, a driver's ValueError on a URL's bad port) would print a raw
        # traceback, whose lines can quote the database URL or a token: one masked line instead
        _crash(args.command, exc, settings)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
