"""Diagnosis of the hand-made park (strong, weak and missing links known in advance), 招商 and the pool."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc
import pytest

from parkbrain.chains.attraction import candidates_for_gaps, pipeline
from parkbrain.chains.catalogue import load_catalogue
from parkbrain.chains.diagnosis import diagnose
from parkbrain.chains.pool import national_pool
from parkbrain.chains.store import place_register
from parkbrain.chains.targets import Targets, load_targets
from test_chains_fixtures import SMALL_PARK, demo_chain_park, park_from_csv, small_park_usccs

CAT = load_catalogue()
TARGETS = load_targets()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    for park in park_from_csv(tmp_path_factory.mktemp("small"), SMALL_PARK):
        place_register(park.warehouse, CAT)
        yield park


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    for loaded in demo_chain_park(tmp_path_factory.mktemp("demo")):
        place_register(loaded.park.warehouse, CAT)
        yield loaded


@pytest.fixture(scope="module")
def small_dx(small):
    return diagnose(small.warehouse, CAT, TARGETS)


def links_of(dx: dict, chain: str = "smart_iot") -> dict[str, dict]:
    return {lk["id"]: lk for lk in next(c for c in dx["chains"] if c["id"] == chain)["links"]}


def test_scope_defaults_to_the_largest_district_and_the_latest_year(small_dx):
    assert (small_dx["district"], small_dx["year"], small_dx["peers"]) == ("滨江区", 2025, ["钱塘区"])


def test_statuses_of_the_hand_made_park(small_dx):
    status = {k: (lk["status"], lk["action"]) for k, lk in links_of(small_dx).items()}
    assert status == {
        "chip_design": ("strong", "strengthen_link"), "ic_manufacturing": ("missing", "extend_chain"),
        "sensors": ("weak", "fill_link"), "comm_modules": ("missing", "fill_link"),
        "smart_devices": ("normal", None), "software_platforms": ("weak", "fill_link"),
        "system_integration": ("missing", "extend_chain")}


def test_findings_name_only_the_chain_present(small_dx):
    found = {a: {f["key"] for f in fs} for a, fs in small_dx["findings"].items()}
    assert found == {
        "strengthen_link": {"smart_iot/chip_design"},
        "fill_link": {"smart_iot/comm_modules", "smart_iot/sensors", "smart_iot/software_platforms"},
        "extend_chain": {"smart_iot/ic_manufacturing", "smart_iot/system_integration"}}
    assert [c["status"] for c in small_dx["chains"]] == ["present", "absent", "absent", "absent", "absent"]
    assert small_dx["findings"]["fill_link"][0]["status"] == "missing"  # missing links come first


def test_the_figures_behind_each_verdict(small_dx):
    lk = links_of(small_dx)
    chip = lk["chip_design"]
    assert (chip["enterprises"], chip["benchmark_enterprises"], chip["revenue"]) == (6, 2, 29500)
    assert chip["share"] == pytest.approx(6 / 14, abs=1e-4) and chip["lq"] == pytest.approx((6 / 14) / (2 / 22), abs=1e-3)
    assert (chip["growth"], chip["benchmark_growth"]) == (25.0, 0.0)
    assert [r["code"] for r in chip["reasons"]] == ["high_share", "outgrows"]
    assert chip["tiers"]["high_tech_enterprise"] == 2 and chip["tiers"]["tech_sme"] == 1 and chip["tiers"]["none"] == 3
    assert chip["rd_intensity"] == 8.0
    sensors = lk["sensors"]
    assert [r["code"] for r in sensors["reasons"]] == ["few", "low_share", "concentrated"]
    assert sensors["lq"] == pytest.approx((1 / 14) / (4 / 22), abs=1e-3) and sensors["hhi"] == 10000
    software = lk["software_platforms"]
    assert software["hhi"] == pytest.approx((100000 ** 2 + 3 * 1000 ** 2) / 103000 ** 2 * 10000, abs=0.1)
    assert "concentrated" in [r["code"] for r in software["reasons"]]
    assert software["lq"] == pytest.approx((4 / 14) / (6 / 22), abs=1e-3)
    missing = lk["comm_modules"]
    assert (missing["enterprises"], missing["benchmark_enterprises"]) == (0, 3)
    assert [r["code"] for r in lk["system_integration"]["reasons"]] == ["missing", "missing_downstream"]


def test_chain_leaders_by_size_and_by_supply_edges(small_dx):
    names = {v: k for k, v in small_park_usccs().items()}
    leaders = small_dx["chains"][0]["chain_leaders"]
    assert [names[x["uscc"]] for x in leaders["by_size"]] == ["云脑", "芯原微", "星芯"]
    # revenue × (1 + supply edges of its link): 软件与平台 has 2 edges, 芯片设计 3, 智能终端 5, so
    # 星芯 (6,000万元 × 4) stays ahead of 视界 (3,000万元 × 6).
    assert [names[x["uscc"]] for x in leaders["by_edges"]] == ["云脑", "芯原微", "星芯"]
    assert [x["edges"] for x in leaders["by_edges"]] == [2, 3, 3]
    assert leaders["by_edges"][1]["supplies"] == ["smart_iot/ic_manufacturing", "smart_iot/comm_modules",
                                                  "smart_iot/smart_devices"]


def test_a_target_structure_as_the_benchmark(small, tmp_path):
    data = TARGETS.model_dump() | {"structure": {"smart_iot": {
        "chip_design": 0.1, "sensors": 0.1, "comm_modules": 0.1, "smart_devices": 0.5, "software_platforms": 0.2}}}
    dx = diagnose(small.warehouse, CAT, Targets(**data), benchmark="target")
    lk = links_of(dx)
    assert lk["smart_devices"]["benchmark_share"] == 0.5 and lk["smart_devices"]["status"] == "weak"
    assert lk["chip_design"]["lq"] == pytest.approx((6 / 14) / 0.1, abs=1e-3)
    with pytest.raises(ValueError, match="no target structure"):
        diagnose(small.warehouse, CAT, TARGETS, benchmark="target")


def test_revenue_as_the_basis(small):
    data = TARGETS.model_dump()
    data["diagnosis"]["lq_basis"] = "revenue"
    lk = links_of(diagnose(small.warehouse, CAT, Targets(**data)))
    assert lk["software_platforms"]["share"] == pytest.approx(103000 / (29500 + 2000 + 7500 + 103000), abs=1e-4)
    assert lk["software_platforms"]["basis"] == "revenue"


def test_the_pipeline_against_the_seeds_targets(demo):
    projects = demo.tables["projects"]
    home = projects.filter(pc.equal(projects.column("district"), "滨江区")).to_pylist()
    report = pipeline(demo.park.warehouse, CAT, TARGETS, year=2025, district="滨江区")
    assert {s["stage"]: s["projects"] for s in report["stages"]} == {
        s: sum(1 for p in home if p["stage"] == s) for s in ("negotiating", "signed", "landed", "construction", "operating")}
    assert report["stages"][0]["reached"] == len(home)

    def in_2025(p: dict, field: str) -> bool:
        return p[field] is not None and p[field].year == 2025

    expected = {"attracted_100m": sum(1 for p in home if in_2025(p, "signed_on") and (p["investment"] or 0) >= 10000),
                "landed": sum(1 for p in home if in_2025(p, "landed_on")),
                "started": sum(1 for p in home if in_2025(p, "started_on"))}
    got = {t["id"]: (t["actual"], t["target"]) for t in report["targets"]}
    assert got == {k: (v, {"attracted_100m": 25, "landed": 20, "started": 18}[k]) for k, v in expected.items()}
    assert all(isinstance(p["signed_on"], dt.date | None) for p in report["projects"])


def test_candidates_for_the_gaps(demo):
    dx = diagnose(demo.park.warehouse, CAT, TARGETS)
    pool = national_pool(CAT)
    assert pool.equals(national_pool(CAT)) and not pool.equals(national_pool(CAT, seed=1))
    proposals = candidates_for_gaps(pool, CAT, dx)
    gaps = [p["gap"]["key"] for p in proposals]
    assert "smart_iot/ic_manufacturing" in gaps and len(gaps) == len(set(gaps))
    for p in proposals:
        scores = [c["score"] for c in p["candidates"]]
        assert len(scores) == 5 and scores == sorted(scores, reverse=True)
        assert all(f"{c['chain']}/{c['link']}" == p["gap"]["key"] and c["synthetic"] for c in p["candidates"])
        assert p["candidates"][0]["reasons"][0]["code"] == f"gap_{p['gap']['status']}"
    fab = next(p for p in proposals if p["gap"]["key"] == "smart_iot/ic_manufacturing")
    supplies = [r for c in fab["candidates"] for r in c["reasons"] if r["code"] == "supplies"]
    assert supplies and {lk["key"] for lk in supplies[0]["params"]["links"]} <= {
        "smart_iot/comm_modules", "smart_iot/smart_devices", "green_energy/power_electronics"}
