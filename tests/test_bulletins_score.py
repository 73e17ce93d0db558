"""The comparison of facts.md "Comparing two lists", on hand-made pairs."""

from __future__ import annotations

import pytest

from parkbrain.bulletins.score import (
    compare,
    facts_match,
    period_span,
    subjects_agree,
    units_equal,
    values_agree,
)


def fact(**fields):
    base = {"doc": "a.txt", "metric": "地区生产总值", "metric_id": None, "value": 218480000000.0, "unit": "CNY",
            "kind": "actual", "measure": "level", "qualifier": "eq", "growth_pct": None, "period": "2022",
            "subject": "杭州高新区(滨江)"}
    return {**base, **fields}


@pytest.mark.parametrize(("a", "b", "equal"), [
    ("enterprise", "item", True), ("person", "project", True), ("CNY", "USD", False), ("CNY", "CNY", True),
    ("percent", "percentage_point", False), ("sqm", "km2", False), ("sqm", "item", False), ("rank", "item", False),
    ("mu", "mu", True), ("km", "item", False),
])
def test_units(a, b, equal):
    assert units_equal(a, b) is equal


@pytest.mark.parametrize(("a", "b", "unit", "agree"), [
    (218480000000, 218500000000, "CNY", True),    # 0.009% apart
    (218480000000, 218700000000, "CNY", False),   # 0.1007% apart
    (10.02, 10.03, "percent", True),              # 0.01 absolute
    (10.02, 10.04, "percent", False),
    (1.4, 1.41, "percentage_point", True),
    (5.0, 5.01, "enterprise", False),             # a count: 0.2% apart is too far
    (1000, 1001, "item", True),                   # 0.1% exactly
])
def test_values(a, b, unit, agree):
    assert values_agree(a, b, unit) is agree


def test_metric_containment_and_metric_id():
    assert facts_match(fact(metric="2022年地区生产总值"), fact())
    assert facts_match(fact(metric="生产总值"), fact())
    assert not facts_match(fact(metric="规上工业增加值"), fact())
    assert facts_match(fact(metric="GDP", metric_id="gdp"), fact(metric_id="gdp"))
    assert facts_match(fact(metric="地区 生产总值"), fact())  # white space removed
    assert facts_match(fact(metric="ＧＤＰ"), fact(metric="GDP"))  # NFKC


def test_counts_of_different_units_match():
    assert facts_match(fact(metric="上市公司", value=69, unit="enterprise"),
                       fact(metric="累计培育上市公司", value=69, unit="item"))


@pytest.mark.parametrize(("a", "b"), [
    ("2022H1", "2022-01..2022-06"), ("2020-12-31", "2020"), ("2023Q1", "2023-01..2023-03"),
    ("2022H2", "2022-07..2022-12"), ("2022", "2022-01..2022-12"),
])
def test_equivalent_periods(a, b):
    assert period_span(a) == period_span(b)


def test_different_periods():
    assert period_span("2022-09-30") != period_span("2022-01..2022-09")
    assert period_span("2022") != period_span("2022H1")


@pytest.mark.parametrize(("a", "b", "agree"), [
    ("杭州高新区(滨江)", "高新区(滨江)", True),
    ("合肥高新技术产业开发区", "合肥高新区", True),
    ("青岛经济技术开发区", "青岛经开区", True),
    ("钱塘区", "杭州医药港", False),
    (None, None, True), ("钱塘区", None, False),
])
def test_subjects(a, b, agree):
    assert subjects_agree(a, b) is agree


def test_precision_recall_f1_and_field_accuracy():
    gold = [fact(), fact(metric="规上工业增加值", value=75640000000.0),
            fact(metric="新引进各类人才", value=38000, unit="person", growth_pct=5.9),
            fact(doc="b.txt", metric="在孵企业", value=3800, unit="enterprise", kind="target", qualifier="gt")]
    predicted = [fact(period="2022-01..2022-12"),                              # matches, period equivalent
                 fact(metric="新引进人才", value=38000, unit="person"),        # no match: metric
                 fact(metric="各类人才", value=38000, unit="person", growth_pct=5.9, subject="高新区(滨江)"),
                 fact(doc="b.txt", metric="在孵企业", value=3800, unit="enterprise", kind="actual", qualifier="gt"),
                 fact(doc="a.txt", metric="在孵企业", value=3800, unit="enterprise")]  # other doc: no match
    result = compare(predicted, gold)
    assert (result.matches, result.predicted, result.gold) == (3, 5, 4)
    assert result.precision == pytest.approx(3 / 5)
    assert result.recall == pytest.approx(3 / 4)
    assert result.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert result.accuracy["kind"] == pytest.approx(2 / 3)
    assert result.accuracy["period"] == 1.0 and result.accuracy["subject"] == 1.0
    assert result.accuracy["growth_pct"] == 1.0


def test_each_gold_fact_matches_at_most_once():
    gold = [fact()]
    result = compare([fact(), fact(metric="2022年地区生产总值")], gold)
    assert (result.matches, result.precision, result.recall) == (1, 0.5, 1.0)


def test_maximum_matching_not_greedy():
    """Gold A can match P1 or P2, gold B only P1: both match when A takes P2."""
    gold = [fact(metric="生产总值"), fact(metric="地区生产总值")]
    predicted = [fact(metric="地区生产总值"), fact(metric="生产总值增加")]
    # P1 地区生产总值 contains both gold metrics; P2 生产总值增加 contains only 生产总值.
    assert compare(predicted, gold).matches == 2
