"""Collaborations: the stages, refused moves, the board's counts, and the demo at the seeds' scale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from parkbrain.app import ParkBrain
from parkbrain.matching import collaborations as collab
from parkbrain.matching.demo import seed_demo_collaborations, targets
from parkbrain.settings import Settings

DATA = Path(__file__).parent / "data" / "matching"
TODAY = dt.date(2026, 1, 1)
PAIRS = [{"need_id": "N-01", "uscc": "91330108MA00000013", "expert_id": "E-01", "score": 0.95},
         {"need_id": "N-01", "uscc": "91330108MA00000013", "expert_id": "E-02", "score": 0.85},
         {"need_id": "N-02", "uscc": "91330108MA00000026", "expert_id": "E-03", "score": 0.9}]


@pytest.fixture()
def park(tmp_path) -> ParkBrain:
    park = ParkBrain(Settings(home=tmp_path, lang="zh"))
    for name in ("experts", "tech_needs"):
        park.import_file(DATA / f"{name}.csv", kind=name, today=TODAY)
    yield park
    park.close()


def test_a_collaboration_moves_through_its_stages(park):
    w = park.warehouse
    assert collab.board(w)["total"] == 0  # no table yet: an empty board, not an error
    assert collab.propose(w, PAIRS, on=dt.date(2025, 9, 1)) == 3
    assert collab.propose(w, PAIRS[:1]) == 0  # the same pair twice is one collaboration
    first = collab.collaboration_id("N-01", "E-01")
    collab.advance(w, first, "accepted", on=dt.date(2025, 9, 10))
    collab.advance(w, first, "signed", on=dt.date(2025, 10, 1), note="横向课题")
    row = collab.advance(w, first, "completed", on=dt.date(2025, 12, 20))
    assert (row["status"], row["proposed_on"], row["accepted_on"], row["signed_on"], row["completed_on"]) == (
        "completed", dt.date(2025, 9, 1), dt.date(2025, 9, 10), dt.date(2025, 10, 1), dt.date(2025, 12, 20))
    assert row["note"] == "横向课题"
    collab.advance(w, collab.collaboration_id("N-02", "E-03"), "declined", on=dt.date(2025, 9, 5))
    board = collab.board(w)
    assert board["by_status"] == {"proposed": 1, "accepted": 0, "signed": 0, "completed": 1, "declined": 1}
    # Placed: E-01 only; covered: N-01's enterprise (N-02's only pair was declined); signed: 1.
    assert (board["pool"], board["placed_experts"], board["covered_enterprises"], board["signed"]) == (6, 1, 1, 1)
    latest = board["latest"][0]
    assert (latest["collaboration_id"], latest["updated_on"], latest["expert_name"], latest["need_title"]) == (
        first, dt.date(2025, 12, 20), "张明", "钙钛矿电池稳定性攻关")


def test_moves_out_of_order_are_refused_with_what_is_allowed(park):
    w = park.warehouse
    collab.propose(w, PAIRS, on=TODAY)
    cid = collab.collaboration_id("N-01", "E-02")
    with pytest.raises(collab.CollaborationError) as bad:
        collab.advance(w, cid, "completed")
    assert bad.value.message("zh") == f"合作{cid}当前为“已推荐”，不能改为“已完成”；可改为：已接受、已婉拒"
    assert str(bad.value) == f"collaboration {cid} is proposed and cannot become completed; it can become: accepted, declined"
    with pytest.raises(collab.CollaborationError, match="not one of"):
        collab.advance(w, cid, "finished")
    with pytest.raises(collab.CollaborationError, match="no collaboration C-nothing"):
        collab.advance(w, "C-nothing", "accepted")
    collab.advance(w, cid, "declined")
    with pytest.raises(collab.CollaborationError):
        collab.advance(w, cid, "accepted")  # declined is final


def test_the_demo_board_is_at_the_seeds_scale(demo_park, tmp_path):
    # The seeds' 钱塘 figures scale with the pool: 4,633 experts → 520 placed, 584 signed, 126 completed.
    assert targets(4633) == (520, 584, 126)
    assert targets(463) == (52, 58, 13)
    # A copy of the 2,000-enterprise demo (463 experts, 554 needs), so the shared park stays as it is.
    from conftest import load_park

    park = load_park(tmp_path, demo_park.tables)
    try:
        counts = seed_demo_collaborations(park.warehouse, seed=1, today=TODAY)
        board = collab.board(park.warehouse)
        assert board["pool"] == 463 and board["placed_experts"] == 52
        assert board["signed"] == 58 and counts["completed"] == 13
        assert board["by_status"] == counts
        rows = collab.all_collaborations(park.warehouse).to_pylist()
        for r in rows:  # every stage reached is dated, in order, never after today
            dates = [r[f"{s}_on"] for s in collab.STAGES[:collab.STAGES.index(r["status"]) + 1]] \
                if r["status"] != "declined" else [r["proposed_on"], r["declined_on"]]
            assert all(d is not None for d in dates) and dates == sorted(dates) and dates[-1] <= TODAY
    finally:
        park.close()


def test_past_partners_institutions_are_preferred_in_matching(park):
    from parkbrain.matching import service

    w = park.warehouse
    need = service.need_row(w, "N-01")
    # No parks here, so no city signal: E-01 (浙江大学) and E-02 (宁波大学) tie on text and field.
    before = service.match_need(w, need, k=2)
    assert [m.expert_id for m in before] == ["E-01", "E-02"] and before[0].score == before[1].score
    # The enterprise worked with a 宁波大学 expert before (E-02, on another need): 宁波大学 is preferred.
    collab.propose(w, [{"need_id": "N-00", "uscc": need["uscc"], "expert_id": "E-02", "score": 0.9}], on=TODAY)
    collab.advance(w, collab.collaboration_id("N-00", "E-02"), "accepted", on=TODAY)
    assert service.partner_institutions(w) == {need["uscc"]: ("宁波大学",)}
    after = service.match_need(w, need, k=2)
    assert [m.expert_id for m in after] == ["E-02", "E-01"]
    assert after[0].preferred_institution and after[0].parts["institution"] == 0.05
