"""The shipped catalog: Ukrainian and English spellings of a weapon land on one model, and regions' short forms resolve."""

from __future__ import annotations

import pytest

from storage.catalog import gazetteer, weapon_catalog
from storage.models import WeaponCategory


@pytest.mark.parametrize(
    ("spelling", "model", "category"),
    [
        ("Шахед", "Shahed-136/131", WeaponCategory.DRONE),
        ("Герань-2", "Shahed-136/131", WeaponCategory.DRONE),
        ("Гербера", "Gerbera", WeaponCategory.DRONE),
        ("Італмас", "Italmas", WeaponCategory.DRONE),
        ("Пародія", "Parodiya", WeaponCategory.DRONE),
        ("Ланцет", "Lancet", WeaponCategory.DRONE),
        ("Іскандер-М", "Iskander-M", WeaponCategory.MISSILE),
        ("KN-23", "KN-23", WeaponCategory.MISSILE),
        ("С-400", "C-400", WeaponCategory.MISSILE),
        ("Кинджал", "X-47 Kinzhal", WeaponCategory.MISSILE),
        ("Kh-101", "X-101/X-555", WeaponCategory.MISSILE),
        ("Х-555", "X-101/X-555", WeaponCategory.MISSILE),
        ("Х-22/32", "X-22 and X-32", WeaponCategory.MISSILE),
        ("Х-31П", "X-31P", WeaponCategory.MISSILE),
        ("Х-59/69", "X-59/X-69", WeaponCategory.MISSILE),
        ("Калібр", "Kalibr", WeaponCategory.MISSILE),
        ("Циркон", "3M22 Zircon", WeaponCategory.MISSILE),
        ("Онікс", "P-800 Oniks", WeaponCategory.MISSILE),
        ("Бандероль", "Banderol", WeaponCategory.MISSILE),
        ("S8000", "Banderol", WeaponCategory.MISSILE),
    ],
)
def test_spellings_map_to_one_model_and_its_category(spelling: str, model: str, category: WeaponCategory) -> None:
    catalog = weapon_catalog()
    assert catalog.model(spelling) == model
    assert catalog.model(spelling.upper()) == model
    assert catalog.category(spelling) is category


def test_a_combination_of_aliases_takes_their_common_category() -> None:
    catalog = weapon_catalog()
    assert catalog.category("Шахед and Гербера") is WeaponCategory.DRONE
    assert catalog.category("Іскандер-М and С-400") is WeaponCategory.MISSILE
    assert catalog.category("Шахед and Калібр") is WeaponCategory.UNKNOWN
    assert catalog.model("no such weapon") is None


def test_every_alias_names_a_catalog_model() -> None:
    catalog = weapon_catalog()
    for spelling, model in catalog.names().items():
        for part in model.split(" and "):
            assert catalog.category(part) is not WeaponCategory.UNKNOWN, (spelling, model)


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("Київщина", "kyiv"),
        ("Одещина", "odesa"),
        ("Харківщина", "kharkiv"),
        ("Сумщина", "sumy"),
        ("Житомирщина", "zhytomyr"),
        ("Франківщина", "ivano-frankivsk"),
        ("Чернівеччина", "chernivtsi"),
        ("Полтава", "poltava"),
        ("Київська обл.", "kyiv"),
        ("Київ", "kyiv-city"),
    ],
)
def test_ukrainian_short_forms_resolve(name: str, region: str) -> None:
    assert gazetteer().resolve(name) == region
