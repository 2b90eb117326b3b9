"""Benchmark the offline report parser on 2,000-character posts (target: well under 10 ms a post).

Times `parse_report` on an Air Force style post in Ukrainian and on an
English news text, each padded to 2,000 characters with the closing lines
such posts carry, and prints the best, median and p99 of repeated runs plus
the first, cold parse (regular expressions compiled, catalog read). On a
busy machine the median grows with the load; the best run is the parser's
own cost.
Usage: `.venv/bin/python bench/parse.py [--runs 500]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

from handlers.parser import parse_report

PUBLISHED = datetime(2025, 9, 12, 9, 30)
TARGET_CHARS = 2000

POST = """⚡️ЗБИТО/ПОДАВЛЕНО 212 ЦІЛЕЙ

У ніч на 12 вересня (з 18:00 11 вересня) противник атакував 231 засобом повітряного нападу:
▪️ 9 балістичними ракетами Іскандер-М/KN-23 із Курської та Воронезької обл.;
▪️ 6 крилатими ракетами Х-101 з району Енгельса;
▪️ двома керованими авіаційними ракетами Х-59/69;
▪️ 214 ударними БпЛА типу Shahed (в т.ч. реактивними), Гербера, Італмас та дронами-імітаторами типу «Пародія» — із напрямків: Брянськ, Орел, Міллерово, Приморсько-Ахтарськ, Гвардійське – ТОТ Криму.

Повітряний напад відбивали авіація, зенітні ракетні війська, підрозділи РЕБ і мобільні вогневі групи Сил оборони України.

За попередніми даними, станом на 08.30 протиповітряною обороною збито/подавлено 212 цілей:
▪️ 4 балістичні ракети Іскандер-М/KN-23;
▪️ 6 крилатих ракет Х-101;
▪️ дві ракети Х-59/69;
▪️ 200 ворожих БпЛА.

Зафіксовано влучання 5 балістичних ракет та 14 ударних БпЛА на 11 локаціях, а також падіння збитих (уламки) на 6 локаціях.
Основні напрямки удару – Київщина, Житомирщина та Сумщина.
Внаслідок атаки загинули двоє людей, ще 17 поранені.
"""

PRESS = """Russia launched 231 drones and missiles at Ukraine overnight on Friday, the Air Force said, including 214 Shahed and decoy drones, nine Iskander-M ballistic missiles, six Kh-101 cruise missiles and two Kh-59/69 guided missiles.
Air defenses shot down 150 drones, four Iskander-M missiles, six Kh-101 missiles and both Kh-59/69 missiles, while 50 more drones were lost from radar or jammed.
Strikes hit 11 locations, and debris fell at six locations. In the Kyiv region, two people were killed and 17 injured, the regional governor said.
"""

FILLER = {
    "uk": "Атака триває, в повітряному просторі кілька ворожих БпЛА. Будьте уважні та не ігноруйте повітряну тривогу! Тримаймо небо! 🇺🇦\n",
    "en": "The war began in February 2022; the capital has been hit dozens of times since, and officials urged residents to heed air raid alerts.\n",
}


def padded(text: str, filler: str) -> str:
    while len(text) < TARGET_CHARS:
        text += filler
    return text[:TARGET_CHARS]


def measure(name: str, text: str, runs: int) -> None:
    start = time.perf_counter()
    result = parse_report(text, PUBLISHED)
    cold = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        parse_report(text, PUBLISHED)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    launched = sum(w["launched"] for w in result.draft["weapons"])
    print(
        f"{name:<28} {len(text):,} chars: best {times[0]:.2f} ms, median {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, "
        f"first (cold) {cold:.1f} ms; read {launched} launched, {len(result.warnings)} warnings "
        "(target: well under 10 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    measure("Air Force post (Ukrainian)", padded(POST, FILLER["uk"]), args.runs)
    measure("news report (English)", padded(PRESS, FILLER["en"]), args.runs)


if __name__ == "__main__":
    main()
