"""Indicator values for a subject and a period, and their year-on-year change.

A flow's value for a period is tiled from whatever the statistics report inside that year:
the period itself, its months, quarters or halves, or the difference of two cumulative
figures (1-8月 − 1-6月 = 7-8月). A stock's value is the one reported at the period's last
month. A panel formula has values for whole years only. Year-on-year change compares the
same months of the year before; a change a bulletin states for that period is used as is
(the statistics bureau's growth is on a comparable basis the levels cannot reproduce).

>>> from parkbrain.cockpit.reported import Reported
>>> cum = {Period(2023, 1, m): Reported(v, "t") for m, v in ((2, 10.0), (3, 16.0), (6, 40.0))}
>>> flow_value(cum, Period(2023, 3, 3)), flow_value(cum, Period(2023, 4, 6)), flow_value(cum, Period(2023, 4, 4))
(6.0, 24.0, None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parkbrain.cockpit.catalogue import OPERATORS, Catalogue, Indicator
from parkbrain.cockpit.panel import ALL, Aggregates, leaf_key
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.reported import Reported, ReportedStore


@dataclass(frozen=True)
class Change:
    """A value, the same period a year earlier, and the change: percent, or percentage points for a percentage."""

    value: float | None
    previous: float | None
    change: float | None
    unit: str  # "pct" or "pp"
    stated: bool = False  # the change is the one a bulletin states


def _blocks(periods: dict[Period, Reported], year: int) -> list[tuple[int, int, float]]:
    """(first, last, value) runs of one year: the reported periods and differences of cumulative ones."""
    inside = [(p.first, p.last, r.value) for p, r in periods.items() if p.year == year and r.value is not None]
    cumulative = sorted((last, value) for first, last, value in inside if first == 1)
    derived = [(a + 1, b, vb - va) for i, (a, va) in enumerate(cumulative) for b, vb in cumulative[i + 1:]]
    return inside + derived


def flow_value(periods: dict[Period, Reported], period: Period) -> float | None:
    """A flow over `period` tiled from reported runs (exact first), None when the months cannot be covered."""
    exact = periods.get(period)
    if exact is not None and exact.value is not None:
        return exact.value
    blocks = [b for b in _blocks(periods, period.year) if period.first <= b[0] and b[1] <= period.last]
    reach: dict[int, float] = {period.first - 1: 0.0}
    for month in range(period.first, period.last + 1):
        for first, last, value in blocks:
            if last == month and first - 1 in reach and month not in reach:
                reach[month] = reach[first - 1] + value
    return reach.get(period.last)


def stock_value(periods: dict[Period, Reported], period: Period) -> float | None:
    """A stock at the end of `period`: a figure reported for a period ending that month (a month's first)."""
    ending = [(p.length, r.value) for p, r in periods.items()
              if p.year == period.year and p.last == period.last and r.value is not None]
    return min(ending)[1] if ending else None


class Evaluator:
    """Values of the catalogue's indicators over precomputed panel aggregates and reported figures."""

    def __init__(self, catalogue: Catalogue, panel: Aggregates, reported: ReportedStore) -> None:
        self.catalogue = catalogue
        self.panel = panel
        self.reported = reported
        self._memo: dict[tuple[str, str, Period], float | None] = {}
        self._levels = {s: lv for (lv, s, _y) in panel}

    def value(self, indicator: str, subject: str, period: Period) -> float | None:
        """The indicator's value for a subject (a district, a park, or ALL) and a period."""
        key = (indicator, subject, period)
        if key not in self._memo:
            self._memo[key] = self._value(self.catalogue[indicator], subject, period)
        return self._memo[key]

    def _value(self, ind: Indicator, subject: str, period: Period) -> float | None:
        if ind.formula is not None:
            computed = self._formula(ind.formula, subject, period)
            if computed is not None:
                return computed
        periods = self.reported.get(ind.id, subject)
        if not periods:
            return None
        if ind.kind == "flow":
            return flow_value(periods, period)
        if ind.kind == "stock":
            return stock_value(periods, period)
        exact = periods.get(period)
        return exact.value if exact else None

    def _formula(self, node: Any, subject: str, period: Period) -> float | None:
        if isinstance(node, dict) and "ratio" in node:
            num, den = (self._formula(part, subject, period) for part in node["ratio"])
            if num is None or not den:
                return None
            return num / den * node.get("scale", 1)
        if isinstance(node, dict) and next(k for k in node if k in OPERATORS) == "indicator":
            return self.value(node["indicator"], subject, period)
        if period.kind != "year":
            return None
        level = "all" if subject == ALL else self._levels.get(subject)
        row = self.panel.get((level, subject, period.year)) if level else None
        return None if row is None else row.get(leaf_key(node))

    def change(self, indicator: str, subject: str, period: Period) -> Change:
        """Value, value a year earlier and year-on-year change (a bulletin's stated change first)."""
        ind = self.catalogue[indicator]
        value = self.value(indicator, subject, period)
        previous = self.value(indicator, subject, period.previous_year())
        unit = "pp" if ind.unit == "%" else "pct"
        stated = self._stated_growth(indicator, subject, period)
        if stated is not None and unit == "pct":
            return Change(value, previous, stated, unit, stated=True)
        if value is None or previous is None:
            return Change(value, previous, None, unit)
        if unit == "pp":
            return Change(value, previous, value - previous, unit)
        return Change(value, previous, (value / previous - 1) * 100 if previous else None, unit)

    def _stated_growth(self, indicator: str, subject: str, period: Period) -> float | None:
        level = self.reported.get(indicator, subject).get(period)
        if level is not None and level.growth is not None:
            return level.growth
        only = self.reported.growths.get((indicator, subject, period))
        return only.growth if only else None

    def latest_period(self, indicator: str, subject: str, upto: Period) -> Period | None:
        """The longest period of `upto`'s year up to its last month with a value (else last year's), as reports do."""
        candidates = [Period(upto.year, 1, m) for m in range(upto.last, 0, -1)]
        candidates += [Period(upto.year - 1, 1, 12)]
        return next((p for p in candidates if self.value(indicator, subject, p) is not None), None)

    def monthly(self, indicator: str, subject: str, year_from: int, year_to: int) -> list[tuple[Period, float | None]]:
        """Month by month over whole years: a flow's months (January-February split evenly when
        only reported together, as 1-2月 often is) or a stock's month-end values."""
        ind = self.catalogue[indicator]
        out: list[tuple[Period, float | None]] = []
        for year in range(year_from, year_to + 1):
            months = [self.value(indicator, subject, Period(year, m, m)) for m in range(1, 13)]
            if ind.kind == "flow" and months[0] is None and months[1] is None:
                both = self.value(indicator, subject, Period(year, 1, 2))
                if both is not None:
                    months[0] = months[1] = both / 2
            out += [(Period(year, m + 1, m + 1), v) for m, v in enumerate(months)]
        return out

    def quarterly(self, indicator: str, subject: str, year_from: int, year_to: int) -> list[tuple[Period, float | None]]:
        """Quarter by quarter over whole years (a flow's quarters, a stock's quarter-end values)."""
        return [(Period(y, 3 * q - 2, 3 * q), self.value(indicator, subject, Period(y, 3 * q - 2, 3 * q)))
                for y in range(year_from, year_to + 1) for q in range(1, 5)]

    def source_of(self, indicator: str, subject: str, period: Period) -> Reported | None:
        """The reported figure behind a value, when it was reported for exactly that period."""
        return self.reported.get(indicator, subject).get(period)
