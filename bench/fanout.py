"""Fan-out benchmark: one alert to many Telegram chats through the fake Bot API (issues 4 and 15).

Mode "fast" (limits off, STRIKEBOT_TELEGRAM_RATE=0), for each of --chats (2,000 and
10,000 by default), against one fake that records every call as a test double does:
  - the bot: subscriptions in SQLite, one ingest, the dispatcher sending through
    python-telegram-bot; measured from the ingest call to the last sendMessage;
  - bare: an aiohttp client POSTing the same sendMessage bodies to the same fake
    with the same concurrency, the most a Python sender reaches on this machine;
  - Apprise (NotifyTelegram), one URL per chat.
Each contender runs in its own process, so the CPU seconds it used per 1,000
delivered messages are its own. The bot and bare take turns --repeat times (3)
and each is reported by its median run. Printed: msg/s, bot/bare, bot/Apprise, and
the gap split in two: the time each took to its first 500 sends (the start of a fan-out)
and bot/bare from there to the last send (the rate held once running).
Mode "paced": default 30/s, the fake answering 429 like Telegram.
Mode "paid": paid broadcasts (allow_paid_broadcast) at 1,000/s, the fake enforcing
1,000/s for such sends and the per-chat limits.

Targets: bot >= 0.85x bare and >= 3x Apprise; first message <= 200 ms; RSS <= 150 MB;
paced >= 95% of the limit with 0 429s; paid >= 950 msg/s with 0 429s.
Run: .venv/bin/python bench/fanout.py [--chats 2000,10000] [--paced-chats 300]
     [--paid-chats 10000] [--mode all|fast|paced|paid] [--repeat 3] [--default-gc]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.contenders import START_SENDS, apprise_fan_out, bare_fan_out, bot_fan_out
from bench.fake_bot_api import FakeServer

PAID_RATE = 1000.0


def line(name: str, value: float, unit: str, target: str = "") -> None:
    """One figure, aligned."""
    print(f"  {name:<38} {value:>10,.{2 if abs(value) < 10 else 1}f} {unit:<6} {target}", flush=True)


def run_contender(args: argparse.Namespace) -> None:
    """Child process: run one contender and print its figures as one JSON line."""
    with tempfile.TemporaryDirectory(prefix="strikebot-fanout-") as tmp:
        if args.contender == "bot":
            result = asyncio.run(bot_fan_out(args.root, args.chats, args.rate, args.paid, Path(tmp),
                                             default_gc=args.default_gc))
        elif args.contender == "bare":
            result = asyncio.run(bare_fan_out(args.root, args.chats, Path(tmp)))
        else:
            result = apprise_fan_out(args.root, args.chats)
    print(json.dumps(result), flush=True)


def contender(
    name: str, root: str, chats: int, *, rate: float = 0.0, paid: bool = False, default_gc: bool = False
) -> dict[str, float]:
    """Run one contender in a fresh process and read its figures."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--contender", name, "--root", root,
           "--chats", str(chats), "--rate", str(rate)]
    if paid:
        cmd.append("--paid")
    if default_gc:
        cmd.append("--default-gc")
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --- modes ------------------------------------------------------------------------------

