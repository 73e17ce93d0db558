"""One indicator fact, exactly as the contract (shared/spec/facts.md) writes it.

>>> fact = Fact(doc="a.txt", text="地区生产总值2184.8亿元,同比增长1.8%", subject="杭州高新区(滨江)",
...             metric="地区生产总值", metric_id="gdp", period="2022", kind="actual", measure="level",
...             value=218480000000, unit="CNY", value_text="2184.8亿元", qualifier="eq", growth_pct=1.8)
>>> fact.to_json()
'{"doc": "a.txt", "text": "地区生产总值2184.8亿元,同比增长1.8%", "subject": "杭州高新区(滨江)", "metric": "地区生产总值", "metric_id": "gdp", "period": "2022", "kind": "actual", "measure": "level", "value": 218480000000, "unit": "CNY", "value_text": "2184.8亿元", "qualifier": "eq", "growth_pct": 1.8, "rank": null}'
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict

FIELDS = ("doc", "text", "subject", "metric", "metric_id", "period", "kind", "measure", "value", "unit",
          "value_text", "qualifier", "growth_pct", "rank")


class Rank(BaseModel):
    """A position in a ranking: 位列杭州全市第一 is scope 杭州市, position 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: str | None
    position: int


class Fact(BaseModel):
    """One quantitative statement read from a bulletin (facts.md "One fact")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc: str
    text: str
    subject: str | None
    metric: str
    metric_id: str | None = None
    period: str | None = None
    kind: Literal["actual", "target"] = "actual"
    measure: Literal["level", "growth", "count_change"] = "level"
    value: float
    unit: str
    value_text: str
    qualifier: Literal["eq", "approx", "gt", "gte", "lt", "lte"] = "eq"
    growth_pct: float | None = None
    rank: Rank | None = None

    def to_dict(self) -> dict:
        """The contract's JSON object as a dict (whole numbers as integers)."""
        data = self.model_dump()
        data["value"] = _number(self.value)
        data["growth_pct"] = None if self.growth_pct is None else _number(self.growth_pct)
        return {k: data[k] for k in FIELDS}

    def to_json(self) -> str:
        """One line of ``parkbrain extract --format jsonl``."""
        return json.dumps(self.to_dict(), ensure_ascii=False)


def _number(value: float) -> float | int:
    rounded = round(value, 10)
    return int(rounded) if rounded == int(rounded) and abs(rounded) < 1e18 else rounded


def fact_from_dict(data: dict) -> Fact:
    """A fact from the contract's JSON object (as read from a .jsonl line)."""
    return Fact.model_validate(data)
