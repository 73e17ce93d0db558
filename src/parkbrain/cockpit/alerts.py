"""Target warnings: green / yellow / red by the rules of data/warnings.yaml, each with its cause.

>>> rules = load_rules()
>>> judge({"gap_pct": -6.0, "lo_gap_pct": -9.0, "hi_gap_pct": -2.0, "complete": 0, "elapsed_pct": 75.0}, rules)
('far_below', 'red')
>>> judge({"gap_pct": 1.0, "lo_gap_pct": -1.0, "hi_gap_pct": 3.0, "complete": 0, "elapsed_pct": 75.0}, rules)
('at_risk', 'yellow')
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from parkbrain.cockpit.catalogue import Catalogue
from parkbrain.cockpit.figures import change_text, value_text
from parkbrain.cockpit.outlook import Outlook
from parkbrain.cockpit.targets import Target
from parkbrain.i18n import translate

MEASURES = ("gap_pct", "lo_gap_pct", "hi_gap_pct", "complete", "elapsed_pct")
OPS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge, "eq": operator.eq}
Level = Literal["green", "yellow", "red"]
LEVELS = ("red", "yellow", "green")


class Condition(BaseModel):
    """One condition of a rule: a measure compared with a value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    measure: Literal[MEASURES]  # type: ignore[valid-type]
    op: Literal[tuple(OPS)]  # type: ignore[valid-type]
    value: float


class Rule(BaseModel):
    """A warning rule: the level it gives when all its conditions hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    level: Level
    when: tuple[Condition, ...] = ()


class Rules(BaseModel):
    """The target rules in order, the default, and the enterprise rules (see enterprise_alerts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    target_rules: tuple[Rule, ...]
    target_default: Rule
    enterprise: dict


@cache
def load_rules(path: Path | None = None) -> Rules:
    """The rules of data/warnings.yaml (or of `path`), checked."""
    source = Path(path) if path else resources.files("parkbrain") / "data" / "warnings.yaml"
    return Rules(**yaml.safe_load(source.read_text(encoding="utf-8")))


def judge(measures: dict[str, float | None], rules: Rules) -> tuple[str, str]:
    """(rule id, level) of the first rule whose conditions hold; a condition on a missing measure fails."""
    for rule in rules.target_rules:
        if all(measures.get(c.measure) is not None and OPS[c.op](measures[c.measure], c.value) for c in rule.when):
            return rule.id, rule.level
    return rules.target_default.id, rules.target_default.level


def _gap(value: float | None, target: float) -> float | None:
    return None if value is None or not target else (value / target - 1) * 100


def measures_of(target: Target, outlook: Outlook, previous: float | None) -> dict[str, float | None]:
    """The rule measures of a target: gaps of the expectation and its interval, completion, time elapsed."""
    inside = len(outlook.path) or 1
    reported = sum(1 for step in outlook.path if step.get("actual") is not None)
    base = {"complete": 1.0 if outlook.complete else 0.0, "elapsed_pct": reported / inside * 100}
    bounds = {"gap_pct": outlook.mean, "lo_gap_pct": outlook.lo, "hi_gap_pct": outlook.hi}
    if target.measure == "growth":
        growth = {k: None if v is None or not previous else (v / previous - 1) * 100 for k, v in bounds.items()}
        return base | {k: None if g is None else g - target.value for k, g in growth.items()}
    return base | {k: _gap(v, target.value) for k, v in bounds.items()}


@dataclass(frozen=True)
class TargetWarning:
    """A target, where the indicator is heading, the level and why."""

    target: Target
    outlook: Outlook
    previous: float | None
    measures: dict[str, float | None]
    rule: str
    level: str

    def cause(self, catalogue: Catalogue, lang: str = "zh") -> str:
        """The warning's cause in words, with its figures."""
        ind = catalogue[self.target.indicator]
        o, t = self.outlook, self.target
        growth = t.measure == "growth"
        show = (lambda v: change_text(None if v is None or not self.previous else (v / self.previous - 1) * 100,
                                      "pct", lang)) if growth else (lambda v: value_text(v, ind.unit, lang))
        params = {
            "indicator": ind.name(lang), "period": t.period.label(lang), "expected": show(o.mean),
            "lo": show(o.lo), "hi": show(o.hi), "actual": value_text(o.actual, ind.unit, lang),
            "through": o.through.label(lang) if o.through else "—", "level": o.level,
            "target": change_text(t.value, "pct", lang) if growth else value_text(t.value, ind.unit, lang),
            "gap": _gap_text(self.measures.get("gap_pct"), growth, lang),
        }
        return translate(f"cockpit.cause.{self.rule}", lang, **params)


def _gap_text(gap: float | None, growth: bool, lang: str) -> str:
    if gap is None:
        return "—"
    from parkbrain.numbers import fixed

    unit = ("个百分点" if lang == "zh" else " pp") if growth else "%"
    return f"{fixed(abs(gap), 1, trim=False)}{unit}"


def target_warning(target: Target, outlook: Outlook, previous: float | None, rules: Rules) -> TargetWarning:
    """Judge one target against the outlook of its indicator."""
    measures = measures_of(target, outlook, previous)
    rule, level = judge(measures, rules)
    return TargetWarning(target, outlook, previous, measures, rule, level)