def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median rate, and the range of rates beside it."""
    ordered = sorted(runs, key=lambda r: r["rate"])
    return {**ordered[len(ordered) // 2], "rate_low": ordered[0]["rate"], "rate_high": ordered[-1]["rate"]}


def fast(chats: int, repeat: int, default_gc: bool = False) -> None:
    """Limits off: the bot, bare aiohttp and Apprise against one recording fake.

    The bot and the bare client take turns `repeat` times (a busy moment of the
    machine then hits both) and each is reported by its median run.
    """
    with FakeServer() as fake:
        print(f"fan-out to {chats:,} chats, limits off (STRIKEBOT_TELEGRAM_RATE=0), fake records every call"
              f"; bot and bare {repeat}× each, in turn")
        turns = [(contender("bot", fake.root, chats, default_gc=default_gc), contender("bare", fake.root, chats)) for _ in range(repeat)]
        ours, bare = _median_run([b for b, _ in turns]), _median_run([a for _, a in turns])
        theirs = contender("apprise", fake.root, chats)
    line("bot: sendMessage delivered", ours["sent"], "msgs", f"of {chats:,}")
    line("bot: ingest → last sendMessage", ours["rate"], "msg/s")
    line("bot: ingest → first sendMessage", ours["first_ms"], "ms", "target <= 200")
    line("bot: peak RSS", ours["rss_mb"], "MB", "target <= 150")
    line("bare aiohttp: first → last POST", bare["rate"], "msg/s", f"{bare['sent']:,.0f} delivered")
    line(f"Apprise {_apprise_version()}", theirs["rate"], "msg/s", f"{theirs['sent']:,.0f} delivered")
    line("bot: median run's range", ours["rate_low"], "msg/s", f"to {ours['rate_high']:,.0f}")
    line("bare: median run's range", bare["rate_low"], "msg/s", f"to {bare['rate_high']:,.0f}")
    line("bot / bare (medians)", ours["rate"] / max(1e-9, bare["rate"]), "x", "target >= 0.85")
    # each turn's two runs are seconds apart and share the host's mood of the moment: the ratio
    # within a turn moves less than either rate when the host's speed drifts between turns
    paired = sorted(b["rate"] / max(1e-9, a["rate"]) for b, a in turns)
    line("bot / bare (median of turn ratios)", paired[len(paired) // 2], "x",
         f"turns {', '.join(f'{r:.2f}' for r in paired)}")
    # the gap split: how long each took to its first START_SENDS sends (the bot's ingest and first
    # claims; both open their connections at once), and the rate each held from there on
    line(f"start → {START_SENDS}th send: bot", ours["start_ms"], "ms", f"bare {bare['start_ms']:,.0f} ms")
    line(f"bot / bare after the {START_SENDS}th send", ours["rest_rate"] / max(1e-9, bare["rest_rate"]), "x",
         f"{ours['rest_rate']:,.0f} / {bare['rest_rate']:,.0f} msg/s")
    line("bot / Apprise", ours["rate"] / max(1e-9, theirs["rate"]), "x", "target >= 3")
    line("CPU s per 1,000 sent: bot", ours["cpu_per_1000"], "s")
    line("CPU s per 1,000 sent: bare", bare["cpu_per_1000"], "s")
    line("CPU s per 1,000 sent: Apprise", theirs["cpu_per_1000"], "s")
    print(f"  JSON {json.dumps({'chats': chats, 'bot': ours, 'bare': bare, 'apprise': theirs})}", flush=True)


def paced(chats: int, default_gc: bool = False) -> None:
    """The default 30/s against a fake enforcing Telegram's limits."""
    with FakeServer("--no-store", "--enforce-limits", "--global-rate", "30") as fake:
        print(f"paced fan-out to {chats:,} chats at 30/s (fake enforces Telegram limits)")
        result = contender("bot", fake.root, chats, rate=30.0, default_gc=default_gc)
    line("sendMessage delivered", result["sent"], "msgs", f"of {chats:,}")
    line("achieved rate (first → last send)", result["span_rate"], "msg/s",
         f"{result['span_rate'] / 30:.1%} of 30; target >= 95%")
    line("429 answers provoked", result["total_429"], "", "target 0")


def paid(chats: int, default_gc: bool = False) -> None:
    """Paid broadcasts at 1,000/s against a fake enforcing 1,000/s for them (30/s otherwise).

    Twice: answers at once (loopback), and answers 100 ms after each call arrived,
    as for a server far from Telegram's data centre.
    """
    for latency_ms in (0, 100):
        with FakeServer("--no-store", "--enforce-limits", "--global-rate", "30",
                        "--paid-rate", str(int(PAID_RATE)), "--latency-ms", str(latency_ms)) as fake:
            print(f"paid broadcast to {chats:,} chats at {PAID_RATE:,.0f}/s (fake enforces 1,000/s paid, "
                  f"30/s free; answers {latency_ms} ms after each call)")
            result = contender("bot", fake.root, chats, rate=PAID_RATE, paid=True, default_gc=default_gc)
        line("sendMessage delivered", result["sent"], "msgs", f"of {chats:,}")
        line("achieved rate (first → last send)", result["span_rate"], "msg/s", "target >= 950")
        line("ingest → last sendMessage", result["rate"], "msg/s")
        line("429 answers provoked", result["total_429"], "", "target 0")


def main(argv: list[str] | None = None) -> None:
    """Run the selected modes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", default="2000,10000", help="comma-separated chat counts for mode fast")
    parser.add_argument("--paced-chats", type=int, default=300)
    parser.add_argument("--paid-chats", type=int, default=10_000)
    parser.add_argument("--mode", choices=["all", "fast", "paced", "paid"], default="all")
    parser.add_argument("--repeat", type=int, default=3, help="bot and bare runs each in mode fast (median reported)")
    parser.add_argument("--default-gc", action="store_true",
                        help="run the bot with CPython's default collector settings, not bot/heap.py's (the figure before)")
    # internal: one contender in this process
    parser.add_argument("--contender", choices=["bot", "bare", "apprise"], help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--paid", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.contender:
        args.chats = int(args.chats)
        run_contender(args)
        return
    if args.mode in ("all", "fast"):
        for chats in (int(n) for n in args.chats.split(",")):
            fast(chats, args.repeat, args.default_gc)
    if args.mode in ("all", "paced"):
        paced(args.paced_chats, args.default_gc)
    if args.mode in ("all", "paid"):
        paid(args.paid_chats, args.default_gc)


def _apprise_version() -> str:
    import apprise

    return str(apprise.__version__)


if __name__ == "__main__":
    main()
