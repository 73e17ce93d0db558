"""`parkbrain spaces …` and `parkbrain experts …` on a home holding the hand-made test data."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from parkbrain.app import ParkBrain
from parkbrain.cli.matching import experts_app, spaces_app
from parkbrain.matching import collaborations as collab
from parkbrain.settings import Settings

DATA = Path(__file__).parent / "data" / "matching"
cli = typer.Typer()
cli.add_typer(spaces_app, name="spaces")
cli.add_typer(experts_app, name="experts")


@pytest.fixture()
def run(tmp_path, monkeypatch):
    with ParkBrain(Settings(home=tmp_path, lang="zh")) as park:
        for name in ("parks", "spaces", "experts", "tech_needs"):
            park.import_file(DATA / f"{name}.csv", kind=name, today=dt.date(2026, 1, 1))
    monkeypatch.setenv("PARKBRAIN_HOME", str(tmp_path))
    monkeypatch.setenv("PARKBRAIN_LANG", "zh")
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == code, (result.output, result.exception)
        return result.output
    return invoke


NEEDS = ("--industry", "生物医药", "--area-min", "250", "--area-max", "350", "--budget", "3", "--move-in", "2026-01-01")


def test_spaces_find_prints_the_ranking_with_reasons(run):
    out = run("spaces", "find", *NEEDS)
    assert [line.split()[0] for line in out.splitlines() if line[:1].isdigit()] == ["1.", "2.", "3.", "4."]
    assert out.index("S-01") < out.index("S-02") < out.index("S-03") < out.index("S-07")
    assert "≈ 租金3.2元/㎡/天，超出预算3元共0.2元（6.7%）" in out
    data = json.loads(run("spaces", "find", *NEEDS, "--json"))
    assert [r["space_id"] for r in data] == ["S-01", "S-02", "S-03", "S-07"]
    assert "面积下限500㎡大于上限100㎡" in run("spaces", "find", "--area-min", "500", "--area-max", "100", code=2)


def test_spaces_let_withdraw_relist_add_update(run):
    assert run("spaces", "let", "S-01").strip() == "S-01: let"
    data = json.loads(run("spaces", "find", *NEEDS, "--json"))
    assert "S-01" not in [r["space_id"] for r in data]
    assert run("spaces", "withdraw", "S-02").strip() == "S-02: withdrawn"
    assert run("spaces", "relist", "S-01").strip() == "S-01: available"
    assert "没有编号为S-99的房源" in run("spaces", "let", "S-99", code=1)
    assert run("spaces", "add", "--park", "P-BIO", "--area", "280", "--use", "wet_lab", "--rent", "1.5",
               "--available-from", "2025-12-01").strip() == "S-12: available"
    assert "S-12" in run("spaces", "update", "S-12", "--rent", "2.2")
    listed = json.loads(run("spaces", "list", "--status", "available", "--park", "P-BIO", "--json"))
    assert [r["space_id"] for r in listed] == ["S-01", "S-07", "S-08", "S-12"]
    assert listed[-1]["rent"] == 2.2
    assert "园区编号P-X不存在" in run("spaces", "add", "--park", "P-X", "--area", "10", "--use", "office", code=1)


def test_experts_find_by_need_or_text(run):
    out = run("experts", "find", "N-01", "--k", "3")
    assert out.index("E-01") < out.index("E-02") < out.index("E-06")
    assert "匹配词: 钙钛矿电池" in out
    data = json.loads(run("experts", "find", "--text", "抗体工程与靶点发现", "--json"))
    assert data[0]["expert_id"] == "E-04"
    assert "没有编号为N-9的技术需求" in run("experts", "find", "N-9", code=1)
    assert "请填写需求编号或需求描述" in run("experts", "find", code=2)


def test_experts_assign_propose_and_the_board(run, tmp_path):
    out_file = tmp_path / "pairs.csv"
    out = run("experts", "assign", "--k", "1", "--m", "1", "--out", str(out_file), "--propose")
    with out_file.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    # One expert per need, each expert once: N-01 → E-01 (the 杭州 one), N-02 → E-03, N-03 → E-04.
    assert sorted((r["need_id"], r["expert_id"]) for r in rows) == [("N-01", "E-01"), ("N-02", "E-03"),
                                                                    ("N-03", "E-04")]
    assert "proposed 3 new collaborations" in out
    cid = collab.collaboration_id("N-02", "E-03")
    assert run("experts", "advance", cid, "accepted", "--on", "2026-01-05").strip() == f"{cid}: accepted"
    assert "不能改为“已完成”" in run("experts", "advance", cid, "completed", code=1)
    board = json.loads(run("experts", "collaborations", "--json"))
    assert board["by_status"]["proposed"] == 2 and board["by_status"]["accepted"] == 1
    assert board["placed_experts"] == 1 and board["covered_enterprises"] == 3
    assert "入企专家" in run("experts", "collaborations")
    assert "only works on the demo park" in run("experts", "collaborations", "--seed-demo", code=2)
