"""Numbers and percents: hand-checked values, round trips, and the Recognizers-Text Chinese suite."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parkbrain.bulletins.numbers import find_numbers
from parkbrain.bulletins.numerals import parse_number
from parkbrain.bulletins.percents import find_percents

ROOT = Path(__file__).resolve().parents[1]
SUITE = Path(__file__).resolve().parents[2] / "shared" / "peer-suites" / "recognizers-text-zh"


def _peer_module():
    spec = importlib.util.spec_from_file_location("peer_numbers", ROOT / "benchmarks" / "peer_numbers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("peer_numbers", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("text", "value"), [
    ("一千二百三十四", 1234), ("2184.8亿", 218480000000), ("1.2万亿", 1200000000000), ("3.8万", 38000),
    ("两千零五", 2005), ("十万零五十六", 100056), ("壹佰伍拾", 150), ("一万三", 13000), ("两千三", 2300),
    ("5万4千6百", 54600), ("1,100万", 11000000), ("四百亿点零五", 40000000000.05), ("二十一万亿", 21e12),
    ("零点五", 0.5), ("一百零十万", 1100000), ("三点五万", 35000),
])
def test_parse_number_hand_checked(text, value):
    assert parse_number(text) == Decimal(str(value))


@pytest.mark.parametrize("text", ["万", "二三十", "五十千", "十二三", ""])
def test_no_single_number(text):
    assert parse_number(text) is None


@pytest.mark.parametrize(("text", "found"), [
    ("新引进各类人才3.8万人,增长5.9%", [("3.8万", 38000), ("5.9", 5.9)]),
    ("一切从实际出发,四川的陆地,队伍", []),
    ("三分之一", [("三分之一", 1 / 3)]),
    ("负3.2", [("负3.2", -3.2)]),
    ("2023.08.10", [("2023", 2023), ("08", 8), ("10", 10)]),
    ("详见https://example.com/a100", []),
])
def test_find_numbers(text, found):
    assert [(n.text, pytest.approx(float(n.value))) for n in find_numbers(text)] == found


@pytest.mark.parametrize(("text", "value", "form"), [
    ("同比增长5.9%", 5.9, "%"), ("百分之十二点五", 12.5, "百分之"), ("千分之二点四", 0.24, "百分之"),
    ("提高0.4个百分点", 0.4, "points"), ("近七成", 70, "成"), ("三成半", 35, "成"), ("打八五折", 85, "折"),
    ("下降-3.2%", -3.2, "%"),
])
def test_find_percents(text, value, form):
    (percent,) = find_percents(text)
    assert (float(percent.value), percent.form) == (pytest.approx(value), form)


def test_percent_not_fraction():
    assert find_percents("五百分之2.2") == []
    assert find_percents("二三十个百分点") == []


_DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    """A reference writer of Chinese numerals (the way statistics write them), for round trips."""
    def section(v: int) -> str:
        out, zero = "", False
        for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
            d = v // size % 10
            if d:
                out += ("零" if zero and out else "") + _DIGITS[d] + unit
                zero = False
            else:
                zero = True
        return out

    parts, out = [(n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")], ""
    for v, unit in parts:
        if v:
            if out and v < 1000:
                out += "零"
            out += section(v) + unit
    return out


@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_chinese_numerals_round_trip(n):
    assert parse_number(_chinese(n)) == n


@given(st.integers(min_value=0, max_value=10**15))
def test_arabic_with_thousands_separators_round_trip(n):
    assert parse_number(f"{n:,}") == n


def test_peer_suite_pass_rates():
    """Recognizers-Text's Chinese NumberModel and PercentModel cases: goal >= 95% each and together."""
    peer = _peer_module()
    reports = [peer.run_model(model, SUITE) for model in ("NumberModel", "PercentModel")]
    for report in reports:
        assert report.rate >= 0.95, (report.model, report.failures[:5])
    together = sum(r.passed for r in reports) / sum(r.cases for r in reports)
    assert together >= 0.95
    assert sum(r.cases for r in reports) == 517  # the suite as copied: 365 + 152 cases
