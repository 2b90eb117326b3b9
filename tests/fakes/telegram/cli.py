"""Run the fake Bot API as its own process: `python -m tests.fakes.telegram.api --port N`.

The first line on stdout is the server root URL. GET /_fake/stats gives counters,
GET /_fake/send_times the arrival time of each successful sendMessage,
POST /_fake/reset clears them, POST /_fake/inject and /_fake/limits script faults and limits.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import signal

from tests.fakes.telegram.api import DEFAULT_TOKEN, FakeBotAPI
from tests.fakes.telegram.faults import Limits


async def _serve(args: argparse.Namespace) -> None:
    limits = None
    if args.enforce_limits:
        limits = Limits(global_per_second=args.global_rate or None, paid_per_second=args.paid_rate or None)
    fake = FakeBotAPI(args.token, host=args.host, port=args.port, store_texts=not args.no_store,
                      record=not args.no_record, limits=limits, any_token=args.any_token,
                      latency=args.latency_ms / 1000)
    async with fake:
        # each call's arrival is stamped when its handler runs, and the limits count those stamps:
        # a pause of this process's own collector (30-150 ms with 10,000 recorded calls) stamped
        # the calls that came in meanwhile together, a burst the client never sent
        gc.collect()
        gc.freeze()
        gc.set_threshold(100_000, 50, 100)
        print(fake.root, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Run the fake as its own process; prints its root URL on the first line of stdout."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.telegram.api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--any-token", action="store_true", help="accept every bot token")
    parser.add_argument("--no-store", action="store_true", help="do not keep message texts")
    parser.add_argument("--no-record", action="store_true", help="keep counters only, no calls")
    parser.add_argument("--enforce-limits", action="store_true",
                        help="answer 429 like Telegram past 1/s per private chat, 20/min per group")
    parser.add_argument("--global-rate", type=int, default=30,
                        help="with --enforce-limits: messages/s for the whole bot (0 = no cap)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="every answer takes this long after the call arrived (a distant server)")
    parser.add_argument("--paid-rate", type=int, default=1000,
                        help="with --enforce-limits: paid broadcasts (allow_paid_broadcast) per second (0 = no cap)")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
