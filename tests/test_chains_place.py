"""Placing enterprises on links: evidence rules, the hand-made park, overrides, precision on labels."""

from __future__ import annotations

import pyarrow as pa
import pytest

from parkbrain.chains.catalogue import load_catalogue
from parkbrain.chains.evaluation import placement_scores, primary_links, truth_links
from parkbrain.chains.keywords import KeywordIndex
from parkbrain.chains.placement import PlacementRules, place_enterprises
from parkbrain.chains.store import (
    is_current,
    place_register,
    read_overrides,
    record_override,
    remove_override,
)
from parkbrain.chains.tables import PLACEMENTS
from test_chains_fixtures import (
    SMALL_PARK,
    demo_chain_park,
    park_from_csv,
    read_labels,
    small_park_usccs,
)

CAT = load_catalogue()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    yield from park_from_csv(tmp_path_factory.mktemp("small"), SMALL_PARK)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from demo_chain_park(tmp_path_factory.mktemp("demo"))


def firms(*rows: tuple) -> pa.Table:
    cols = ("uscc", "industry_code", "business_scope", "products")
    return pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(cols)})


def placed(table: pa.Table) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in table.to_pylist():
        out.setdefault(row["uscc"], []).append(row)
    return out


def test_every_keyword_is_found_whole():
    words = [w for lk in CAT.links for w in (*lk.keywords, *lk.generic)]
    index = KeywordIndex(words)
    hits = index.hits(pa.array(words))
    assert all(hits[i, index.ids[w]] for i, w in enumerate(words))


def test_evidence_rules_on_hand_made_rows():
    result = placed(place_enterprises(firms(
        ("code_only", "C3983", None, None),
        ("shared_code_only", "C3581", None, None),
        ("shared_code_and_product", "c3581 ", "第二类医疗器械生产", "化学发光试剂"),
        ("generic_word_only", "L7249", "软件开发；企业管理咨询", None),
        ("text_only", None, "传感器制造；货物进出口", "MEMS传感器"),
        ("two_links", "I6520", "集成电路设计", "射频芯片、5G通信模组、光模块"),
        ("nothing", "H6210", "餐饮服务", "团餐服务"),
    ), CAT))
    assert set(result) == {"code_only", "shared_code_and_product", "text_only", "two_links"}
    code_only = result["code_only"][0]
    assert (code_only["link"], code_only["score"], code_only["code_evidence"]) == ("sensors", 1.0, "C3983")
    assert code_only["confidence"] == pytest.approx(1 - 2.718281828 ** (-1 / 1.5), abs=1e-3)
    ivd = result["shared_code_and_product"]
    assert [(r["link"], r["rank"]) for r in ivd] == [("ivd", 1)]
    # C3581 is split between 医疗器械 and 体外诊断 (0.5), 第二类医疗器械生产 too (0.5), 化学发光试剂 is IVD's own (1).
    assert ivd[0]["score"] == 2.0 and ivd[0]["code_evidence"] == "C3581"
    assert ivd[0]["scope_words"] == "第二类医疗器械生产" and ivd[0]["product_words"] == "化学发光试剂"
    text_only = result["text_only"][0]
    assert (text_only["link"], text_only["code_evidence"], text_only["scope_words"]) == ("sensors", None, "传感器制造")
    two = result["two_links"]
    assert [(r["link"], r["rank"], r["score"]) for r in two] == [("chip_design", 1, 3.0), ("comm_modules", 2, 2.0)]
    assert two[1]["product_words"] == "5G通信模组;光模块"


def test_rules_can_be_tightened():
    rows = firms(("a", "C3983", None, None))
    assert place_enterprises(rows, CAT, PlacementRules(min_score=1.5)).num_rows == 0


def test_an_empty_register_places_nothing():
    assert place_enterprises(firms(), CAT).num_rows == 0


