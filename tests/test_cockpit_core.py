"""Cockpit core on hand-made data: periods, indicators on a tiny panel, year-on-year on a cumulative
series, targets, warning rules on constructed forecasts, star bands and sensitivity. Every expected
figure is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest

from parkbrain.app import ParkBrain
from parkbrain.cockpit import enterprise_alerts as ea
from parkbrain.cockpit.alerts import judge, load_rules, target_warning
from parkbrain.cockpit.catalogue import CatalogueError, load_catalogue, parse_catalogue
from parkbrain.cockpit.outlook import Outlook
from parkbrain.cockpit.periods import Period, PeriodError, parse_period
from parkbrain.cockpit.ratings import Band, Part, RatingSpec, rate, sensitivity, stars_of
from parkbrain.cockpit.state import cockpit_state, invalidate
from parkbrain.cockpit.targets import Target, all_targets, amount
from parkbrain.importing.service import write_batch
from parkbrain.importing.templates import load_templates
from parkbrain.settings import Settings
from parkbrain.uscc import check_character
from parkbrain.warehouse.schema import FACT_SCHEMA, INDICATOR_VALUE_SCHEMA, TARGET_SCHEMA

GOLD = Path(__file__).parent / "data" / "facts_gold"


def uscc(i: int) -> str:
    first = f"91330108MA{i:07d}"
    return first + check_character(first)


def firm_year(i: int, year: int, **figures) -> dict:
    base = {"uscc": uscc(i), "name": f"杭州测试{i}号科技有限公司", "founded_on": dt.date(2015, 6, 1),
            "district": figures.pop("district", "滨江区"), "park": figures.pop("park", "物联网产业园"),
            "industry_code": "I6513", "year": year}
    return base | figures


def load(park: ParkBrain, rows: list[dict]) -> None:
    template = load_templates()["enterprises"]
    table = pa.Table.from_pylist(rows, schema=template.arrow_schema)
    with park.warehouse.transaction():
        write_batch(park.warehouse, template, table)


def values(park: ParkBrain, rows: list[tuple]) -> None:
    """indicator_values rows: (indicator, subject, period, value, unit)."""
    cols = list(zip(*rows, strict=True))
    park.warehouse.append("indicator_values", pa.table({
        "indicator_id": cols[0], "subject": cols[1], "period": cols[2], "value": cols[3], "unit": cols[4],
        "source": ["test"] * len(rows)}, schema=INDICATOR_VALUE_SCHEMA))


@pytest.fixture
def park(tmp_path):
    with ParkBrain(Settings(home=tmp_path, lang="zh")) as p:
        yield p


# ---- periods ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "canonical", "label"), [
    ("2023", "2023", "2023年"),
    ("2023H1", "2023H1", "2023年上半年"),
    ("2023-01..2023-06", "2023H1", "2023年上半年"),  # facts.md: 2022H1 = 2022-01..2022-06
    ("2020-12-31", "2020", "2020年"),  # facts.md: a stock at the year's end is the year
    ("2022-01..2022-08", "2022-01..2022-08", "2022年1-8月"),
    ("2023Q3", "2023Q3", "2023年三季度"),
    ("2023-07..2023-09", "2023Q3", "2023年三季度"),
    ("2024-3", "2024-03", "2024年3月"),
    ("2025-09-30", "2025-01..2025-09", "2025年1-9月"),
])
def test_periods(text, canonical, label):
    p = parse_period(text)
    assert (str(p), p.label("zh")) == (canonical, label)


def test_previous_year_is_the_same_months():
    assert parse_period("2022-01..2022-08").previous_year() == Period(2021, 1, 8)


@pytest.mark.parametrize("bad", ["2023H3", "2023-13", "2022-11..2023-02", "2023-06-15", "上半年"])
def test_bad_periods_say_what_is_wrong(bad):
    with pytest.raises(PeriodError, match="period"):
        parse_period(bad)


# ---- indicators on a tiny hand-made panel --------------------------------------------------------

def tiny_panel() -> list[dict]:
    """Two 滨江 firms and one 钱塘 firm, two years; figures chosen for mental arithmetic."""
    return [
        firm_year(1, 2023, revenue=1000.0, rd_expense=50.0, invention_patents_held=10, employees=100,
                  certifications="高新技术企业@2021-11-03"),
        firm_year(1, 2024, revenue=1200.0, rd_expense=90.0, invention_patents_held=14, employees=110,
                  certifications="高新技术企业@2021-11-03;专精特新中小企业@2023-05-01"),
        firm_year(2, 2023, revenue=3000.0, rd_expense=60.0, invention_patents_held=6, employees=40),
        firm_year(2, 2024, revenue=2800.0, rd_expense=None, invention_patents_held=6, employees=40,
                  certifications="科技型中小企业@2024-03-01"),
        firm_year(3, 2024, revenue=500.0, rd_expense=25.0, invention_patents_held=2, employees=20,
                  district="钱塘区", park="钱塘集成电路产业园", certifications="高新技术企业@2022-12-01"),
    ]


def test_indicators_on_a_tiny_panel(park):
    load(park, tiny_panel())
    values(park, [("resident_population", "滨江区", "2024", 400_000, "人"),
                  ("resident_population", "滨江区", "2023", 390_000, "人")])
    ev = cockpit_state(park.warehouse).evaluator
    y24 = Period(2024, 1, 12)
    assert ev.value("revenue", "滨江区", y24) == 4000.0  # 1200 + 2800
    assert ev.value("revenue", "*", y24) == 4500.0  # the whole register adds 钱塘's 500
    # R&D / revenue is a ratio of sums over the firms reporting each figure: 90 / 4000.
    assert ev.value("enterprise_rd_intensity", "滨江区", y24) == pytest.approx(2.25)
    assert ev.value("high_tech_enterprises", "滨江区", y24) == 1  # firm 1 only
    assert ev.value("tier_specialised_sme", "滨江区", y24) == 1  # firm 1's highest rung in 2024
    assert ev.value("tier_tech_sme", "滨江区", y24) == 1  # firm 2
    assert ev.value("enterprises", "钱塘区", y24) == 1
    # 每万人发明专利拥有量 = (14 + 6) / 400,000 × 10,000 = 0.5; 2023: 16 / 390,000 × 10,000.
    assert ev.value("invention_patents_per_10k", "滨江区", y24) == pytest.approx(0.5)
    change = ev.change("invention_patents_per_10k", "滨江区", y24)
    assert change.unit == "pct" and change.change == pytest.approx((0.5 / (16 / 39) - 1) * 100)
    # Revenue 4000 on 4000 (1000 + 3000): flat; R&D intensity in points: 2.25 − 110 / 4000 × 100 = −0.5.
    assert ev.change("revenue", "滨江区", y24).change == pytest.approx(0.0)
    assert ev.change("enterprise_rd_intensity", "滨江区", y24).change == pytest.approx(-0.5)
    assert ev.value("revenue", "滨江区", Period(2024, 1, 6)) is None  # the panel is yearly


def test_year_on_year_on_a_cumulative_series(park):
    """Cumulative figures as the statistics bureau publishes them (1-2月 together), two years."""
    cum_2022 = {2: 100.0, 3: 160.0, 6: 400.0, 8: 560.0, 12: 1000.0}
    cum_2023 = {2: 110.0, 3: 180.0, 6: 440.0, 8: 616.0}
    values(park, [("industrial_value_added", "滨江区", f"{y}-01..{y}-{m:02d}" if m > 1 else f"{y}-01", v, "万元")
                  for y, cum in ((2022, cum_2022), (2023, cum_2023)) for m, v in cum.items()])
    ev = cockpit_state(park.warehouse).evaluator
    change = ev.change("industrial_value_added", "滨江区", Period(2023, 1, 8))
    assert (change.value, change.previous) == (616.0, 560.0)
    assert change.change == pytest.approx(10.0)  # 616 / 560 = 1.10
    assert ev.value("industrial_value_added", "滨江区", Period(2023, 3, 3)) == 70.0  # 180 − 110
    assert ev.value("industrial_value_added", "滨江区", Period(2023, 7, 8)) == 176.0  # 616 − 440
    assert ev.value("industrial_value_added", "滨江区", Period(2022, 7, 12)) == 600.0  # H2: 1000 − 400
    assert ev.value("industrial_value_added", "滨江区", Period(2023, 4, 4)) is None  # April alone is unknown
    # Q2 2023 vs Q2 2022: (440 − 180) / (400 − 160) − 1 = 260 / 240 − 1.
    assert ev.change("industrial_value_added", "滨江区", Period(2023, 4, 6)).change == pytest.approx((260 / 240 - 1) * 100)
    months = dict(ev.monthly("industrial_value_added", "滨江区", 2023, 2023))
    assert months[Period(2023, 1, 1)] == months[Period(2023, 2, 2)] == 55.0  # 1-2月 split evenly


def facts_table(path: Path) -> pa.Table:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        f = json.loads(line)
        rank = f.pop("rank") or {}
        rows.append(f | {"rank_scope": rank.get("scope"), "rank_position": rank.get("position"),
                         "doc_sha256": None, "clause_index": i, "read_at": None})
    return pa.Table.from_pylist(rows, schema=FACT_SCHEMA)


def test_bulletin_facts_feed_values_and_stated_growth(park):
    park.warehouse.append("facts", facts_table(GOLD / "001_f8f127a7b4d90d57.jsonl"))
    ev = cockpit_state(park.warehouse).evaluator
    h1 = Period(2022, 1, 6)
    # 规模以上工业增加值384.8亿元 (seeds 001), read as 规上工业增加值 of 杭州高新区(滨江) = 滨江区.
    assert ev.value("industrial_value_added", "滨江区", h1) == pytest.approx(3_848_000)
    # 今年1至8月新引进人才30537人,同比增长9.48%: the stated growth is the year-on-year change.
    change = ev.change("new_talent", "滨江区", Period(2022, 1, 8))
    assert (change.value, change.change, change.stated) == (30537, 9.48, True)
    # 数字经济核心产业增加值超800亿元 is a bound, not a value.
    assert ev.value("digital_core_value_added", "滨江区", h1) is None


# ---- targets ---------------------------------------------------------------------------------

def test_amounts_as_plans_write_them():
    assert amount("350亿元", "万元") == 3_500_000  # 350 × 10^8 元 = 3.5 × 10^6 万元
    assert amount("50万人", "人") == 500_000
    assert amount("3.8万元", "万元") == pytest.approx(3.8)


def test_targets_from_the_file_the_table_and_the_facts(park):
    cat = load_catalogue()
    park.warehouse.append("facts", facts_table(GOLD / "000_e2cadf5b44a01ae2.jsonl"))
    park.warehouse.append("targets", pa.table({
        "indicator_id": ["technology_transactions", "new_talent"], "subject": ["滨江区", "滨江区"],
        "period": ["2023", "2026"], "value": [360.0, 12.0], "unit": ["亿元", "growth_pct"], "source": ["plan", "plan"]},
        schema=TARGET_SCHEMA))
    found = {(t.indicator, str(t.period), t.measure): t for t in all_targets(park.warehouse, cat)}
    # The import (360亿元) wins over the file (350亿元, seeds 000) and the fact (技术交易额350亿元).
    tech = found[("technology_transactions", "2023", "level")]
    assert (tech.value, tech.origin) == (3_600_000, "table")
    assert found[("new_talent", "2026", "growth")].value == 12.0
    # The file: 在孵企业突破3800家 (2022), 人才资源总量超过50万人 by 2025-12-31 (= 2025).
    assert found[("incubated_enterprises", "2022", "level")].value == 3800
    assert found[("talent_total", "2025", "level")].qualifier == "gt"
    # The fact reader's 工业投资 …增长10%以上 (2023) is a growth target; the file gives it too and wins.
    assert found[("industrial_investment", "2023", "growth")].origin == "file"


# ---- warning rules on constructed forecasts -----------------------------------------------------

def outlook(mean: float, lo: float, hi: float, *, complete: bool = False) -> Outlook:
    path = [{"period": f"2026-{m:02d}", "actual": 1.0 if m <= 10 or complete else None} for m in range(1, 13)]
    return Outlook("gdp", "滨江区", Period(2026, 1, 12), "month", 80.0, Period(2026, 10, 10), complete,
                   mean, lo, hi, None if complete else "auto_ets", 0 if complete else 2, path=path)


@pytest.mark.parametrize(("mean", "lo", "hi", "complete", "expected"), [
    (94.0, 90.0, 98.0, False, ("far_below", "red")),  # 6% short: more than 5%
    (97.0, 93.0, 99.5, False, ("out_of_reach", "red")),  # 3% short, and even the upper bound falls short
    (98.0, 95.0, 101.0, False, ("below", "yellow")),  # short, but the interval reaches the target
    (101.0, 99.0, 103.0, False, ("at_risk", "yellow")),  # reaches it, the lower bound does not
    (103.0, 101.0, 105.0, False, ("on_track", "green")),
    (99.0, 99.0, 99.0, True, ("missed", "red")),  # the period is over
    (100.0, 100.0, 100.0, True, ("met", "green")),
])
def test_target_rules_on_constructed_forecasts(mean, lo, hi, complete, expected):
    target = Target("gdp", "滨江区", Period(2026, 1, 12), 100.0)
    warning = target_warning(target, outlook(mean, lo, hi, complete=complete), None, load_rules())
    assert (warning.rule, warning.level) == expected


def test_a_growth_target_is_judged_in_points():
    """Target +10%; last year 100; expected 108.9 → growth 8.9%, 1.1 points short: yellow (not past 5 points)."""
    target = Target("industrial_investment", "滨江区", Period(2026, 1, 12), 10.0, measure="growth")
    warning = target_warning(target, outlook(108.9, 104.0, 114.0), 100.0, load_rules())
    assert warning.measures["gap_pct"] == pytest.approx(-1.1)
    assert (warning.rule, warning.level) == ("below", "yellow")
    cause = warning.cause(load_catalogue(), "zh")
    assert "同比增长8.9%" in cause and "同比增长10.0%" in cause and "1.1个百分点" in cause


def test_a_missing_measure_never_fires_a_rule():
    assert judge({"gap_pct": None, "complete": 0.0}, load_rules()) == ("on_track", "green")


def test_enterprise_warnings_on_a_hand_made_panel(park):
    rows = [
        # Firm 1: revenue 2000 → 1000 (−50%: red), tax 100 → 90 (−10%: none), staff 50 → 50.
        *(firm_year(1, y, revenue=r, tax_paid=t, employees=50, rd_expense=100.0) for y, r, t in
          ((2022, 2100.0, 100.0), (2023, 2000.0, 100.0), (2024, 1000.0, 90.0))),
        # Firm 2: 高企 since 2021-11 (due 2024), R&D 2% of revenue over three years < 5% (revenue ≤ 5000万): red.
        *(firm_year(2, y, revenue=3000.0, rd_expense=60.0, rd_expense_domestic=60.0, high_tech_revenue=2400.0,
                    employees=100, rd_staff=20, certifications="高新技术企业@2021-11-03")
          for y in (2022, 2023, 2024)),
        # Firm 3: 高企 granted 2023: not due yet, whatever its R&D.
        *(firm_year(3, y, revenue=3000.0, rd_expense=30.0, certifications="高新技术企业@2023-10-01")
          for y in (2023, 2024)),
    ]
    load(park, rows)
    table = ea.flagged(park.warehouse, load_rules(), 2024)
    total, cases = ea.cases(table, load_rules(), "revenue_fall")
    assert total == 1 and cases[0]["uscc"] == uscc(1) and cases[0]["level"] == "red"
    assert cases[0]["evidence"]["change"] == pytest.approx(-50.0)
    assert cases[0]["href"] == f"/enterprises/{uscc(1)}"
    assert ea.cases(table, load_rules(), "tax_fall")[0] == 0
    total, cases = ea.cases(table, load_rules(), "high_tech_at_risk")
    assert total == 1 and cases[0]["uscc"] == uscc(2)
    gap = cases[0]["evidence"]["gaps"][0]
    assert (gap["condition"], gap["threshold"]) == ("rd_ratio", 5.0) and gap["observed"] == pytest.approx(2.0)
    assert cases[0]["evidence"]["due_year"] == 2024
    assert ea.evidence_text("high_tech_at_risk", cases[0]["evidence"], "zh") == \
        "2021年认定，2024年到期；近三年研发费用占营收比例2.0%，低于5%"


# ---- ratings -----------------------------------------------------------------------------------

def test_star_bands_on_a_hand_made_index():
    bands = (Band(min=90, stars=5), Band(min=75, stars=4), Band(min=50, stars=3), Band(min=25, stars=2),
             Band(min=0, stars=1))
    assert [stars_of(x, bands) for x in (100, 90, 89.99, 75, 50, 49.9, 25, 0)] == [5, 5, 4, 4, 3, 2, 2, 1]


def test_rating_ranks_and_sensitivity_by_hand():
    """Min-max scores: a: 甲 100, 乙 0, 丙 40; b: 甲 0, 乙 100, 丙 60.
    Weights 0.5/0.5 → 甲 50, 乙 50, 丙 50: a three-way tie, all rank 1, three stars.
    Weight a +20% (0.6/0.5): 甲 54.5, 乙 45.5, 丙 49.1 → 甲 1, 丙 2, 乙 3."""
    spec = RatingSpec(id="t", zh="测试", en="test", level="district", normalise="min_max", sensitivity=20,
                      indicators=[Part(id="a", weight=0.5), Part(id="b", weight=0.5)])
    table = {"甲": {"a:value": 10.0, "b:value": 0.0}, "乙": {"a:value": 0.0, "b:value": 5.0},
             "丙": {"a:value": 4.0, "b:value": 3.0}}
    rows = {r["subject"]: r for r in rate(table, spec)}
    assert {s: (r["index"], r["rank"], r["stars"]) for s, r in rows.items()} == \
        {"甲": (50.0, 1, 3), "乙": (50.0, 1, 3), "丙": (50.0, 1, 3)}
    up_a = next(s for s in sensitivity(table, spec) if s["part"] == "a:value" and s["change_pct"] == 20)
    assert up_a["ranks"] == {"甲": 1, "丙": 2, "乙": 3}
    assert up_a["moves"] == {"丙": -1, "乙": -2}


def test_a_missing_value_scores_zero():
    spec = RatingSpec(id="t", zh="测试", en="test", level="district", indicators=[Part(id="a", weight=1)])
    rows = {r["subject"]: r for r in rate({"甲": {"a:value": 1.0}, "乙": {"a:value": None},
                                           "丙": {"a:value": 3.0}}, spec)}
    assert (rows["乙"]["index"], rows["乙"]["rank"]) == (0.0, 2)  # tied with 甲's min-max 0


# ---- the catalogue refuses what it cannot compile -------------------------------------------------

@pytest.mark.parametrize(("formula", "message"), [
    ({"sum": "salary"}, "not a panel column"),
    ({"count_certified": "高企"}, "no certification"),
    ({"ratio": ["revenue"]}, "numerator, denominator"),
    ({"sum": "revenue", "count": "enterprises"}, "exactly one"),
    ({"indicator": "nowhere"}, "no indicator"),
    ({"eval": "__import__('os')"}, "exactly one"),
])
def test_the_catalogue_refuses_bad_formulas(formula, message):
    raw = {"indicators": [{"id": "x", "zh": "x", "en": "x", "unit": "万元", "kind": "flow", "formula": formula}]}
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(raw)


def test_the_cache_follows_the_warehouse(park):
    load(park, tiny_panel())
    first = cockpit_state(park.warehouse)
    assert cockpit_state(park.warehouse) is first
    values(park, [("gdp", "滨江区", "2024Q1", 1.0, "万元")])  # a count changes: a new state
    second = cockpit_state(park.warehouse)
    assert second is not first and second.evaluator.value("gdp", "滨江区", Period(2024, 1, 3)) == 1.0
    invalidate(park.warehouse)
    assert cockpit_state(park.warehouse) is not second
