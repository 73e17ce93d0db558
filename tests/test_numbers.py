"""Figures as Chinese reports write them: values checked by hand (see the comments)."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkbrain import numbers as n


@pytest.mark.parametrize(("wan", "expected"), [
    (21_848_000, "2184.8亿元"),  # 2184.8亿 = 21,848,000万: the 滨江 2022 GDP as the news wrote it
    (21_848_500, "2184.9亿元"),  # 2184.85 rounds half up (float round() would give 2184.8)
    (7_564_000, "756.4亿元"),
    (20_000, "2亿元"),           # reports write 2亿元, not 2.0亿元
    (10_000, "1亿元"),           # one 亿 exactly switches unit
    (9_999.4, "9999.4万元"),
    (9_999.96, "1亿元"),          # rounds to 10000.0万 = 1亿: shown in 亿
    (3.8, "3.8万元"),
    (0.25, "0.3万元"),
    (0, "0万元"),
    (-27.27, "-27.3万元"),        # losses keep their sign
    (-12_500, "-1.3亿元"),
    (None, "—"),
])
def test_money_zh(wan, expected):
    assert n.money_zh(wan) == expected


@pytest.mark.parametrize(("wan", "expected"), [
    (2_185_000, "21.85 bn CNY"),   # 218.5亿元 = 21,850,000,000 CNY
    (21_848_000, "218.48 bn CNY"),
    (150, "1.50 m CNY"),           # 150万 = 1,500,000 CNY
    (3.8, "38,000 CNY"),
    (None, "—"),
])
def test_money_en(wan, expected):
    assert n.money_en(wan) == expected


@pytest.mark.parametrize(("people", "zh", "en"), [
    (38_000, "3.8万人", "38,000 people"),
    (10_000, "1万人", "10,000 people"),
    (9_999, "9,999人", "9,999 people"),
    (1, "1人", "1 person"),
])
def test_people(people, zh, en):
    assert (n.people_zh(people), n.people_en(people)) == (zh, en)


def test_counts():
    assert n.count_zh(1234) == "1,234家"
    assert n.count_zh(7797, "件") == "7,797件"
    assert n.count_zh(69) == "69家"
    assert n.count_en(1234567) == "1,234,567"
    assert n.count(1234, "en") == "1,234" and n.count(1234, "zh") == "1,234家"


@pytest.mark.parametrize(("pct", "zh", "en"), [
    (5.9, "同比增长5.9%", "+5.9% YoY"),
    (1.8, "同比增长1.8%", "+1.8% YoY"),
    (-3.2, "同比下降3.2%", "-3.2% YoY"),
    (0.05, "同比增长0.1%", "+0.1% YoY"),   # half up
    (0.049, "与上年持平", "flat YoY"),       # shows as 0.0: no direction to report
    (-0.04, "与上年持平", "flat YoY"),
    (0, "与上年持平", "flat YoY"),
    (None, "—", "—"),
])
def test_growth(pct, zh, en):
    assert (n.growth_zh(pct), n.growth_en(pct)) == (zh, en)


def test_points_and_percent():
    assert n.points_zh(0.7) == "比上年提高0.7个百分点"
    assert n.points_zh(-0.25) == "比上年下降0.3个百分点"
    assert n.points_en(0.7) == "+0.7 pp YoY"
    assert n.percent(7.66) == "7.7%" and n.percent(10) == "10.0%"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_money_zh_reads_back_within_rounding(wan):
    text = n.money_zh(wan)
    match = re.fullmatch(r"(-?\d+(?:\.\d)?)(亿元|万元)", text)
    assert match, text
    value = Decimal(match.group(1)) * (10_000 if match.group(2) == "亿元" else 1)
    step = Decimal(1000) if match.group(2) == "亿元" else Decimal("0.1")  # half a unit of the last digit, doubled
    assert abs(value - Decimal(repr(wan))) <= step / 2 + Decimal("1e-6")
    assert (match.group(2) == "亿元") == (abs(value) >= 10_000)


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
def test_growth_direction_matches_sign(pct):
    text = n.growth_zh(pct)
    if abs(pct) < 0.05:
        assert text == "与上年持平"
    elif pct > 0:
        assert text.startswith("同比增长")
    else:
        assert text.startswith("同比下降")
