"""一键找园: rank the park's space listings for stated needs, vectorised over every listing.

Hard constraints filter (available, the use asked for, each special need that has a value);
area, budget and move-in date may miss by a small tolerance, and such listings come after
those that miss nothing. Preferences give points (matching/space_rules.yaml): the park's
industry orientation, a use that suits the industry, location, price, area, timing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from parkbrain.matching.space_needs import (
    SPECIAL,
    USES,
    SpaceNeeds,
    SpaceRules,
    clean_room_class,
    space_rules,
)
from parkbrain.matching.space_reasons import Reason, rank_note, reasons_for
from parkbrain.matching.text import split_list
from parkbrain.numbers import fixed

_EPOCH = dt.date(1970, 1, 1)
_NONE = np.inf  # clean-room class of a listing without a clean room


def _half_up(value: float) -> float:
    """One decimal, rounded half-up as people round (76.25 → 76.3)."""
    return float(fixed(float(value), 1))


def _num(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False).astype(np.float64)


def _codes(values: list, vocab: list) -> np.ndarray:
    index = {v: i for i, v in enumerate(vocab)}
    return np.array([index.get(v, -1) for v in values], dtype=np.int32)


@dataclass(eq=False)
class SpaceCatalogue:
    """The listings and their parks as arrays, ready for many searches."""

    spaces: pa.Table
    parks: pa.Table
    fingerprint: str = ""

    def __post_init__(self) -> None:
        s = self.spaces.combine_chunks()
        self.n = s.num_rows
        self.ids: list[str] = s.column("space_id").to_pylist()
        self.area, self.rent = _num(s, "area_sqm"), _num(s, "rent")
        self.special = {name: _num(s, name) for name in ("floor_load", "power_kva", "ceiling_height")}
        clean = s.column("clean_room").to_pylist()
        self.special["clean_room"] = np.array(
            [_NONE if c is None else (clean_room_class(c) or np.nan) for c in clean], np.float64)
        self.use = _codes(s.column("use").to_pylist(), list(USES))
        self.available = np.array([v == "available" for v in s.column("status").to_pylist()])
        days = s.column("available_from").cast(pa.int32()).to_numpy(zero_copy_only=False)
        self.ready = np.where(np.isnan(days.astype(np.float64)), -1e9, days).astype(np.float64)
        p = self.parks.combine_chunks()
        self.park_ids: list[str] = p.column("park_id").to_pylist()
        self.park_names: list[str] = p.column("name").to_pylist()
        self.park_districts: list[str | None] = p.column("district").to_pylist()
        self.orientation: list[list[str]] = [split_list(o) for o in p.column("orientation").to_pylist()]
        self.park = _codes(s.column("park_id").to_pylist(), self.park_ids)

    def park_values(self, per_park: np.ndarray, missing: float = 0.0) -> np.ndarray:
        """Spread one value per park over the listings (listings of unknown parks get `missing`)."""
        return np.where(self.park >= 0, np.r_[per_park, missing][self.park], missing)


@dataclass(frozen=True)
class SpaceMatch:
    """One listing for the needs: where it is, what it is, its score and every reason."""

    rank: int
    space_id: str
    park_id: str
    park_name: str | None
    district: str | None
    row: dict
    score: float
    exact: bool
    points: dict[str, float]
    reasons: list[Reason]
    rank_note: Reason


@dataclass(frozen=True)
class SpaceResults:
    """Ranked listings, and how many were looked at, passed, and failed each constraint."""

    listings: int
    available: int
    shown: int
    exact: int
    excluded: dict[str, int]
    matches: list[SpaceMatch] = field(default_factory=list)
    rules_version: str = ""


@dataclass
class _Scored:
    """Per-listing arrays of one search."""

    keep: np.ndarray
    exact: np.ndarray
    points: dict[str, np.ndarray]
    unknown: np.ndarray
    excluded: dict[str, int]


def _preference(cat: SpaceCatalogue, needs: SpaceNeeds, rules: SpaceRules) -> dict[str, np.ndarray]:
    """Industry, use-fit and location points, each in [0, 1] before weighting."""
    out: dict[str, np.ndarray] = {}
    if needs.industry:
        fit = np.array([1.0 if o[:1] == [needs.industry] else rules.secondary_orientation
                        if needs.industry in o else 0.0 for o in cat.orientation])
        out["industry"] = cat.park_values(fit)
    if "use_fit" in needs.stated:
        suited = rules.suited_uses.get(needs.industry or "", [])
        per_use = np.array([1.0 if suited[:1] == [u] else 0.5 if u in suited[1:2] else 0.0 for u in USES] + [0.0])
        out["use_fit"] = per_use[cat.use]
    if "location" in needs.stated:
        wanted = set(needs.parks)
        hit = np.array([float(pid in wanted or name in wanted or district in needs.districts)
                        for pid, name, district in zip(cat.park_ids, cat.park_names, cat.park_districts,
                                                       strict=True)])
        out["location"] = cat.park_values(hit)
    return out


def _band(value: np.ndarray, low: float | None, high: float | None, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """(points in [0, 1], inside tolerance) for a value against a range; misses lose points linearly."""
    miss = np.zeros_like(value)
    allowed = np.zeros_like(value)
    if low is not None:
        miss = np.maximum(miss, low - value)
        allowed = np.where(value < low, tol * low, allowed)
    if high is not None:
        miss = np.maximum(miss, value - high)
        allowed = np.where(value > high, tol * high, allowed)
    inside = miss <= allowed + 1e-9
    points = np.where(miss <= 0, 1.0, np.clip(1 - miss / np.where(allowed > 0, allowed, 1), 0, 1))
    return points, inside


def _score(cat: SpaceCatalogue, needs: SpaceNeeds, today: dt.date, rules: SpaceRules) -> _Scored:
    tol = rules.tolerance
    checks: dict[str, np.ndarray] = {"status": cat.available}
    checks["use"] = cat.use == USES.index(needs.use) if needs.use else np.ones(cat.n, bool)
    unknown = np.zeros(cat.n, np.float64)
    for name in SPECIAL:
        wanted = needs.clean_class if name == "clean_room" else getattr(needs, name)
        if wanted is None:
            continue
        value = cat.special[name]
        ok = value <= wanted if name == "clean_room" else value >= wanted
        checks[name] = ok | np.isnan(value)  # not stated: shown, with a penalty and a note
        unknown += np.isnan(value)
    points = _preference(cat, needs, rules)
    exact = np.ones(cat.n, bool)
    if "area" in needs.stated:
        points["area"], checks["area"] = _band(cat.area, needs.area_min, needs.area_max, tol["area"])
        exact &= points["area"] >= 1
    if "price" in needs.stated:
        rent = cat.rent
        over, checks["budget"] = _band(rent, None, needs.budget, tol["budget"])
        within = 0.5 + 0.5 * np.clip(1 - rent / max(needs.budget or 0, 1e-9), 0, 1)
        points["price"] = np.where(np.isnan(rent), 0.25, np.where(over >= 1, within, 0.5 * over))
        checks["budget"] |= np.isnan(rent)
        exact &= (over >= 1) | np.isnan(rent)
    move_in = ((needs.move_in or today) - _EPOCH).days
    late = cat.ready - move_in
    points["timing"] = np.clip(1 - np.maximum(late, 0) / tol["wait_days"], 0, 1)
    checks["timing"] = late <= tol["wait_days"]
    exact &= late <= 0
    # Each listing left out is counted once, under the first constraint it fails (in this order).
    remaining = checks["status"].copy()
    excluded = {"status": int((~remaining).sum())}
    for name in ("use", *SPECIAL, "area", "budget", "timing"):
        if name in checks:
            excluded[name] = int((remaining & ~checks[name]).sum())
            remaining &= checks[name]
    return _Scored(remaining, exact & (unknown == 0), points, unknown, excluded)


def find_spaces(spaces: pa.Table | SpaceCatalogue, parks: pa.Table | None, needs: SpaceNeeds, *,
                limit: int = 20, today: dt.date | None = None, rules: SpaceRules | None = None) -> SpaceResults:
    """The listings that fit the needs, best first, each with its reasons (一键找园).

    `spaces` is the spaces table (template columns) or a prepared SpaceCatalogue (then `parks`
    may be None). Scores are out of 100 over the criteria the needs state.
    """
    cat = spaces if isinstance(spaces, SpaceCatalogue) else SpaceCatalogue(spaces, parks)
    rules = rules or space_rules()
    today = today or dt.date.today()
    scored = _score(cat, needs, today, rules)
    weights = {k: v for k, v in rules.weights.items() if k in needs.stated}
    top_points = sum(weights.values()) or 1.0
    total = sum(weights[k] * scored.points[k] for k in weights) - rules.unknown_penalty * scored.unknown
    score = np.clip(total / top_points * 100, 0, 100)
    rows = np.flatnonzero(scored.keep)
    rent = np.where(np.isnan(cat.rent[rows]), np.inf, cat.rent[rows])
    order = rows[np.lexsort((rows, rent, -np.round(score[rows], 6), ~scored.exact[rows]))][:limit]
    matches = _matches(cat, needs, today, rules, scored, score, weights, order)
    return SpaceResults(listings=cat.n, available=int(cat.available.sum()), shown=len(rows),
                        exact=int(scored.exact[rows].sum()), excluded=scored.excluded, matches=matches,
                        rules_version=rules.version)


def _matches(cat: SpaceCatalogue, needs: SpaceNeeds, today: dt.date, rules: SpaceRules, scored: _Scored,
             score: np.ndarray, weights: dict[str, float], order: np.ndarray) -> list[SpaceMatch]:
    table = cat.spaces.take(pa.array(order, pa.int64())).to_pylist() if len(order) else []
    out: list[SpaceMatch] = []
    for rank, (i, row) in enumerate(zip(order.tolist(), table, strict=True), start=1):
        p = int(cat.park[i])
        park = {"park_id": row["park_id"], "name": cat.park_names[p] if p >= 0 else None,
                "district": cat.park_districts[p] if p >= 0 else None,
                "orientation": cat.orientation[p] if p >= 0 else []}
        points = {k: _half_up(w * scored.points[k][i]) for k, w in weights.items()}
        if scored.unknown[i]:
            points["unknown"] = -_half_up(rules.unknown_penalty * scored.unknown[i])
        exact = bool(scored.exact[i])
        note = rank_note(rank, _half_up(score[i]), exact, points, out[-1] if out else None)
        out.append(SpaceMatch(rank=rank, space_id=row["space_id"], park_id=row["park_id"], park_name=park["name"],
                              district=park["district"], row=row, score=_half_up(score[i]), exact=exact,
                              points=points, reasons=reasons_for(row, park, needs, today, rules), rank_note=note))
    return out
