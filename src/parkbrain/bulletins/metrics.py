"""The metric catalogue (parkbrain/data/metrics.yaml) and matching a fact's metric to it.

>>> catalogue = load_catalogue()
>>> catalogue.match("2022年地区生产总值"), catalogue.match("规模以上工业增加值"), catalogue.match("专精特新小巨人企业")
('gdp', 'industrial_value_added', 'little_giants')
>>> catalogue.match("数字经济核心产业增加值占地区生产总值比重"), catalogue.match("占地区生产总值比重") is None
('digital_core_share', True)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

_PAREN = re.compile(r"\([^()]*\)|（[^（）]*）")
_DROP = re.compile(r"[\s“”‘’\"'《》〈〉·、]")
_RATIO = ("占", "比重", "占比", "率", "强度", "相当于")
_COUNTING = re.compile(r"(?:数量|总量|总数|个数|数)$")
MONEY = frozenset({"CNY", "USD", "EUR", "HKD", "JPY", "GBP"})
AREAS = frozenset({"sqm", "km2", "mu", "hectare"})
LENGTHS = frozenset({"km", "m"})


def unit_kind(unit: str) -> str:
    """money, percent, percentage_point, rank, area, length, or count (any other unit).

    >>> unit_kind("USD"), unit_kind("mu"), unit_kind("enterprise")
    ('money', 'area', 'count')
    """
    if unit in MONEY:
        return "money"
    if unit in AREAS:
        return "area"
    if unit in LENGTHS:
        return "length"
    return unit if unit in ("percent", "percentage_point", "rank") else "count"


@dataclass(frozen=True)
class Metric:
    """One entry of the catalogue."""

    id: str
    name: str
    aliases: tuple[str, ...]
    unit: str
    description: str
    source: str


def metric_key(text: str) -> str:
    """A metric name reduced for matching: NFKC, no brackets' contents, quotes or spaces, 规模以上 as 规上.

    >>> metric_key("专精特新“小巨人” 企业"), metric_key("研究与试验发展(R&D)经费投入")
    ('专精特新小巨人企业', '研究与试验发展经费投入')
    """
    text = unicodedata.normalize("NFKC", text)
    return _DROP.sub("", _PAREN.sub("", text)).replace("规模以上", "规上").lower()


def _is_ratio(key: str) -> bool:
    return any(word in key for word in _RATIO)


class Catalogue:
    """The metrics, and their names and aliases as matching keys (longest first)."""

    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = {m.id: m for m in metrics}
        keys = {(metric_key(name), m.id) for m in metrics for name in (m.name, *m.aliases)}
        self._keys = sorted(keys, key=lambda k: -len(k[0]))
        self._by_last: dict[str, list[tuple[str, str]]] = {}
        for name, metric_id in self._keys:
            if name:
                self._by_last.setdefault(name[-1], []).append((name, metric_id))

    def match(self, metric: str, unit: str | None = None, measure: str = "level") -> str | None:
        """The id of the entry whose name the metric ends with (longest wins). A ratio only matches a
        ratio, and a level's unit must be of the entry's kind (money, percent, area, count)."""
        key = metric_key(metric)
        keys = {key, _COUNTING.sub("", key)}
        ratio = _is_ratio(key)
        candidates = sorted({c for k in keys if k for c in self._by_last.get(k[-1], ())}, key=lambda c: -len(c[0]))
        for name, metric_id in candidates:
            if not any(k.endswith(name) for k in keys) or _is_ratio(name) != ratio:
                continue
            if unit is None or measure == "growth" or unit == "rank" \
                    or unit_kind(unit) == unit_kind(self.metrics[metric_id].unit):
                return metric_id
        return None


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with ParkBrain."""
    raw = yaml.safe_load((resources.files("parkbrain") / "data" / "metrics.yaml").read_text("utf-8"))
    return Catalogue([Metric(m["id"], m["name"], tuple(m.get("aliases", ())), m["unit"], m["description"],
                             m["source"]) for m in raw["metrics"]])
