"""Reporting periods as Chinese statistics write them: 月, 季度, 半年, 年 and cumulative months (1-8月).

A period is a run of months inside one year. Its canonical text is the one facts.md uses:
``2023``, ``2023H1``, ``2023Q1``, ``2023-03``, ``2023-01..2023-08``; a stock at a month's end
(``2025-12-31``) is the cumulative period up to that month, so ``2020-12-31`` equals ``2020``.
Year-on-year compares a period with the same months of the year before (统计局 同比).

>>> p = parse_period("2022-01..2022-08")
>>> str(p), p.label("zh"), str(p.previous_year()), p.kind
('2022-01..2022-08', '2022年1-8月', '2021-01..2021-08', 'cumulative')
>>> [str(parse_period(t)) for t in ("2023-01..2023-06", "2020-12-31", "2023Q2", "2024-3")]
['2023H1', '2020', '2023Q2', '2024-03']
>>> parse_period("2023H1").label("zh"), parse_period("2023Q3").label("en")
('2023年上半年', '2023 Q3')
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_FORMS = (
    (re.compile(r"^(\d{4})$"), lambda y: (1, 12)),
    (re.compile(r"^(\d{4})H([12])$"), lambda y, h: (6 * int(h) - 5, 6 * int(h))),
    (re.compile(r"^(\d{4})Q([1-4])$"), lambda y, q: (3 * int(q) - 2, 3 * int(q))),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), lambda y, m: (int(m), int(m))),
    (re.compile(r"^(\d{4})-(\d{1,2})\.\.(\d{4})-(\d{1,2})$"), None),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), None),
)
_CN_QUARTER = "一二三四"
_EN_MONTH = [calendar.month_abbr[m] for m in range(13)]


class PeriodError(ValueError):
    """A period text that is none of the forms ParkBrain reads."""


@dataclass(frozen=True, order=True)
class Period:
    """Months `first`..`last` (1–12) of `year`."""

    year: int
    first: int
    last: int

    def __post_init__(self) -> None:
        if not (1 <= self.first <= self.last <= 12):
            raise PeriodError(f"months {self.first}..{self.last} of {self.year} are not a run inside one year")

    @property
    def kind(self) -> str:
        """year, half, quarter, month, cumulative (January to a month) or months (any other run)."""
        span = (self.first, self.last)
        if span == (1, 12):
            return "year"
        if span in ((1, 6), (7, 12)):
            return "half"
        if self.last - self.first == 2 and self.first % 3 == 1:
            return "quarter"
        if self.first == self.last:
            return "month"
        return "cumulative" if self.first == 1 else "months"

    @property
    def length(self) -> int:
        """Number of months."""
        return self.last - self.first + 1

    def __str__(self) -> str:
        kind, y = self.kind, self.year
        if kind == "year":
            return str(y)
        if kind == "half":
            return f"{y}H{self.last // 6}"
        if kind == "quarter":
            return f"{y}Q{self.last // 3}"
        if kind == "month":
            return f"{y}-{self.first:02d}"
        return f"{y}-{self.first:02d}..{y}-{self.last:02d}"

    def months(self) -> list[str]:
        """The months as ``YYYY-MM`` texts."""
        return [f"{self.year}-{m:02d}" for m in range(self.first, self.last + 1)]

    def previous_year(self) -> Period:
        """The same months a year earlier: the base of year-on-year change."""
        return Period(self.year - 1, self.first, self.last)

    def to_date(self) -> Period:
        """January to this period's last month (累计): the cumulative period it closes."""
        return Period(self.year, 1, self.last)

    def label(self, lang: str = "zh", *, with_year: bool = True) -> str:
        """The period as reports name it: 2023年上半年, 2023年1-8月; 2023 H1, Jan–Aug 2023."""
        return _label_zh(self, with_year) if lang == "zh" else _label_en(self, with_year)


def _label_zh(p: Period, with_year: bool) -> str:
    year = f"{p.year}年" if with_year else ""
    kind = p.kind
    if kind == "year":
        return year or "全年"
    if kind == "half":
        return year + ("上半年" if p.first == 1 else "下半年")
    if kind == "quarter":
        return f"{year}{_CN_QUARTER[p.last // 3 - 1]}季度"
    if kind == "month":
        return f"{year}{p.first}月"
    return f"{year}{p.first}-{p.last}月"


def _label_en(p: Period, with_year: bool) -> str:
    year = f" {p.year}" if with_year else ""
    kind = p.kind
    if kind == "year":
        return str(p.year) if with_year else "full year"
    if kind in ("half", "quarter"):
        return (f"{p.year} " if with_year else "") + str(p)[4:]
    if kind == "month":
        return _EN_MONTH[p.first] + year
    return f"{_EN_MONTH[p.first]}–{_EN_MONTH[p.last]}{year}"


def parse_period(text: str | Period) -> Period:
    """A period from its text (facts.md forms, plus ``YYYY-M``); PeriodError names what is wrong."""
    if isinstance(text, Period):
        return text
    clean = str(text).strip()
    for pattern, span in _FORMS:
        match = pattern.match(clean)
        if not match:
            continue
        groups = match.groups()
        year = int(groups[0])
        if span is not None:
            return _checked(clean, year, *span(*groups))
        if len(groups) == 4:  # YYYY-MM..YYYY-MM
            if int(groups[2]) != year:
                raise PeriodError(f"period {clean!r} spans two years; ParkBrain's periods lie inside one year")
            return _checked(clean, year, int(groups[1]), int(groups[3]))
        return _stock_date(clean, year, int(groups[1]), int(groups[2]))
    raise PeriodError(f"period {clean!r} is none of 2023, 2023H1, 2023Q1, 2023-03, 2023-01..2023-08, 2023-12-31")


def _checked(text: str, year: int, first: int, last: int) -> Period:
    try:
        return Period(year, first, last)
    except PeriodError:
        raise PeriodError(f"period {text!r}: months {first}..{last} are not a run inside one year") from None


def _stock_date(text: str, year: int, month: int, day: int) -> Period:
    """A stock at a month's last day: January to that month (``2025-12-31`` is ``2025``)."""
    if not 1 <= month <= 12 or day != calendar.monthrange(year, month)[1]:
        raise PeriodError(f"period {text!r}: a date must be a month's last day (e.g. {year}-12-31)")
    return Period(year, 1, month)


def month_period(text: str) -> Period:
    """One month from ``YYYY-MM``."""
    period = parse_period(text)
    if period.kind != "month":
        raise PeriodError(f"{text!r} is not one month")
    return period


def add_months(month: str, n: int) -> str:
    """The month `n` months after ``YYYY-MM`` (n may be negative).

    >>> add_months("2023-11", 3), add_months("2023-01", -1)
    ('2024-02', '2022-12')
    """
    year, m = int(month[:4]), int(month[5:7])
    index = year * 12 + m - 1 + n
    return f"{index // 12}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> int:
    """How many months `end` lies after `start` (both ``YYYY-MM``).

    >>> months_between("2023-08", "2023-12"), months_between("2023-12", "2024-01")
    (4, 1)
    """
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7])