def test_the_hand_made_park_is_placed_as_designed(small):
    place_register(small.warehouse, CAT)
    got = primary_links(small.warehouse.to_arrow(small.warehouse.table(PLACEMENTS)))
    names = small_park_usccs()
    expected = {names[n]: "smart_iot/chip_design" for n in ("芯原微", "星芯", "睿芯", "晨芯", "航芯", "锐芯", "钱芯一", "钱芯二")}
    expected |= {names[n]: "smart_iot/sensors" for n in ("感知", "钱感1", "钱感2", "钱感3", "钱感4")}
    expected |= {names[n]: "smart_iot/smart_devices" for n in ("视界", "安居", "腕表", "钱端1", "钱端2", "钱端3", "钱端4")}
    expected |= {names[n]: "smart_iot/software_platforms" for n in ("云脑", "数安", "码农", "链数", *(f"钱软{i}" for i in range(1, 7)))}
    expected |= {names[n]: "smart_iot/comm_modules" for n in ("钱通1", "钱通2", "钱通3")}
    expected |= {names[n]: "smart_iot/system_integration" for n in ("钱集1", "钱集2", "钱集3")}
    assert got == expected


def test_overrides_survive_re_runs_and_re_imports(small):
    w = small.warehouse
    names = small_park_usccs()
    place_register(w, CAT)
    record_override(w, CAT, uscc=names["钱感1"], link="智能终端", action="override", officer="王", note="实为整机")
    record_override(w, CAT, uscc=names["码农"], link="smart_iot/software_platforms", action="confirm")
    record_override(w, CAT, uscc=names["链数"], link=None, action="exclude")

    def links() -> dict[str, tuple]:
        rows = w.to_pylist(w.table(PLACEMENTS))
        return {r["uscc"]: (f"{r['chain']}/{r['link']}", r["source"], r["confidence"]) for r in rows if r["rank"] == 1}

    def check() -> None:
        now = links()
        assert now[names["钱感1"]] == ("smart_iot/smart_devices", "override", 1.0)
        assert now[names["码农"]] == ("smart_iot/software_platforms", "confirmed", 1.0)
        assert names["链数"] not in now

    check()  # applied at once
    place_register(w, CAT)
    check()  # a re-run keeps them
    small.import_file(SMALL_PARK)  # a re-import of the register leaves the overrides table alone
    assert read_overrides(w).num_rows == 3
    place_register(w, CAT)
    check()
    assert remove_override(w, CAT, names["钱感1"]) and not remove_override(w, CAT, names["钱感1"])
    assert links()[names["钱感1"]][:2] == ("smart_iot/sensors", "auto")


def test_an_override_needs_a_known_enterprise_and_link(small):
    with pytest.raises(KeyError, match="no enterprise"):
        record_override(small.warehouse, CAT, uscc="91330108MA00000999", link="芯片设计", action="override")
    with pytest.raises(KeyError, match="matches no link"):
        record_override(small.warehouse, CAT, uscc=small_park_usccs()["星芯"], link="量子", action="override")
    with pytest.raises(ValueError, match="needs a link"):
        record_override(small.warehouse, CAT, uscc=small_park_usccs()["星芯"], link=None, action="confirm")


def test_placements_know_when_they_are_out_of_date(small):
    place_register(small.warehouse, CAT)
    assert is_current(small.warehouse, CAT)
    names = small_park_usccs()
    with small.warehouse.transaction():
        small.warehouse.delete_where("enterprises", "uscc", [names["味道"]])
    assert not is_current(small.warehouse, CAT)


def test_precision_on_the_hand_labelled_demo_sample(demo):
    place_register(demo.park.warehouse, CAT)
    predicted = primary_links(demo.park.warehouse.to_arrow(demo.park.warehouse.table(PLACEMENTS)))
    labels = {u: (None if v == "none" else v) for u, v in read_labels().items()}
    assert len(labels) >= 200 and set(labels) <= set(demo.truth.column("uscc").to_pylist())
    scores = placement_scores(predicted, labels)
    assert scores["precision"] >= 0.95 and scores["recall"] >= 0.95, scores["wrong"]
    truth = truth_links(demo.truth, CAT)
    assert placement_scores(predicted, truth)["precision"] >= 0.95


def test_an_override_waits_for_its_enterprise_to_come_back(small):
    w = small.warehouse
    uscc = small_park_usccs()["钱端1"]
    record_override(w, CAT, uscc=uscc, link="smart_iot/system_integration", action="override")
    with w.transaction():
        w.delete_where("enterprises", "uscc", [uscc])
    place_register(w, CAT)
    assert uscc not in primary_links(w.to_arrow(w.table(PLACEMENTS)))
    assert uscc in read_overrides(w).column("uscc").to_pylist()
    small.import_file(SMALL_PARK)
    place_register(w, CAT)
    assert primary_links(w.to_arrow(w.table(PLACEMENTS)))[uscc] == "smart_iot/system_integration"
    remove_override(w, CAT, uscc)
