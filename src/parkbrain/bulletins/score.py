"""Comparing two lists of facts, exactly as shared/spec/facts.md "Comparing two lists" says.

A predicted fact matches a gold fact of the same document when the units are equal (any two
counts are equal) and the values agree within 0.1% (relative) or 0.01 (absolute, for percents
and percentage points), and one metric contains the other (NFKC, no white space) or both have
the same metric_id. Each gold fact matches at most one predicted fact (a maximum matching).
On matched pairs, kind, measure, qualifier, growth_pct, period and subject are scored as
accuracies.

>>> gold = [{"doc": "a", "metric": "地区生产总值", "value": 2.1848e11, "unit": "CNY", "period": "2022H1"}]
>>> ours = [{"doc": "a", "metric": "2022年地区生产总值", "value": 2.1848e11, "unit": "CNY",
...          "period": "2022-01..2022-06"}]
>>> result = compare(ours, gold)
>>> result.f1, result.accuracy["period"]
(1.0, 1.0)
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

FIELDS = ("kind", "measure", "qualifier", "growth_pct", "period", "subject")
# Units that are not counts: currencies (ISO codes), percents, ranks, areas and lengths.
PERCENT_UNITS = frozenset({"percent", "percentage_point"})
AREA_UNITS = frozenset({"sqm", "km2", "mu", "hectare", "ha", "m2"})
LENGTH_UNITS = frozenset({"km", "m"})
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_PERIOD = re.compile(r"^(\d{4})(?:(H[12])|Q([1-4])|-(\d{2})(?:-(\d{2}))?|-(\d{2})\.\.(\d{4})-(\d{2}))?$")
_HALVES = {"H1": (1, 6), "H2": (7, 12)}


def _get(fact: object, name: str) -> object:
    return fact.get(name) if isinstance(fact, dict) else getattr(fact, name, None)


def is_count(unit: str) -> bool:
    """Whether a unit counts things (person, enterprise, …): any unit not a currency, percent,
    percentage point, rank, area or length."""
    return not (_CURRENCY.match(unit) or unit in PERCENT_UNITS or unit == "rank"
                or unit in AREA_UNITS or unit in LENGTH_UNITS)


def units_equal(a: str, b: str) -> bool:
    """Equal units; any two counts are equal."""
    return a == b or (is_count(a) and is_count(b))


def values_agree(a: float, b: float, unit: str) -> bool:
    """Within 0.1% (relative), or within 0.01 (absolute) for percents and percentage points."""
    if unit in PERCENT_UNITS and abs(a - b) <= 0.01 + 1e-12:
        return True
    scale = max(abs(a), abs(b))
    return abs(a - b) <= 0.001 * scale + 1e-12


def _squeeze(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def metrics_agree(a: object, b: object) -> bool:
    """One metric contains the other (NFKC, no white space), or they share a metric_id."""
    ma, mb = _squeeze(_get(a, "metric")), _squeeze(_get(b, "metric"))
    if ma and mb and (ma in mb or mb in ma):
        return True
    ida, idb = _get(a, "metric_id"), _get(b, "metric_id")
    return ida is not None and ida == idb


def facts_match(predicted: object, gold: object) -> bool:
    """Whether a predicted fact matches a gold fact (same document assumed)."""
    pu, gu = str(_get(predicted, "unit")), str(_get(gold, "unit"))
    if not units_equal(pu, gu):
        return False
    if not values_agree(float(_get(predicted, "value")), float(_get(gold, "value")), gu):
        return False
    return metrics_agree(predicted, gold)


def period_span(period: str | None) -> tuple | None:
    """A period as comparable months: 2022H1 = 2022-01..2022-06; 2020-12-31 = 2020.

    >>> period_span("2022H1") == period_span("2022-01..2022-06"), period_span("2020-12-31") == period_span("2020")
    (True, True)
    """
    if period is None:
        return None
    m = _PERIOD.match(period.strip())
    if not m:
        return ("other", period.strip())
    year, half, quarter, month, day, first, year2, last = m.groups()
    y = int(year)
    if half:
        return (y, _HALVES[half][0], y, _HALVES[half][1])
    if quarter:
        q = int(quarter)
        return (y, 3 * q - 2, y, 3 * q)
    if first:
        return (y, int(first), int(year2), int(last))
    if day:
        return (y, 1, y, 12) if (month, day) == ("12", "31") else ("date", y, int(month), int(day))
    if month:
        return (y, int(month), y, int(month))
    return (y, 1, y, 12)


def _subject_key(name: str) -> str:
    return _squeeze(name).replace("经济技术开发区", "经开区").replace("高新技术产业开发区", "高新区")


def subjects_agree(a: str | None, b: str | None) -> bool:
    """One name contains the other, after 经济技术开发区 → 经开区 and 高新技术产业开发区 → 高新区."""
    if a is None or b is None:
        return a is None and b is None
    ka, kb = _subject_key(a), _subject_key(b)
    return ka in kb or kb in ka


def _same_number(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 0.01 + 1e-12


def field_agrees(name: str, predicted: object, gold: object) -> bool:
    """Whether one scored field agrees on a matched pair."""
    a, b = _get(predicted, name), _get(gold, name)
    if name == "period":
        return period_span(a) == period_span(b)
    if name == "subject":
        return subjects_agree(a, b)
    if name == "growth_pct":
        return _same_number(a, b)
    return a == b


@dataclass
class Comparison:
    """Matches, precision/recall/F1 and per-field accuracies of two lists of facts."""

    predicted: int = 0
    gold: int = 0
    pairs: list[tuple[object, object]] = field(default_factory=list)
    unmatched_predicted: list[object] = field(default_factory=list)
    unmatched_gold: list[object] = field(default_factory=list)

    @property
    def matches(self) -> int:
        return len(self.pairs)

    @property
    def precision(self) -> float:
        return self.matches / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matches / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> dict[str, float]:
        """The share of matched pairs on which each scored field agrees."""
        if not self.pairs:
            return {name: 0.0 for name in FIELDS}
        return {name: sum(field_agrees(name, p, g) for p, g in self.pairs) / len(self.pairs)
                for name in FIELDS}


def _agreement(predicted: object, gold: object) -> int:
    return sum(field_agrees(name, predicted, gold) for name in FIELDS)


def _max_matching(predicted: list, gold: list) -> dict[int, int]:
    """A maximum matching gold → predicted (Kuhn's augmenting paths); candidates closest first."""
    options = [sorted((j for j, p in enumerate(predicted) if facts_match(p, g)),
                      key=lambda j, g=g: -_agreement(predicted[j], g)) for g in gold]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in options[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(gold)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def compare(predicted: list, gold: list) -> Comparison:
    """Compare predicted facts with gold facts, document by document."""
    result = Comparison(predicted=len(predicted), gold=len(gold))
    by_doc_p, by_doc_g = defaultdict(list), defaultdict(list)
    for p in predicted:
        by_doc_p[_get(p, "doc")].append(p)
    for g in gold:
        by_doc_g[_get(g, "doc")].append(g)
    for doc in sorted(set(by_doc_p) | set(by_doc_g), key=str):
        ps, gs = by_doc_p[doc], by_doc_g[doc]
        matching = _max_matching(ps, gs)
        result.pairs += [(ps[j], gs[i]) for i, j in sorted(matching.items())]
        used = set(matching.values())
        result.unmatched_predicted += [p for j, p in enumerate(ps) if j not in used]
        result.unmatched_gold += [g for i, g in enumerate(gs) if i not in matching]
    return result
