"""The compiler: Kleene logic in the warehouse, and results equal to a hand computation on a small panel."""

import datetime as dt
from textwrap import dedent

import ibis
import pyarrow as pa
import pytest

from parkbrain.policies import Delta, evaluate_policies, load_catalogue, policy_summary, what_if
from parkbrain.policies.compiler import Compiler, Scope
from parkbrain.policies.nodes import Binary, Bool, Case, Compare, Fn, Num, Ref, Unary
from parkbrain.warehouse.duckdb import DuckDBWarehouse
from parkbrain.warehouse.schema import TABLES

VALUES = (True, False, None)


def run(nodes: dict, columns: dict) -> dict[str, list]:
    """Compile hand-built nodes over a little table and run them in DuckDB."""
    scope = Scope(ibis.memtable(pa.table(columns)), 2024, dt.date(2024, 12, 31))
    comp = Compiler(scope)
    return ibis.duckdb.connect().to_pyarrow(scope.table.select(**{k: comp(n) for k, n in nodes.items()})).to_pydict()


def attr(name: str, kind: str = "bool") -> Ref:
    return Ref(source="attr", name=name, type=kind)


def kleene_and(a, b):
    return False if False in (a, b) else None if None in (a, b) else True


def kleene_or(a, b):
    return True if True in (a, b) else None if None in (a, b) else False


# Kleene logic: all nine combinations of true / false / unknown.

def test_and_or_not_follow_kleene_for_all_nine_pairs():
    pairs = [(a, b) for a in VALUES for b in VALUES]
    got = run({"and": Binary(op="and", left=attr("a"), right=attr("b")),
               "or": Binary(op="or", left=attr("a"), right=attr("b")),
               "not": Unary(op="not", operand=attr("a"))},
              {"a": pa.array([a for a, _ in pairs], pa.bool_()), "b": pa.array([b for _, b in pairs], pa.bool_())})
    assert got["and"] == [kleene_and(a, b) for a, b in pairs]
    assert got["or"] == [kleene_or(a, b) for a, b in pairs]
    assert got["not"] == [None if a is None else not a for a, _ in pairs]


def test_case_with_an_unknown_condition_is_unknown_not_the_else_branch():
    node = Case(whens=((Compare(op="<=", left=attr("x", "number"), right=Num(value=5000)), Num(value=0.05)),),
                else_=Num(value=0.03))
    got = run({"band": node}, {"x": pa.array([4000.0, 6000.0, None])})
    assert got["band"] == [0.05, 0.03, None]


def test_min_max_division_and_unknown_literal():
    x, y = attr("x", "number"), attr("y", "number")
    got = run({"min": Fn(name="min", args=(x, y)), "max": Fn(name="max", args=(x, y)),
               "div": Binary(op="/", left=x, right=y), "unknown": Bool(value=None),
               "coalesce": Fn(name="coalesce", args=(y, x))},
              {"x": pa.array([1.0, 2.0, None]), "y": pa.array([3.0, 0.0, 4.0])})
    assert got["min"] == [1.0, 0.0, None] and got["max"] == [3.0, 2.0, None]
    assert got["div"] == [1 / 3, None, None]  # x / 0 is unknown, not infinity
    assert got["unknown"] == [None] * 3 and got["coalesce"] == [3.0, 0.0, 4.0]


def test_comparisons_allow_for_rounding_but_not_more():
    x = attr("x", "number")
    got = run({"ge": Compare(op=">=", left=x, right=Num(value=0.3)), "gt": Compare(op=">", left=x, right=Num(value=0.3)),
               "eq": Compare(op="==", left=x, right=Num(value=0.3))},
              {"x": pa.array([0.1 + 0.2, 0.3 - 1e-6, 0.3 + 1e-6])})
    assert got["ge"] == [True, False, True]
    assert got["gt"] == [False, False, True]
    assert got["eq"] == [True, False, False]


# Results equal a hand computation on a small panel.

