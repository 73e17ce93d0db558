"""The indicator catalogue (data/indicators.yaml): names, units, formulas and sources, checked on load.

A formula is a small tree of dicts, each with exactly one operator, checked against the
enterprise panel's columns and the certification names; nothing is ever eval'd.

>>> cat = load_catalogue()
>>> cat["invention_patents_per_10k"].formula
{'ratio': ['invention_patents_held', {'indicator': 'resident_population'}], 'scale': 10000}
>>> cat.subject_of("杭州高新区(滨江)"), cat.subject_of("紫金港科技城")
('滨江区', '紫金港科技城')
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from parkbrain.overview import BADGES, TIERS
from parkbrain.warehouse.schema import TABLES

OPERATORS = ("sum", "count", "count_certified", "count_tier", "indicator", "ratio")
Kind = Literal["flow", "stock", "ratio"]
Frequency = Literal["month", "quarter", "year"]
# How a fact's base unit (facts.md) becomes the indicator's unit: (fact unit, indicator unit) -> factor.
UNIT_FACTORS = {("CNY", "万元"): 1e-4, ("USD", "万美元"): 1e-4, ("percent", "%"): 1.0, ("person", "人"): 1.0,
                ("enterprise", "家"): 1.0, ("item", "件"): 1.0, ("item", "件/万人"): 1.0, ("project", "个"): 1.0}


class CatalogueError(ValueError):
    """The catalogue file is malformed: the message names the indicator and what to fix."""


def panel_columns() -> tuple[str, ...]:
    """The enterprise panel's numeric columns a formula may sum."""
    schema = TABLES["enterprise_years"].schema
    return tuple(f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
                 if f.name != "year")


def check_formula(node: Any, where: str, ids: set[str]) -> None:
    """Raise CatalogueError unless `node` is a well-formed formula (see data/indicators.yaml)."""
    if isinstance(node, str):
        if node not in panel_columns():
            raise CatalogueError(f"{where}: {node!r} is not a panel column; use one of {', '.join(panel_columns())}")
        return
    if not isinstance(node, dict):
        raise CatalogueError(f"{where}: a formula is a mapping such as {{sum: revenue}}, not {node!r}")
    ops = [k for k in node if k in OPERATORS]
    extra = set(node) - set(OPERATORS) - {"scale"}
    if len(ops) != 1 or extra:
        raise CatalogueError(f"{where}: a formula has exactly one of {', '.join(OPERATORS)} (got {sorted(node)})")
    op, arg = ops[0], node[ops[0]]
    if "scale" in node and (op != "ratio" or not isinstance(node["scale"], int | float)):
        raise CatalogueError(f"{where}: scale goes with ratio and is a number")
    if op == "sum":
        check_formula(arg, where, ids)
    elif op == "count" and arg != "enterprises":
        raise CatalogueError(f"{where}: count takes 'enterprises'")
    elif op == "count_certified" and arg not in (*TIERS.values(), *BADGES.values()):
        raise CatalogueError(f"{where}: {arg!r} is no certification; use one of {', '.join((*TIERS.values(), *BADGES.values()))}")
    elif op == "count_tier" and arg not in TIERS:
        raise CatalogueError(f"{where}: {arg!r} is no tier; use one of {', '.join(TIERS)}")
    elif op == "indicator" and arg not in ids:
        raise CatalogueError(f"{where}: no indicator {arg!r} in the catalogue")
    elif op == "ratio":
        if not isinstance(arg, list) or len(arg) != 2:
            raise CatalogueError(f"{where}: ratio takes [numerator, denominator]")
        for part in arg:
            check_formula(part, where, ids)


class Source(BaseModel):
    """Where reported figures come from: an import table and/or bulletin facts of a metric."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: Literal["indicator_values"] | None = None
    facts: str | None = Field(default=None, description="metric id of data/metrics.yaml")


class Indicator(BaseModel):
    """One indicator of the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    zh: str
    en: str
    unit: str
    kind: Kind
    better: Literal["higher", "lower"] = "higher"
    frequency: Frequency | None = None
    formula: dict | None = None
    source: Source | None = None
    aliases: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_way(self) -> Indicator:
        if self.formula is None and self.source is None:
            raise ValueError(f"indicator {self.id}: give a formula or a source")
        if self.formula is None and self.frequency is None:
            raise ValueError(f"indicator {self.id}: a reported indicator needs its frequency (month, quarter, year)")
        return self

    def name(self, lang: str = "zh") -> str:
        """The indicator's name in a language."""
        return self.zh if lang == "zh" else self.en

    @property
    def is_panel(self) -> bool:
        """Whether the formula reads the yearly enterprise panel (only whole years then)."""
        return self.formula is not None and _reads_panel(self.formula)


def _reads_panel(node: Any) -> bool:
    if isinstance(node, str):
        return True
    op = next(k for k in node if k in OPERATORS)
    if op == "indicator":
        return False
    if op == "ratio":
        return any(_reads_panel(p) for p in node["ratio"])
    return True


class Catalogue:
    """The indicators by id, the subject aliases and what the cockpit shows."""

    def __init__(self, indicators: list[Indicator], subjects: dict[str, list[str]], cockpit: dict[str, list[str]],
                 version: str) -> None:
        self.indicators = {i.id: i for i in indicators}
        self.aliases = {alias: subject for subject, names in subjects.items() for alias in (subject, *names)}
        self.cockpit = cockpit
        self.version = version

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise KeyError(f"no indicator {indicator_id!r}; the catalogue has {', '.join(self.indicators)}") from None

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.indicators

    def subject_of(self, name: str | None) -> str | None:
        """The warehouse's subject for a name a bulletin uses (unknown names stay as they are)."""
        return None if name is None else self.aliases.get(name.strip(), name.strip())

    def by_metric(self) -> dict[str, str]:
        """Metric id of bulletin facts -> indicator id."""
        return {i.source.facts: i.id for i in self.indicators.values() if i.source and i.source.facts}

    def by_name(self) -> dict[str, str]:
        """Chinese name or alias -> indicator id (for facts whose metric has no id)."""
        return {name: i.id for i in self.indicators.values() for name in (i.zh, *i.aliases)}


def parse_catalogue(raw: dict, where: str = "indicators.yaml") -> Catalogue:
    """A catalogue from the parsed YAML; CatalogueError says which entry is wrong and why."""
    try:
        indicators = [Indicator(**entry) for entry in raw.get("indicators", [])]
    except ValidationError as exc:
        raise CatalogueError(f"{where}: {exc}") from None
    ids = {i.id for i in indicators}
    if len(ids) != len(indicators):
        raise CatalogueError(f"{where}: an indicator id is listed twice")
    for ind in indicators:
        if ind.formula is not None:
            check_formula(ind.formula, f"{where}: indicator {ind.id}", ids)
    cockpit = raw.get("cockpit", {})
    for section, listed in cockpit.items():
        unknown = [i for i in listed if i not in ids]
        if unknown:
            raise CatalogueError(f"{where}: cockpit.{section} names unknown indicators {unknown}")
    return Catalogue(indicators, raw.get("subjects", {}), cockpit, str(raw.get("version", "")))


@cache
def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue shipped with ParkBrain, or the one at `path`."""
    if path is None:
        text = (resources.files("parkbrain") / "data" / "indicators.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_catalogue(yaml.safe_load(text), str(path or "indicators.yaml"))
