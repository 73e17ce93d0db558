"""Tier pyramid and movement on a hand-made three-enterprise history (tests/data/chains/tier_history.csv)."""

from __future__ import annotations

import pytest

from parkbrain.chains.tiers import movement_enterprises, tier_movement, tier_pyramid
from test_chains_fixtures import TIER_HISTORY, park_from_csv

A, B, C = "91330108MA9000001T", "91330108MA9000002X", "91330108MA90000031"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    yield from park_from_csv(tmp_path_factory.mktemp("tiers"), TIER_HISTORY)


def flows(movement: dict) -> set[tuple[str, str, str, int]]:
    return {(f["from_tier"], f["to_tier"], f["kind"], f["enterprises"]) for f in movement["flows"]}


def test_2022_to_2023_promoted_dropped_new(history):
    m = tier_movement(history.warehouse, year=2023)
    assert flows(m) == {("tech_sme", "high_tech_enterprise", "promoted", 1),
                        ("high_tech_enterprise", "none", "dropped", 1),
                        ("absent", "tech_sme", "new", 1)}
    assert m["summary"] == {"promoted": 1, "dropped": 1, "same": 0, "new": 1, "left": 0}


def test_2023_to_2024_same_left_promoted(history):
    m = tier_movement(history.warehouse, year=2024)
    assert flows(m) == {("high_tech_enterprise", "high_tech_enterprise", "same", 1),
                        ("none", "absent", "left", 1),
                        ("tech_sme", "specialised_sme", "promoted", 1)}


def test_the_enterprises_behind_each_arrow(history):
    w = history.warehouse
    assert [e["uscc"] for e in movement_enterprises(w, year=2023, from_tier="tech_sme",
                                                    to_tier="high_tech_enterprise")["items"]] == [A]
    left = movement_enterprises(w, year=2024, from_tier="none", to_tier="absent")
    assert (left["kind"], left["total"], left["items"][0]["uscc"], left["items"][0]["name"]) == (
        "left", 1, B, "杭州乙科技有限公司")
    new = movement_enterprises(w, year=2023, from_tier="absent", to_tier="tech_sme")
    assert [e["uscc"] for e in new["items"]] == [C]
    assert movement_enterprises(w, year=2024, from_tier="listed", to_tier="none")["total"] == 0


def test_the_pyramid_counts_each_enterprise_once_at_its_highest_rung(history):
    p2023 = tier_pyramid(history.warehouse, year=2023)
    assert p2023["total"] == 3 and p2023["tiers"] == {
        "none": 1, "tech_sme": 1, "high_tech_enterprise": 1, "specialised_sme": 0, "little_giant": 0, "listed": 0}
    p2024 = tier_pyramid(history.warehouse, year=2024)
    assert p2024["tiers"]["specialised_sme"] == 1 and p2024["tiers"]["high_tech_enterprise"] == 1
    assert p2024["badges"] == {"eaglet": 0, "gazelle": 1, "unicorn": 0}


def test_a_district_filter(history):
    assert tier_pyramid(history.warehouse, year=2024, district="西湖区")["total"] == 0
    assert tier_movement(history.warehouse, year=2024, district="滨江区")["summary"]["left"] == 1