A, B, C = "91330108MA00000A01", "91330108MA00000B02", "91330108MA00000C03"
FIRMS = [
    {"uscc": A, "name": "甲", "district": "滨江区", "founded_on": dt.date(2015, 6, 30), "industry_code": "C3911"},
    {"uscc": B, "name": "乙", "district": "滨江区", "founded_on": dt.date(2023, 3, 1), "industry_code": "F5211"},
    {"uscc": C, "name": "丙", "district": "滨江区", "founded_on": dt.date(2010, 1, 1), "industry_code": "I6513"},
]
YEARS = [
    (A, 2022, 100, 10, None), (A, 2023, 150, 12, None), (A, 2024, 200, 30, "高新技术企业@2022-01-01"),
    (B, 2023, 50, 5, None), (B, 2024, 80, 8, None),
    (C, 2022, 300, None, None), (C, 2023, 300, 9, None), (C, 2024, 330, 9.9, "科技型中小企业"),
]
PROBE = dedent("""\
    id: probe
    name: 试算
    subject: enterprise
    versions:
      - valid_from: 2024-01-01
        source: {document: 测试}
        conditions:
          - {id: c_sum, text: 三年研发, expr: "sum(rd_expense, years=3) >= 50"}
          - {id: c_avg, text: 平均收入, expr: "avg(revenue, years=3) >= 150"}
          - {id: c_growth, text: 增长, expr: "growth(revenue, years=2) >= 10%"}
          - {id: c_prev, text: 上年收入, expr: "previous(revenue, years=1) > 100"}
          - {id: c_years, text: 成立年数, expr: "years_since(founded_on) >= 9"}
          - {id: c_days, text: 成立天数, expr: "days_since(founded_on) >= 700"}
          - {id: c_has, text: 高企, expr: "has('高新技术企业')"}
          - {id: c_starts, text: 非批发, expr: "not starts_with(industry_code, 'F51', 'F52')"}
          - {id: c_in, text: 行业, expr: "industry_code in ('C3911', 'I6513')"}
        benefit: {kind: title}
    """)
SUBSIDY = dedent("""\
    id: subsidy
    name: 补助
    subject: enterprise
    versions:
      - valid_from: 2023-01-01
        valid_to: 2023-12-31
        source: {document: 测试, article: 旧}
        conditions: [{id: rd, text: 有研发, expr: "rd_expense > 5"}]
        benefit: {kind: cash_subsidy, amount: "rd_expense * 50%", cap: 10}
      - valid_from: 2024-01-01
        source: {document: 测试, article: 新}
        conditions: [{id: rd, text: 有研发, expr: "rd_expense > 0"}]
        benefit: {kind: cash_subsidy, amount: "rd_expense * 50%", cap: 10}
    """)
