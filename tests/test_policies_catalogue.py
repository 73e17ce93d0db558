"""The shipped catalogue, the results helpers for the pages, the scenario runner itself, and the CLI."""

import datetime as dt
import json
import re

import pytest
from typer.testing import CliRunner

from conftest import demo_tables, load_park
from parkbrain.cli.policies import policies_app
from parkbrain.policies import (
    RESULT_SCHEMA,
    automatic_grants,
    enterprise_policies,
    evaluate_policies,
    load_catalogue,
    policy_summary,
)
from parkbrain.policies.scenarios import compare

REAL = {"high_tech_enterprise": "国科发火〔2016〕32号", "tech_sme": "国科发政〔2022〕16号",
        "specialized_sme": "工信部企业〔2022〕63号", "little_giant": "工信部企业〔2022〕63号",
        "rd_super_deduction": "公告2023年第7号", "high_tech_tax_rate": "企业所得税法"}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_the_catalogue_loads_without_errors(catalogue):
    assert not catalogue.errors
    assert set(REAL) <= set(catalogue.policies)
    assert {p.id for p in catalogue if p.subject == "talent"} >= {"example_talent_startup_5050",
                                                                 "example_talent_housing"}


@pytest.mark.parametrize("policy_id", sorted(REAL))
def test_real_policies_cite_their_document_and_article(catalogue, policy_id):
    policy = catalogue[policy_id]
    version = policy.version_at(dt.date(2024, 12, 31))
    assert not policy.example and REAL[policy_id] in version.source.document and version.source.article
    assert all(c.text and c.id for c in version.conditions)


def test_examples_are_marked_and_say_they_are_illustrative(catalogue):
    examples = [p for p in catalogue if p.id.startswith("example_")]
    assert len(examples) >= 6
    for policy in examples:
        assert policy.example and "示例" in policy.note and "illustrative" in policy.note


def test_dated_versions_do_not_overlap_and_the_current_one_is_found(catalogue):
    deduction = catalogue["rd_super_deduction"]
    assert deduction.version_at(dt.date(2022, 6, 1)).source.document.startswith("财政部 税务总局 科技部")
    assert "2023年第7号" in deduction.version_at(dt.date(2024, 6, 1)).source.document
    assert catalogue["tech_sme"].version_at(dt.date(2021, 6, 1)).source.document.endswith("（国科发政〔2017〕115号）")


def test_results_have_the_documented_schema_and_page_helpers_work(demo_park, catalogue):
    results = evaluate_policies(demo_park.park.warehouse, catalogue, select=["rd_super_deduction", "tech_sme"])
    assert results.schema == RESULT_SCHEMA
    firms = demo_park.park.warehouse.count("enterprises")
    summary = {r["policy"]: r for r in policy_summary(results).to_pylist()}
    row = summary["rd_super_deduction"]
    assert row["eligible"] + row["ineligible"] + row["unknown"] == row["subjects"] <= firms
    eligible = [r for r in results.to_pylist() if r["policy"] == "rd_super_deduction" and r["status"] == "eligible"]
    assert row["total_amount"] == pytest.approx(sum(r["amount"] or 0 for r in eligible))
    mine = enterprise_policies(results, eligible[0]["subject_id"], catalogue)
    assert [r["policy"] for r in mine][0] == "rd_super_deduction" or mine[0]["status"] == "eligible"
    assert all("text" in c for r in mine for c in r["conditions"])


def test_automatic_grants_list_the_eligible_of_no_application_policies(demo_park, catalogue):
    results = evaluate_policies(demo_park.park.warehouse, catalogue,
                                select=["example_rd_growth_subsidy", "rd_super_deduction"])
    grants = automatic_grants(results, catalogue).to_pylist()
    expected = [r for r in results.to_pylist() if r["policy"] == "example_rd_growth_subsidy" and r["status"] == "eligible"]
    assert grants and {g["policy"] for g in grants} == {"example_rd_growth_subsidy"}  # 加计扣除 is claimed, not granted
    assert sorted(g["subject_id"] for g in grants) == sorted(r["subject_id"] for r in expected)


def test_gap_text_reads_like_the_officer_would_say_it(demo_park, catalogue):
    results = evaluate_policies(demo_park.park.warehouse, catalogue, select=["high_tech_enterprise"])
    failing = next(r for r in results.to_pylist()
                   if any(c["id"] == "rd_ratio" and c["gap"] for c in r["conditions"]))
    explained = enterprise_policies(results, failing["subject_id"], catalogue)[0]
    text = next(c["gap_text"] for c in explained["conditions"] if c["id"] == "rd_ratio")
    assert re.fullmatch(r"研发费用 \+[\d,]+\.\d万元，达到 [345]%", text)
    english = enterprise_policies(results, failing["subject_id"], catalogue, lang="en")[0]
    assert re.fullmatch(r"rd_expense \+[\d,]+\.\d万元 to reach [345]%",
                        next(c["gap_text"] for c in english["conditions"] if c["id"] == "rd_ratio"))


def test_the_scenario_runner_reports_every_difference():
    row = {"status": "eligible", "amount": 10.0, "amount_missing": [],
           "conditions": [{"id": "a", "passed": True, "value": 0.04, "threshold": 0.04, "gap": None, "missing": []}]}
    assert compare({"status": "eligible", "conditions": {"a": {"value": 0.04}}}, row) == []
    problems = compare({"status": "unknown", "amount": 9, "conditions": {"a": {"passed": False, "missing": ["x"]},
                                                                          "b": True}}, row)
    assert len(problems) == 5 and problems[-1] == "condition b: not in the result"


# The CLI (registered by the lead as `parkbrain policies`).

def test_cli_list_check_and_evaluate(tmp_path, monkeypatch):
    home = tmp_path / "home"
    load_park(home, demo_tables(200, 3)).close()  # its own home: the CLI opens it read-only
    monkeypatch.setenv("PARKBRAIN_HOME", str(home))
    runner = CliRunner()
    listed = runner.invoke(policies_app, ["list"], terminal_width=200)
    assert listed.exit_code == 0 and "high_tech_enterprise" in listed.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nname: x\nsubject: enterprise\nversions:\n  - valid_from: 2024-01-01\n"
                   "    source: {document: x}\n    conditions: [{id: a, text: x, expr: 'revenu > 1'}]\n"
                   "    benefit: {kind: title}\n", encoding="utf-8")
    checked = runner.invoke(policies_app, ["check", str(bad)])
    assert checked.exit_code == 1 and f"{bad}:7:" in checked.stderr and "did you mean 'revenue'" in checked.stderr
    out = runner.invoke(policies_app, ["evaluate", "--policy", "high_tech_tax_rate", "--format", "jsonl"])
    assert out.exit_code == 0
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert {"subject_id", "policy", "status", "amount", "conditions"} <= set(lines[0])
    assert {c["id"] for c in lines[0]["conditions"]} == {"holds_title"}
    assert {line["status"] for line in lines} <= {"eligible", "ineligible", "unknown"}
    table = runner.invoke(policies_app, ["evaluate", "--policy", "tech_sme", "--format", "table", "--limit", "3"],
                          terminal_width=200)
    assert table.exit_code == 0 and "tech_sme" in table.stdout
