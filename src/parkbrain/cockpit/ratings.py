"""Ratings (晾晒): normalise chosen indicators, weight them, rank the subjects, band them into stars.

>>> spec = RatingSpec(id="t", zh="测试", en="test", level="district", normalise="min_max",
...     indicators=[Part(id="a", weight=1), Part(id="b", weight=1)], stars=STAR_BANDS)
>>> result = rate({"甲": {"a:value": 10, "b:value": 3}, "乙": {"a:value": 0, "b:value": 1},
...                "丙": {"a:value": 5, "b:value": 2}}, spec)
>>> [(r["subject"], r["index"], r["rank"], r["stars"]) for r in result]
[('甲', 100.0, 1, 5), ('丙', 50.0, 2, 3), ('乙', 0.0, 3, 1)]
"""

from __future__ import annotations

import statistics
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.values import Evaluator


class Part(BaseModel):
    """One indicator of an index: its value or its growth, and its weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    measure: Literal["value", "growth"] = "value"
    weight: float = Field(gt=0)
    better: Literal["higher", "lower"] = "higher"

    @property
    def key(self) -> str:
        """The part's column: ``<indicator>:<measure>``."""
        return f"{self.id}:{self.measure}"


class Band(BaseModel):
    """Stars earned from an index at or above `min`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float
    stars: int = Field(ge=1, le=5)


STAR_BANDS = (Band(min=80, stars=5), Band(min=60, stars=4), Band(min=40, stars=3), Band(min=20, stars=2),
              Band(min=0, stars=1))


class RatingSpec(BaseModel):
    """A rating of data/ratings.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    zh: str
    en: str
    level: Literal["district", "park"]
    normalise: Literal["min_max", "z_score"] = "min_max"
    indicators: tuple[Part, ...]
    stars: tuple[Band, ...] = STAR_BANDS
    sensitivity: float = Field(default=20, gt=0, lt=100)


@cache
def load_ratings(path: Path | None = None) -> dict[str, RatingSpec]:
    """The ratings of data/ratings.yaml (or of `path`) by id."""
    source = Path(path) if path else resources.files("parkbrain") / "data" / "ratings.yaml"
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    return {r["id"]: RatingSpec(**r) for r in raw["ratings"]}


def normalised(values: dict[str, float | None], method: str, better: str = "higher") -> dict[str, float]:
    """Scores 0..100 per subject: min-max, or 50 + 10·z cut to 0..100; a missing value scores 0.

    >>> normalised({"a": 1.0, "b": 3.0, "c": None}, "min_max")
    {'a': 0.0, 'b': 100.0, 'c': 0.0}
    >>> {s: round(v, 3) for s, v in normalised({"a": 1.0, "b": 3.0}, "z_score").items()}
    {'a': 42.929, 'b': 57.071}
    """
    known = {s: (v if better == "higher" else -v) for s, v in values.items() if v is not None}
    if not known:
        return {s: 0.0 for s in values}
    if method == "min_max":
        lo, hi = min(known.values()), max(known.values())
        scale = {s: 50.0 if hi == lo else (v - lo) / (hi - lo) * 100 for s, v in known.items()}
    else:
        mean = statistics.fmean(known.values())
        sd = statistics.stdev(known.values()) if len(known) > 1 else 0.0
        scale = {s: 50.0 if sd == 0 else min(100.0, max(0.0, 50 + 10 * (v - mean) / sd)) for s, v in known.items()}
    return {s: scale.get(s, 0.0) for s in values}


def stars_of(index: float, bands: tuple[Band, ...]) -> int:
    """The stars an index earns (the highest band it reaches; one star at least).

    >>> stars_of(80, STAR_BANDS), stars_of(79.99, STAR_BANDS), stars_of(0, STAR_BANDS)
    (5, 4, 1)
    """
    reached = [b.stars for b in bands if index >= b.min]
    return max(reached) if reached else 1


def ranks(index: dict[str, float]) -> dict[str, int]:
    """Competition ranks (1, 2, 2, 4), highest index first; ties to 1e-9.

    >>> ranks({"a": 3.0, "b": 5.0, "c": 3.0, "d": 1.0})
    {'a': 2, 'b': 1, 'c': 2, 'd': 4}
    """
    return {s: 1 + sum(1 for o in index.values() if o > v + 1e-9) for s, v in index.items()}


def _index(table: dict[str, dict[str, float | None]], spec: RatingSpec, weights: dict[str, float]) -> tuple[dict, dict]:
    scores = {p.key: normalised({s: row.get(p.key) for s, row in table.items()}, spec.normalise, p.better)
              for p in spec.indicators}
    total = sum(weights.values())
    index = {s: sum(weights[p.key] * scores[p.key][s] for p in spec.indicators) / total for s in table}
    return index, scores


def rate(table: dict[str, dict[str, float | None]], spec: RatingSpec) -> list[dict]:
    """Each subject's index, rank, stars and per-indicator scores, best first."""
    weights = {p.key: p.weight for p in spec.indicators}
    index, scores = _index(table, spec, weights)
    rank = ranks(index)
    rows = [{"subject": s, "index": round(index[s], 6), "rank": rank[s], "stars": stars_of(index[s], spec.stars),
             "scores": {k: round(v[s], 6) for k, v in scores.items()}, "values": dict(table[s])} for s in table]
    return sorted(rows, key=lambda r: (r["rank"], r["subject"]))


def sensitivity(table: dict[str, dict[str, float | None]], spec: RatingSpec) -> list[dict]:
    """For each weight moved by ±`spec.sensitivity` percent: each subject's new rank and its move."""
    base = ranks(_index(table, spec, {p.key: p.weight for p in spec.indicators})[0])
    out = []
    for part in spec.indicators:
        for sign in (1, -1):
            weights = {p.key: p.weight for p in spec.indicators}
            weights[part.key] *= 1 + sign * spec.sensitivity / 100
            moved = ranks(_index(table, spec, weights)[0])
            out.append({"part": part.key, "change_pct": sign * spec.sensitivity,
                        "ranks": {s: moved[s] for s in table},
                        "moves": {s: base[s] - moved[s] for s in table if moved[s] != base[s]}})
    return out


def rating_table(ev: Evaluator, spec: RatingSpec, subjects: list[str], period: Period) -> dict[str, dict[str, float | None]]:
    """The rating's inputs: each subject's value or growth of each indicator in the period."""
    table: dict[str, dict[str, float | None]] = {}
    for subject in subjects:
        row: dict[str, float | None] = {}
        for part in spec.indicators:
            change = ev.change(part.id, subject, period)
            row[part.key] = change.value if part.measure == "value" else change.change
        table[subject] = row
    return table
