"""Property: a random summary written out as an Air Force post (Ukrainian) or a news report (English) parses back to its figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.parser import parse_report

UK_MONTHS = ("січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
# catalog model → (Ukrainian class adjective stem, Ukrainian spelling, English class, English spelling)
MISSILES = {
    "Iskander-M": ("балістичн", "Іскандер-М", "ballistic", "Iskander-M"),
    "X-101/X-555": ("крилат", "Х-101", "cruise", "Kh-101"),
    "Kalibr": ("крилат", "Калібр", "cruise", "Kalibr"),
    "X-47 Kinzhal": ("аеробалістичн", "Кинджал", "aeroballistic", "Kinzhal"),
    "X-22 and X-32": ("крилат", "Х-22/32", "cruise", "Kh-22/32"),
    "X-59/X-69": ("керован", "Х-59/69", "guided", "Kh-59/69"),
    "P-800 Oniks": ("протикорабельн", "Онікс", "anti-ship", "Oniks"),
}
DRONES = {
    "Shahed-136/131": ("Shahed", "Shahed"),
    "Shahed-136/131 and Gerbera": ("Shahed, Гербера", "Shahed and Gerbera"),
}
REGIONS = {"odesa": ("Одещина", "Odesa"), "kyiv": ("Київщина", "Kyiv"), "kharkiv": ("Харківщина", "Kharkiv"), "lviv": ("Львівщина", "Lviv"), "sumy": ("Сумщина", "Sumy")}
# instrumental (launched by …) and accusative (shot down …) number words the Air Force writes for small counts
UK_INSTRUMENTAL = {1: "однією", 2: "двома", 3: "трьома", 4: "чотирма", 5: "п'ятьма", 6: "шістьма", 7: "сімома", 8: "вісьмома", 9: "дев'ятьма", 10: "десятьма"}
UK_ACCUSATIVE = {1: "одну", 2: "дві", 3: "три", 4: "чотири", 5: "п'ять", 6: "шість", 7: "сім", 8: "вісім", 9: "дев'ять"}
EN_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "a dozen"}


@dataclass
class Weapon:
    model: str
    launched: int
    destroyed: int = 0
    suppressed: int = 0
    unsplit: int = 0


@dataclass
class Summary:
    night: date
    start: time
    end: time
    weapons: list[Weapon]
    split: bool
    hits: int | None
    debris: int | None
    killed: int | None
    injured: int | None
    regions: list[str] = field(default_factory=list)
    words: bool = False


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    split = draw(st.booleans())
    weapons = []
    drone_model = draw(st.sampled_from(sorted(DRONES)))
    launched = draw(st.integers(1, 900))
    gone = draw(st.integers(0, launched))
    if split:
        destroyed = draw(st.integers(0, gone))
        weapons.append(Weapon(drone_model, launched, destroyed=destroyed, suppressed=gone - destroyed))
    else:
        weapons.append(Weapon(drone_model, launched, unsplit=gone))
    for model in draw(st.lists(st.sampled_from(sorted(MISSILES)), unique=True, max_size=3)):
        fired = draw(st.integers(1, 40))
        down = draw(st.integers(0, fired))
        weapons.append(Weapon(model, fired, destroyed=down) if split else Weapon(model, fired, unsplit=down))
    draw(st.randoms()).shuffle(weapons)
    maybe = st.none() | st.integers(0, 60)
    return Summary(
        night=draw(st.dates(date(2023, 1, 1), date(2026, 12, 31))),
        start=time(draw(st.integers(17, 21)), draw(st.sampled_from([0, 30]))),
        end=time(draw(st.integers(5, 10)), draw(st.sampled_from([0, 15, 30, 45]))),
        weapons=weapons,
        split=split,
        hits=draw(maybe),
        debris=draw(maybe),
        killed=draw(maybe.filter(lambda n: n != 0)),
        injured=draw(maybe.filter(lambda n: n != 0)),
        regions=draw(st.lists(st.sampled_from(sorted(REGIONS)), unique=True, max_size=3)),
        words=draw(st.booleans()),
    )


def uk_count(n: int, words: bool, table: dict[int, str]) -> str:
    return table[n] if words and n in table else str(n)


def uk_missile(w: Weapon, n: int, *, instrumental: bool, words: bool) -> str:
    stem, name, _, _ = MISSILES[w.model]
    if instrumental:
        ending = ("ою ракетою", "ими ракетами")[n != 1]
        return f"{uk_count(n, words, UK_INSTRUMENTAL)} {stem}{ending} {name}"
    ending = "у ракету" if n == 1 else "і ракети" if 2 <= n % 100 <= 4 and not 12 <= n % 100 <= 14 else "их ракет"
    return f"{uk_count(n, words, UK_ACCUSATIVE)} {stem}{ending} {name}"


def air_force_post(s: Summary) -> str:
    first = s.night - timedelta(days=1)
    total = sum(w.destroyed + w.suppressed + w.unsplit for w in s.weapons)
    lines = [f"⚡️ЗБИТО/ПОДАВЛЕНО {total} ЦІЛЕЙ", ""]
    launched = []
    for w in s.weapons:
        if w.model in DRONES:
            launched.append(f"{uk_count(w.launched, s.words, UK_INSTRUMENTAL)} ударними БпЛА типу {DRONES[w.model][0]}")
        else:
            launched.append(uk_missile(w, w.launched, instrumental=True, words=s.words))
    lines.append(
        f"У ніч на {s.night.day} {UK_MONTHS[s.night.month - 1]} (з {s.start:%H:%M} {first.day} {UK_MONTHS[first.month - 1]}) "
        f"противник атакував {', '.join(launched[:-1]) + ' та ' if len(launched) > 1 else ''}{launched[-1]} із напрямків: Курськ, Орел.\n"
    )
    lines.append(f"За попередніми даними, станом на {s.end:%H:%M} протиповітряною обороною збито/подавлено {total} цілей:")
    for w in s.weapons:
        if s.split:
            if w.model in DRONES:
                if w.destroyed:
                    lines.append(f"- {w.destroyed} ворожих БпЛА збито;")
                if w.suppressed:
                    lines.append(f"- {w.suppressed} ворожих БпЛА локаційно втрачено;")
            elif w.destroyed:
                lines.append(f"- {uk_missile(w, w.destroyed, instrumental=False, words=s.words)} збито;")
        elif w.unsplit:
            what = f"{w.unsplit} ворожих БпЛА" if w.model in DRONES else uk_missile(w, w.unsplit, instrumental=False, words=s.words)
            lines.append(f"- {what};")
    lines.append("")
    if s.hits is not None:
        impact = f"Зафіксовано влучання на {s.hits} локаціях"
        if s.debris is not None:
            impact += f", а також падіння збитих (уламки) на {s.debris} локаціях"
        lines.append(impact + ".")
    elif s.debris is not None:
        lines.append(f"Зафіксовано падіння уламків на {s.debris} локаціях.")
    if s.regions:
        lines.append("Основні напрямки удару - " + ", ".join(REGIONS[r][0] for r in s.regions) + ".")
    if s.killed is not None:
        lines.append(f"Внаслідок атаки загинули {s.killed} людей.")
    if s.injured is not None:
        lines.append(f"Поранення отримали {s.injured} людей." if s.words else f"Ще {s.injured} людей поранені.")
    lines.append("Атака триває, в повітряному просторі кілька ворожих БпЛА. Тримаймо небо!")
    return "\n".join(lines)


def en_count(n: int, words: bool) -> str:
    return EN_WORDS[n] if words and n in EN_WORDS else str(n)


def en_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def news_report(s: Summary) -> str:
    first = s.night - timedelta(days=1)
    parts = []
    for w in s.weapons:
        if w.model in DRONES:
            parts.append(f"{en_count(w.launched, s.words)} {DRONES[w.model][1]} drones")
        else:
            parts.append(f"{en_count(w.launched, s.words)} {MISSILES[w.model][3]} {MISSILES[w.model][2]} missiles")
    text = [
        f"Russia launched {en_list(parts)} at Ukraine from {s.start:%H:%M} on {EN_MONTHS[first.month - 1]} {first.day} "
        f"until {s.end:%H:%M} on {EN_MONTHS[s.night.month - 1]} {s.night.day}, the Air Force said."
    ]
    down = []
    lost = []
    for w in s.weapons:
        if w.suppressed:
            lost.append(f"{w.suppressed} more drones were lost from radar")
        figure = w.destroyed if s.split else w.unsplit
        if not figure:
            continue
        what = "drones" if w.model in DRONES else f"{MISSILES[w.model][3]} missiles"
        down.append(f"{en_count(figure, s.words)} {what}")
    verb = "shot down" if s.split else "intercepted"
    if down:
        text.append(f"Air defenses {verb} {en_list(down)}" + (f", while {lost[0]}." if lost else "."))
    elif lost:
        text.append(f"{lost[0][:1].upper()}{lost[0][1:].replace(' more', '')}.")
    if s.hits is not None:
        text.append(f"Strikes hit {s.hits} locations.")
    if s.debris is not None:
        text.append(f"Debris fell at {s.debris} locations.")
    if s.regions:
        text.append("Explosions were reported in " + en_list([f"the {REGIONS[r][1]} region" for r in s.regions]) + ".")
    if s.killed is not None:
        text.append(f"The attack killed {s.killed} people.")
    if s.injured is not None:
        text.append(f"Another {s.injured} people were injured.")
    text.append("The war began in February 2022, and the capital has been hit 12 times since June.")
    return " ".join(text)


def check(s: Summary, text: str) -> None:
    published = datetime.combine(s.night, time(11, 0))
    draft = parse_report(text, published).draft
    first = s.night - timedelta(days=1)
    assert draft["period_start"].startswith(f"{first:%Y-%m-%d}T{s.start:%H:%M}"), text
    assert draft["period_end"].startswith(f"{s.night:%Y-%m-%d}T{s.end:%H:%M}"), text
    got = {w["model"]: w for w in draft["weapons"]}
    assert sorted(got) == sorted(w.model for w in s.weapons), text
    for w in s.weapons:
        g = got[w.model]
        assert (g["launched"], g.get("destroyed", 0), g.get("suppressed", 0), g.get("neutralized_unsplit", 0)) == (
            w.launched,
            w.destroyed,
            w.suppressed,
            w.unsplit,
        ), text
    assert "neutralized_unsplit" not in draft, text
    for key, value in (("hit_locations", s.hits), ("debris_locations", s.debris), ("killed", s.killed), ("injured", s.injured)):
        assert draft.get(key) == value, (key, text)
    assert draft.get("regions", []) == s.regions, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_air_force_post_parses_back(s: Summary) -> None:
    check(s, air_force_post(s))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_news_report_parses_back(s: Summary) -> None:
    check(s, news_report(s))
