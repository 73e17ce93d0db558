"""Indicator values written as reports write them, in the indicator's unit, through parkbrain.numbers.

>>> value_text(3500000, "万元"), value_text(500000, "人"), value_text(3800, "家"), value_text(10.021, "%")
('350亿元', '50万人', '3,800家', '10.02%')
>>> value_text(598.24, "件/万人"), change_text(4.04, "pct"), change_text(-0.26, "pp", "en")
('598.2件', '同比增长4.0%', '-0.3 pp YoY')
>>> plain_count(3800, "家"), value_text(30537, "人")
('3800家', '3.1万人')
"""

from __future__ import annotations

from parkbrain import numbers

COUNT_UNITS = ("家", "件", "个", "项")
EN_UNITS = {"件/万人": "per 10k residents", "家": "enterprises", "件": "items", "个": "projects"}


def value_text(value: float | None, unit: str, lang: str = "zh") -> str:
    """A value in its catalogue unit: 万元 as 亿元 / 万元, people as 万人, counts with separators, ratios."""
    if value is None:
        return numbers.MISSING
    if unit == "万元":
        return numbers.money(value, lang)
    if unit == "人":
        return numbers.people(value, lang)
    if unit == "%":
        return f"{numbers.fixed(value, 2)}%"
    if unit == "件/万人":
        return f"{numbers.fixed(value, 1)}件" if lang == "zh" else f"{numbers.fixed(value, 1)} {EN_UNITS[unit]}"
    if unit in COUNT_UNITS:
        return numbers.count(value, lang, unit) + ("" if lang == "zh" else f" {EN_UNITS.get(unit, '')}".rstrip())
    return f"{numbers.fixed(value, 2)}{unit}"


def plain_count(value: float, unit: str) -> str:
    """A count as a sentence writes it, without separators (在孵企业3800家)."""
    return f"{numbers.fixed(value, 0)}{unit}"


def change_text(change: float | None, unit: str, lang: str = "zh") -> str:
    """Year-on-year change: growth in percent, or percentage points for a ratio."""
    return numbers.points(change, lang) if unit == "pp" else numbers.growth(change, lang)


def axis(unit: str, lang: str = "zh") -> tuple[float, str]:
    """Divisor and axis label for charts of a unit: 万元 shown in 亿元 (or bn CNY)."""
    if unit == "万元":
        return (1e4, "亿元") if lang == "zh" else (1e5, "bn CNY")
    if unit == "人":
        return (1e4, "万人") if lang == "zh" else (1.0, "people")
    return 1.0, unit if lang == "zh" else EN_UNITS.get(unit, unit)