TOP_UP = dedent("""\
    id: top_up
    name: 配套
    subject: enterprise
    versions:
      - valid_from: 2023-01-01
        source: {document: 测试}
        conditions:
          - {id: base, text: 先获补助, expr: "requires(subsidy)"}
          - {id: enough, text: 补助不少于4.5万元, expr: "amount_of(subsidy) >= 4.5"}
        benefit: {kind: cash_subsidy, amount: "amount_of(subsidy)"}
    """)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A warehouse with three hand-checkable enterprises and three test policies."""
    folder = tmp_path_factory.mktemp("policies")
    for name, text in (("probe", PROBE), ("subsidy", SUBSIDY), ("top_up", TOP_UP)):
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    wh = DuckDBWarehouse(":memory:")
    rows = [{"uscc": u, "year": y, "revenue": r, "rd_expense": rd, "certifications": c} for u, y, r, rd, c in YEARS]
    wh.append("enterprises", pa.Table.from_pylist([{**f, "as_of_year": 2024} for f in FIRMS],
                                                  schema=TABLES["enterprises"].schema))
    wh.append("enterprise_years", pa.Table.from_pylist(
        [{f: r.get(f) for f in TABLES["enterprise_years"].schema.names} for r in rows],
        schema=TABLES["enterprise_years"].schema))
    cat = load_catalogue([folder], builtin=False)
    assert not cat.errors
    yield wh, cat
    wh.close()


def conditions(results: pa.Table, policy: str) -> dict:
    return {(r["subject_id"], c["id"]): c for r in results.to_pylist() if r["policy"] == policy
            for c in r["conditions"]}


def test_values_thresholds_gaps_and_missing_equal_the_hand_computation(small):
    wh, cat = small
    got = conditions(evaluate_policies(wh, cat, select=["probe"]), "probe")
    assert (got[A, "c_sum"]["passed"], got[A, "c_sum"]["value"]) == (True, 52)
    assert (got[B, "c_sum"]["value"], got[B, "c_sum"]["gap"]) == (13, 37)  # 2022 is before B existed: 0
    assert (got[C, "c_sum"]["passed"], got[C, "c_sum"]["missing"]) == (None, ["rd_expense[2022]"])
    assert (got[A, "c_avg"]["passed"], got[A, "c_avg"]["value"]) == (True, 150)
    assert (got[B, "c_avg"]["value"], got[B, "c_avg"]["gap"]) == (65, 170)  # (80 + 170 + 50) / 2 = 150
    assert got[A, "c_growth"]["value"] == pytest.approx((150 / 100 + 200 / 150) / 2 - 1)
    assert (got[C, "c_growth"]["passed"], got[C, "c_growth"]["value"]) == (False, pytest.approx(0.05))
    assert got[C, "c_growth"]["gap"] is None  # a growth rate is not solved for a field
    assert (got[B, "c_growth"]["passed"], got[B, "c_growth"]["missing"]) == (None, ["revenue[2022]"])
    assert (got[B, "c_prev"]["passed"], got[B, "c_prev"]["gap"]) == (False, None)  # the past cannot change
    assert [got[s, "c_years"]["value"] for s in (A, B, C)] == [9, 1, 14]
    assert (got[B, "c_years"]["gap"], got[B, "c_days"]["value"], got[B, "c_days"]["gap"]) == (8, 671, 29)
    assert [got[s, "c_has"]["passed"] for s in (A, B, C)] == [True, False, False]
    assert [got[s, "c_starts"]["passed"] for s in (A, B, C)] == [True, False, True]
    assert [got[s, "c_in"]["passed"] for s in (A, B, C)] == [True, False, True]


def test_amounts_caps_requires_and_summary(small):
    wh, cat = small
    results = evaluate_policies(wh, cat, select=["subsidy", "top_up"])
    by = {(r["policy"], r["subject_id"]): r for r in results.to_pylist()}
    assert [by["subsidy", s]["amount"] for s in (A, B, C)] == [10, 4, pytest.approx(4.95)]
    assert [by["top_up", s]["status"] for s in (A, B, C)] == ["eligible", "ineligible", "eligible"]
    assert [by["top_up", s]["amount"] for s in (A, B, C)] == [10, 0, pytest.approx(4.95)]
    summary = {r["policy"]: r for r in policy_summary(results).to_pylist()}
    assert summary["top_up"] == {"policy": "top_up", "subjects": 3, "eligible": 2, "ineligible": 1, "unknown": 0,
                                 "total_amount": pytest.approx(14.95)}


def test_the_version_in_force_is_the_one_evaluated(small):
    wh, cat = small
    old = evaluate_policies(wh, cat, select=["subsidy"], year=2023).to_pylist()
    assert {r["version"] for r in old} == {"2023-01-01"}
    assert {r["subject_id"]: r["status"] for r in old} == {A: "eligible", B: "ineligible", C: "eligible"}


def test_what_if_changes_inputs_without_writing_anything(small):
    wh, cat = small
    after = evaluate_policies(wh, cat, select=["probe"], subject_ids=[B], overrides={"rd_expense": Delta(100)})
    assert conditions(after, "probe")[B, "c_sum"]["value"] == 113
    change = what_if(wh, cat, B, add={"rd_expense": 100})
    assert [(b["policy"], b["amount"], a["amount"]) for b, a in change.changed()] == [("subsidy", 4, 10), ("top_up", 0, 10)]
    assert wh.to_pylist(wh.table("enterprise_years").filter(lambda t: (t.uscc == B) & (t.year == 2024))
                        .select("rd_expense")) == [{"rd_expense": 8.0}]


def test_an_unknown_what_if_field_is_refused_with_a_suggestion(small):
    wh, cat = small
    with pytest.raises(KeyError, match="did you mean 'rd_expense'"):
        evaluate_policies(wh, cat, subject_ids=[B], overrides={"rd_expence": 1})
