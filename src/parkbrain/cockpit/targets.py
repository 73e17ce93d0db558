"""Targets per indicator and period: the targets file, the `targets` table and bulletin target facts.

>>> amount("350亿元", "万元"), amount("50万人", "人"), amount("3800家", "家"), amount("10%", "%")
(3500000.0, 500000.0, 3800.0, 10.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from parkbrain.cockpit.catalogue import Catalogue
from parkbrain.cockpit.periods import Period, PeriodError, parse_period
from parkbrain.cockpit.reported import IMPORT_FACTORS, fact_rows
from parkbrain.warehouse.base import Warehouse

GROWTH_UNIT = "growth_pct"  # the `targets` table's unit for a growth target
_AMOUNT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(亿|万)?\s*(.*?)\s*$")
_MULTIPLIER = {"亿": 1e8, "万": 1e4, None: 1.0}
PRIORITY = {"table": 0, "file": 1, "fact": 2}


class TargetError(ValueError):
    """A malformed target: names the entry and what to fix."""


def amount(text: str | float, unit: str) -> float:
    """A value as plans write it (350亿元, 50万人, 10%) in the indicator's unit (万元, 人, %)."""
    if isinstance(text, int | float):
        return float(text)
    match = _AMOUNT.match(str(text))
    if not match:
        raise TargetError(f"value {text!r} is not a number with a unit such as 350亿元 or 50万人")
    number, scale, rest = float(match.group(1)), match.group(2), match.group(3)
    base = number * _MULTIPLIER[scale]
    if unit == "万元" and rest in ("元", ""):
        return base / 1e4 if rest == "元" or scale else base
    if unit == "万美元" and rest == "美元":
        return base / 1e4
    if rest in ("", unit) or (unit == "%" and rest == "%"):
        return base
    raise TargetError(f"value {text!r} is not in {unit}")


@dataclass(frozen=True)
class Target:
    """A target: the value (catalogue unit, or percent growth) an indicator should reach in a period."""

    indicator: str
    subject: str
    period: Period
    value: float
    measure: str = "level"  # level, or growth (percent, year on year)
    qualifier: str = "eq"
    source: str = ""
    origin: str = "file"  # file, table or fact

    @property
    def key(self) -> tuple[str, str, Period, str]:
        """What two targets must share to be the same target."""
        return (self.indicator, self.subject, self.period, self.measure)


class TargetEntry(BaseModel):
    """One entry of data/targets.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    indicator: str
    subject: str
    period: str
    value: str | float
    measure: str = "level"
    qualifier: str = "eq"
    source: str


def _from_entry(entry: TargetEntry, catalogue: Catalogue, where: str) -> Target:
    if entry.indicator not in catalogue:
        raise TargetError(f"{where}: no indicator {entry.indicator!r} in the catalogue")
    unit = "%" if entry.measure == "growth" else catalogue[entry.indicator].unit
    try:
        period = parse_period(entry.period)
    except PeriodError as exc:
        raise TargetError(f"{where}: {exc}") from None
    return Target(entry.indicator, catalogue.subject_of(entry.subject) or entry.subject, period,
                  amount(entry.value, unit), entry.measure, entry.qualifier, entry.source, "file")


@cache
def file_targets(catalogue: Catalogue, path: Path | None = None) -> tuple[Target, ...]:
    """The targets of data/targets.yaml (or of `path`)."""
    source = Path(path) if path else resources.files("parkbrain") / "data" / "targets.yaml"
    raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    out = []
    for i, item in enumerate(raw.get("targets", [])):
        where = f"{getattr(source, 'name', source)}: target {i + 1}"
        try:
            out.append(_from_entry(TargetEntry(**item), catalogue, where))
        except ValidationError as exc:
            raise TargetError(f"{where}: {exc}") from None
    return tuple(out)


def table_targets(warehouse: Warehouse, catalogue: Catalogue) -> list[Target]:
    """Imported targets (the `targets` table); a unit of ``growth_pct`` marks a growth target."""
    out = []
    for row in warehouse.to_pylist(warehouse.table("targets")):
        if row["indicator_id"] not in catalogue or row["value"] is None:
            continue
        growth = row["unit"] == GROWTH_UNIT
        unit = catalogue[row["indicator_id"]].unit
        factor = 1.0 if growth or row["unit"] in (None, unit) else IMPORT_FACTORS.get((row["unit"], unit))
        try:
            period = parse_period(row["period"])
        except PeriodError:
            continue
        if factor is not None:
            out.append(Target(row["indicator_id"], row["subject"], period, row["value"] * factor,
                              "growth" if growth else "level", "gte", f"targets:{row['source'] or ''}", "table"))
    return out


def fact_targets(warehouse: Warehouse, catalogue: Catalogue) -> list[Target]:
    """Targets the bulletin reader found (facts of kind ``target``) on catalogued indicators."""
    out = []
    for row in fact_rows(warehouse, catalogue, kind="target"):
        if row["measure"] not in ("level", "growth") or row["subject"] is None:
            continue
        out.append(Target(row["indicator"], row["subject"], row["period_obj"], row["converted"], row["measure"],
                          row["qualifier"] or "eq", f"{row['doc']}: {row['text']}", "fact"))
    return out


def all_targets(warehouse: Warehouse, catalogue: Catalogue, *, path: Path | None = None) -> list[Target]:
    """Every target, one per indicator, subject, period and measure (table over file over fact)."""
    found = [*table_targets(warehouse, catalogue), *file_targets(catalogue, path), *fact_targets(warehouse, catalogue)]
    chosen: dict[tuple, Target] = {}
    for target in sorted(found, key=lambda t: PRIORITY[t.origin]):
        chosen.setdefault(target.key, target)
    return sorted(chosen.values(), key=lambda t: (t.period, t.indicator, t.subject))
