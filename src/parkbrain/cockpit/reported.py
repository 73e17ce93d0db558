"""Reported figures: imported statistics (indicator_values) and bulletin facts, indexed by period.

Values are kept in the catalogue's unit: an import row in another known unit (亿元, 万人) is
converted, a fact's base unit (CNY, person…) too. A fact is a value only when it is exact or
approximate (``超800亿元`` is a bound, not a value); its stated growth (``同比增长4.0%``) is
kept as the official year-on-year change of that period. Where an import and a fact give the
same indicator, subject and period, the import wins.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from parkbrain.cockpit.catalogue import UNIT_FACTORS, Catalogue
from parkbrain.cockpit.periods import Period, PeriodError, parse_period
from parkbrain.warehouse.base import Warehouse

# Import units other than the catalogue's: (given, catalogue) -> factor.
IMPORT_FACTORS = {("亿元", "万元"): 1e4, ("元", "万元"): 1e-4, ("万人", "人"): 1e4, ("万家", "家"): 1e4,
                  ("亿美元", "万美元"): 1e4}
VALUE_QUALIFIERS = ("eq", "approx")


@dataclass(frozen=True)
class Reported:
    """One reported figure: its value (catalogue unit), where it comes from, and any stated growth."""

    value: float | None
    source: str
    growth: float | None = None
    text: str | None = None


@dataclass
class ReportedStore:
    """(indicator, subject) -> period -> figure; stated growths without a level kept apart."""

    values: dict[tuple[str, str], dict[Period, Reported]]
    growths: dict[tuple[str, str, Period], Reported]

    def get(self, indicator: str, subject: str) -> dict[Period, Reported]:
        """The periods reported for an indicator and subject."""
        return self.values.get((indicator, subject), {})

    def until(self, month: Period) -> ReportedStore:
        """The figures of periods that end by `month` (what was known when its figures came out)."""
        def seen(p: Period) -> bool:
            return (p.year, p.last) <= (month.year, month.last)
        values = {k: {p: r for p, r in periods.items() if seen(p)} for k, periods in self.values.items()}
        return ReportedStore({k: v for k, v in values.items() if v},
                             {k: r for k, r in self.growths.items() if seen(k[2])})

    def subjects(self, indicator: str) -> list[str]:
        """The subjects with reported values of an indicator."""
        return sorted({s for (i, s) in self.values if i == indicator})


def _factor(given: str | None, wanted: str) -> float | None:
    if not given or given == wanted:
        return 1.0
    return IMPORT_FACTORS.get((given, wanted))


def import_rows(warehouse: Warehouse, catalogue: Catalogue) -> list[tuple[str, str, Period, Reported]]:
    """The indicator_values rows of catalogued indicators, converted; rows in unknown units or periods skipped."""
    table = warehouse.table("indicator_values")
    rows = warehouse.to_pylist(table.filter(table.indicator_id.isin(list(catalogue.indicators))))
    out = []
    for row in rows:
        unit = catalogue[row["indicator_id"]].unit
        factor = _factor(row["unit"], unit)
        try:
            period = parse_period(row["period"])
        except PeriodError:
            continue
        if factor is None or row["value"] is None:
            continue
        out.append((row["indicator_id"], row["subject"], period,
                    Reported(row["value"] * factor, f"indicator_values:{row['source'] or ''}")))
    return out


def match_metric(catalogue: Catalogue, metric_id: str | None, metric: str | None) -> str | None:
    """The indicator a fact is about: by its metric id, else by the bulletin reader's metric match, else by name."""
    by_metric = catalogue.by_metric()
    if metric_id:
        return by_metric.get(metric_id) or (metric_id if metric_id in catalogue else None)
    if not metric:
        return None
    try:
        from parkbrain.bulletins.metrics import load_catalogue as metric_catalogue
    except ImportError:  # the reader's catalogue is optional: fall back to exact names
        matched = None
    else:
        matched = metric_catalogue().match(metric)
    return by_metric.get(matched) if matched else catalogue.by_name().get(metric.strip())


def fact_rows(warehouse: Warehouse, catalogue: Catalogue, *, kind: str = "actual") -> list[dict]:
    """Facts of a kind mapped onto indicators: each with its indicator, subject, period and value in the catalogue's unit."""
    facts = warehouse.table("facts")
    out = []
    for row in warehouse.to_pylist(facts.filter(facts.kind == kind)):
        indicator = match_metric(catalogue, row["metric_id"], row["metric"])
        if indicator is None or row["period"] is None:
            continue
        try:
            period = parse_period(row["period"])
        except PeriodError:
            continue
        unit = catalogue[indicator].unit
        factor = UNIT_FACTORS.get((row["unit"], unit)) if row["measure"] != "growth" else 1.0
        if factor is None or row["value"] is None:
            continue
        out.append(row | {"indicator": indicator, "subject": catalogue.subject_of(row["subject"]),
                          "period_obj": period, "converted": row["value"] * factor})
    return out


def load_reported(warehouse: Warehouse, catalogue: Catalogue) -> ReportedStore:
    """Every reported figure of the catalogue's indicators, imports over facts."""
    values: dict[tuple[str, str], dict[Period, Reported]] = defaultdict(dict)
    growths: dict[tuple[str, str, Period], Reported] = {}
    for row in fact_rows(warehouse, catalogue):
        key, period, source = (row["indicator"], row["subject"]), row["period_obj"], f"fact:{row['doc']}"
        if row["measure"] == "growth":
            growths[(*key, period)] = Reported(None, source, row["converted"], row["text"])
        elif row["measure"] == "level" and row["qualifier"] in VALUE_QUALIFIERS:
            values[key][period] = Reported(row["converted"], source, row["growth_pct"], row["text"])
    for indicator, subject, period, reported in import_rows(warehouse, catalogue):
        values[(indicator, subject)][period] = reported
    return ReportedStore(dict(values), growths)
