"""Report texts in the formats the reference describes (written for these tests) → the figures a careful reader takes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from handlers.parser import NoReport, parse_report

TEXTS = Path(__file__).parent / "texts"


def read(name: str) -> str:
    return (TEXTS / name).read_text(encoding="utf-8")


def weapons(draft: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {w["model"]: {k: v for k, v in w.items() if k != "model"} for w in draft.get("weapons", [])}


def test_air_force_post_in_prose() -> None:
    result = parse_report(read("uk_post_prose.txt"), datetime(2025, 7, 3, 9, 0))
    d = result.draft
    assert (d["period_start"], d["period_end"]) == ("2025-07-02T18:00:00+03:00", "2025-07-03T08:30:00+03:00")
    # one bundled count of drones; the launch areas (Курськ, Брянська обл., ТОТ Криму) are not targets
    assert weapons(d) == {
        "Shahed-136/131 and Gerbera and Italmas and Parodiya": {"launched": 137, "neutralized_unsplit": 129},
        "Iskander-M and C-400": {"launched": 2},
    }
    assert d["regions"] == ["odesa", "kyiv"]
    # the hits name weapons that hit, not launches
    assert (d["hit_locations"], d["debris_locations"]) == (6, 11)
    assert "killed" not in d and "injured" not in d and "neutralized_unsplit" not in d
    assert result.warnings == []


def test_air_force_bullets_with_a_total_and_a_weapon_without_count() -> None:
    result = parse_report(read("uk_post_bullets.txt"), datetime(2025, 9, 12, 9, 0))
    d = result.draft
    assert weapons(d) == {
        "Iskander-M/KN-23": {"launched": 8, "neutralized_unsplit": 3},
        "X-101/X-555": {"launched": 4, "neutralized_unsplit": 4},
        "P-800 Oniks": {"launched": 1, "neutralized_unsplit": 1},
        "Banderol": {"launched": 5, "neutralized_unsplit": 5},
        "Shahed-136/131 and Gerbera": {"launched": 197, "neutralized_unsplit": 186},
    }
    assert d["regions"] == ["kyiv", "zhytomyr", "sumy"]
    assert (d["hit_locations"], d["debris_locations"], d["killed"], d["injured"]) == (9, 4, 3, 14)
    assert d["period_end"] == "2025-09-12T08:30:00+03:00"
    assert result.warnings == ["'крилатими ракетами Kalibr' names a weapon with no count; not counted"]


def test_headline_total_that_differs_from_the_body_keeps_the_body_and_says_so() -> None:
    result = parse_report(read("uk_post_bullets_split.txt"), datetime(2025, 7, 4, 9, 30))
    d = result.draft
    assert weapons(d) == {
        "Shahed-136/131": {"launched": 539, "destroyed": 270, "suppressed": 208},
        "Iskander-M": {"launched": 6},
        "X-101/X-555": {"launched": 5, "destroyed": 2},
    }
    assert (d["killed"], d["injured"]) == (2, 23)
    assert "the headline says 478 targets neutralized, the text 480; kept 480" in result.warnings


def test_older_post_splits_shot_down_and_lost_from_radar() -> None:
    result = parse_report(read("uk_post_old_split.txt"), datetime(2025, 1, 15, 9, 30))
    d = result.draft
    assert weapons(d) == {
        "Shahed-136/131": {"launched": 45, "destroyed": 30, "suppressed": 7},
        "Kalibr": {"launched": 3, "destroyed": 3},
    }
    assert (d["period_start"], d["period_end"]) == ("2025-01-14T19:00:00+02:00", "2025-01-15T09:00:00+02:00")
    assert d["regions"] == ["odesa"] and d["injured"] == 5
    # the headline's 40 is 30 + 3 + 7: no warning
    assert result.warnings == []


def test_did_not_reach_targets_is_suppressed_and_a_year_boundary_resolves() -> None:
    result = parse_report(read("uk_post_not_reached.txt"), datetime(2026, 1, 1, 9, 0))
    d = result.draft
    assert (d["period_start"], d["period_end"]) == ("2025-12-31T18:00:00+02:00", "2026-01-01T08:30:00+02:00")
    assert weapons(d) == {
        "Iskander-M": {"launched": 3, "destroyed": 2},
        "Shahed-136/131": {"launched": 61, "destroyed": 38, "suppressed": 12},
    }
    assert d["regions"] == ["kyiv"] and d["injured"] == 4
    assert result.warnings == []


def test_counts_in_words_in_instrumental_and_accusative() -> None:
    d = parse_report(read("uk_post_words.txt"), datetime(2025, 3, 2, 9, 0)).draft
    assert weapons(d) == {
        "Iskander-M": {"launched": 1, "neutralized_unsplit": 1},
        "X-59/X-69": {"launched": 2, "neutralized_unsplit": 2},
        "Unknown UAV": {"launched": 9, "neutralized_unsplit": 9},
    }


def test_dirt_emoji_links_hashtags_quotes_line_breaks_ordinals_and_missing_spaces() -> None:
    result = parse_report(read("uk_post_dirt.txt"), datetime(2025, 10, 21, 8, 30))
    d = result.draft
    assert weapons(d) == {"Shahed-136/131 and Gerbera": {"launched": 181, "neutralized_unsplit": 179}}
    assert (d["period_start"], d["period_end"]) == ("2025-10-20T18:00:00+03:00", "2025-10-21T08:00:00+03:00")
    assert (d["hit_locations"], d["debris_locations"]) == (2, 11)
    assert "regions" not in d
    assert result.warnings == ["the headline says 180 drones neutralized, the text 179; kept 179"]


def test_no_break_spaces_in_numbers_and_typographic_apostrophes() -> None:
    text = (
        "У ніч на 9 травня (з 18:00 8 травня) противник атакував 1\u00a0024 ударними БпЛА та п’ятьма ракетами Калібр.\n"
        "Станом на 09:00 збито/подавлено 1\u202f001 БпЛА та 5 ракет Калібр."
    )
    d = parse_report(text, datetime(2025, 5, 9, 9, 30)).draft
    assert weapons(d) == {
        "Unknown UAV": {"launched": 1024, "neutralized_unsplit": 1001},
        "Kalibr": {"launched": 5, "neutralized_unsplit": 5},
    }


def test_english_press_with_shot_down_and_lost_from_radar() -> None:
    result = parse_report(read("en_press_split.txt"), datetime(2025, 7, 4, 10, 0))
    d = result.draft
    assert weapons(d) == {
        "Shahed-136/131": {"launched": 728, "destroyed": 296, "suppressed": 415},
        "Unknown Missile": {"launched": 13, "destroyed": 7},
    }
    assert (d["period_start"], d["period_end"]) == ("2025-07-03T18:00:00+03:00", "2025-07-04T10:00:00+03:00")
    assert d["regions"] == ["kyiv-city"] and d["source"] == "Ukrainian Air Force"
    assert (d["hit_locations"], d["debris_locations"], d["killed"], d["injured"]) == (8, 33, 2, 15)
    assert result.warnings == [
        "period: 'overnight'; took the night before publication: 2025-07-03 18:00 to 2025-07-04 10:00"
    ]


def test_english_all_but_and_other_numbers_that_are_not_report_fields() -> None:
    result = parse_report(read("en_press_all_but.txt"), datetime(2025, 9, 12, 10, 0))
    d = result.draft
    assert weapons(d) == {
        "Unknown UAV": {"launched": 142, "destroyed": 123},
        "Unknown Missile": {"launched": 8, "destroyed": 5},
    }
    # "overnight on Wednesday": the night into Wednesday 10 September
    assert d["period_start"].startswith("2025-09-09T18:00") and d["period_end"].startswith("2025-09-10")
    # the war's years, an age and last week's attack on Odesa are not this report
    assert d["injured"] == 3 and "killed" not in d
    assert d["regions"] == ["lviv", "kharkiv"]


def test_english_of_and_all_of_which() -> None:
    d = parse_report(read("en_press_of.txt"), datetime(2025, 9, 12, 10, 0)).draft
    assert weapons(d) == {
        "X-47 Kinzhal": {"launched": 3, "destroyed": 3},
        "Unknown UAV": {"launched": 22, "destroyed": 15},
    }


def test_approximate_figures_are_read_with_a_warning() -> None:
    result = parse_report(read("en_press_nearly.txt"), datetime(2025, 9, 8, 12, 0))
    assert weapons(result.draft) == {"Unknown UAV": {"launched": 500, "destroyed": 420, "suppressed": 40}}
    assert "'almost 500' read as 500" in result.warnings and "'nearly 40' read as 40" in result.warnings


def test_ukrainian_press() -> None:
    result = parse_report(read("uk_press.txt"), datetime(2025, 8, 5, 11, 0))
    d = result.draft
    assert weapons(d) == {
        "Unknown UAV": {"launched": 500, "neutralized_unsplit": 460},
        "Unknown Missile": {"launched": 12, "neutralized_unsplit": 10},
    }
    assert (d["regions"], d["hit_locations"], d["killed"], d["injured"]) == (["kyiv-city"], 7, 2, 11)
    assert "'майже 500' read as 500" in result.warnings


def test_a_total_not_split_by_weapon_stays_a_total() -> None:
    text = (
        "Russia launched 539 drones and 11 missiles overnight. "
        "Ukraine's air defense intercepted 478 Russian air weapons, the Air Force said."
    )
    d = parse_report(text, datetime(2025, 7, 4, 10, 0)).draft
    assert weapons(d) == {"Unknown UAV": {"launched": 539}, "Unknown Missile": {"launched": 11}}
    assert d["neutralized_unsplit"] == 478


def test_restated_figures_that_differ_keep_the_first() -> None:
    text = (
        "Russia launched 539 drones and 11 missiles overnight. Strikes hit eight locations, "
        "with a total of nine missiles and 63 drones launched."
    )
    result = parse_report(text, datetime(2025, 7, 4, 10, 0))
    assert weapons(result.draft) == {"Unknown UAV": {"launched": 539}, "Unknown Missile": {"launched": 11}}
    assert result.draft["hit_locations"] == 8
    assert "missiles launched stated as 11 and as 9; kept 11" in result.warnings
    assert "drones launched stated as 539 and as 63; kept 539" in result.warnings


def test_detail_in_brackets_replaces_the_count_it_details() -> None:
    text = "Противник атакував 11 ракетами (6 балістичними Іскандер-М та 5 крилатими Х-101) та 40 БпЛА. Збито 35 БпЛА."
    d = parse_report(text, datetime(2025, 7, 4, 9, 0)).draft
    assert weapons(d) == {
        "Iskander-M": {"launched": 6},
        "X-101/X-555": {"launched": 5},
        "Unknown UAV": {"launched": 40, "destroyed": 35},
    }


def test_including_leaves_the_rest_unnamed() -> None:
    text = "Russia fired 13 missiles, including six Kinzhal, and 40 drones overnight."
    d = parse_report(text, datetime(2025, 7, 4, 9, 0)).draft
    assert weapons(d) == {
        "X-47 Kinzhal": {"launched": 6},
        "Unknown Missile": {"launched": 7},
        "Unknown UAV": {"launched": 40},
    }


def test_neutralized_more_than_launched_is_kept_as_a_total() -> None:
    text = "Противник атакував 10 ударними БпЛА. Збито 12 БпЛА."
    result = parse_report(text, datetime(2025, 7, 4, 9, 0))
    assert weapons(result.draft) == {"Unknown UAV": {"launched": 10}}
    assert result.draft["neutralized_unsplit"] == 12
    assert any("12 neutralized but 10 launched" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("Hello, the weather in Kyiv is fine today.", "no launched or neutralized figures"),
        ("У ніч на 3 липня у Києві загинули двоє людей.", "no launched or neutralized figures"),
        ("Тримаймо небо! 🇺🇦 #ППО", "no launched or neutralized figures"),
    ],
)
def test_a_text_with_no_report_says_what_is_missing_in_one_line(text: str, needle: str) -> None:
    with pytest.raises(NoReport) as info:
        parse_report(text, datetime(2025, 7, 4, 9, 0))
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_parsing_is_deterministic() -> None:
    text = read("uk_post_bullets.txt")
    first = parse_report(text, datetime(2025, 9, 12, 9, 0))
    assert all(parse_report(text, datetime(2025, 9, 12, 9, 0)) == first for _ in range(3))


def test_a_count_of_several_kinds_is_a_total_detailed_after_including() -> None:
    text = (
        "Russia launched 231 drones and missiles overnight, including 214 Shahed drones, nine Iskander-M "
        "ballistic missiles and eight Kh-101 cruise missiles. Air defenses shot down 150 drones, "
        "all eight Kh-101 missiles and two of the Iskander-M."
    )
    result = parse_report(text, datetime(2025, 9, 12, 10, 0))
    assert weapons(result.draft) == {
        "Shahed-136/131": {"launched": 214, "destroyed": 150},
        "Iskander-M": {"launched": 9, "destroyed": 2},
        "X-101/X-555": {"launched": 8, "destroyed": 8},
    }
    assert not any("launched" in w for w in result.warnings)


@pytest.mark.parametrize(
    "sentence",
    [
        "Збили або придушили 57.",
        "Збили або придушили 57 БпЛА.",
        "Збито/подавлено 57 БпЛА.",
        "Збито або подавлено 57.",
        "Збили чи подавили 57 БпЛА.",
        "Збито та придушено 57 БпЛА.",
        "57 БпЛА збито або подавлено.",
        "Знешкоджено (збито та подавлено) 57.",
        "Знешкоджено (збито та подавлено) 57 БпЛА.",
        "Збито/подавлено засобами ППО та РЕБ 57 БпЛА.",
        "Air defences shot down or suppressed 57.",
        "57 drones were shot down or suppressed.",
        "57 drones were shot down and suppressed.",
        "57 drones were shot down/suppressed.",
        "57 drones were downed or jammed.",
        "57 drones were shot down or locationally lost.",
        "57 drones were neutralized (shot down or suppressed).",
    ],
)
def test_shot_down_or_suppressed_together_is_an_unsplit_neutralized_count(sentence: str) -> None:
    text = f"Противник атакував 60 ударними БпЛА. {sentence}"
    assert weapons(parse_report(text, datetime(2025, 7, 4, 9, 0)).draft) == {
        "Unknown UAV": {"launched": 60, "neutralized_unsplit": 57}
    }


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("Збито 57 БпЛА.", "destroyed"),
        ("57 drones were shot down.", "destroyed"),
        ("Подавлено 57 БпЛА.", "suppressed"),
        ("Придушено 57 БпЛА.", "suppressed"),
        ("Локаційно втрачено 57 БпЛА.", "suppressed"),
        ("57 drones were suppressed.", "suppressed"),
        ("57 drones were locationally lost.", "suppressed"),
    ],
)
def test_a_verb_alone_says_shot_down_or_suppressed(sentence: str, role: str) -> None:
    text = f"Противник атакував 60 ударними БпЛА. {sentence}"
    assert weapons(parse_report(text, datetime(2025, 7, 4, 9, 0)).draft) == {"Unknown UAV": {"launched": 60, role: 57}}


@pytest.mark.parametrize(
    ("sentence", "hits", "debris"),
    [
        ("Debris fell at three locations.", None, 3),
        ("Debris fell at three.", None, 3),
        ("Уламки впали на трьох локаціях.", None, 3),
        ("Уламки впали на трьох.", None, 3),
        ("Зафіксовано падіння уламків на 3, влучання на 2.", 2, 3),
        ("Hits were recorded at two locations, and debris fell at three.", 2, 3),
        ("Debris fell at 3 a.m. in Kyiv.", None, None),
        ("Debris fell on 2 houses.", None, None),
    ],
)
def test_hit_and_debris_locations_with_or_without_the_word_locations(sentence: str, hits: int | None, debris: int | None) -> None:
    d = parse_report(f"Russia launched 60 drones. {sentence}", datetime(2025, 7, 4, 9, 0)).draft
    assert (d.get("hit_locations"), d.get("debris_locations")) == (hits, debris)
