"""Why a listing is shown and where: each stated need met or not (and by how much), and its rank."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from parkbrain.i18n import translate
from parkbrain.matching.space_needs import SpaceNeeds, SpaceRules, clean_room_class
from parkbrain.numbers import fixed

if TYPE_CHECKING:
    from parkbrain.matching.spaces import SpaceMatch

Status = Literal["met", "partly", "near", "unmet", "unknown", "info"]
_LABELLED = ("use", "suited")  # params translated as use names


@dataclass(frozen=True)
class Reason:
    """One criterion of one listing: met, partly, near (within tolerance), unmet, unknown, or info."""

    criterion: str
    status: Status
    code: str
    params: dict = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        """The reason as a sentence in a language."""
        params = dict(self.params)
        for key in _LABELLED:
            if key in params:
                params[key] = translate(f"matching.use.{params[key]}", lang)
        if "criterion_name" in params:
            params["criterion_name"] = translate(f"matching.criterion.{params['criterion_name']}", lang)
        return translate(f"matching.reason.{self.code}", lang, **params)


def _n(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else fixed(value, digits)


def _area(row: dict, needs: SpaceNeeds) -> Reason:
    area, lo, hi = row["area_sqm"], needs.area_min, needs.area_max
    params = {"area": _n(area), "low": _n(lo), "high": _n(hi)}
    if hi is not None and area > hi:
        return Reason("area", "near", "area_over", params | {"miss": _n(area - hi), "pct": _n((area - hi) / hi * 100)})
    if lo is not None and area < lo:
        return Reason("area", "near", "area_under", params | {"miss": _n(lo - area), "pct": _n((lo - area) / lo * 100)})
    code = "area_in" if lo is not None and hi is not None else "area_at_least" if lo is not None else "area_at_most"
    return Reason("area", "met", code, params)


def _price(row: dict, needs: SpaceNeeds) -> Reason:
    rent, budget = row["rent"], needs.budget or 0.0
    if rent is None:
        return Reason("price", "unknown", "rent_unknown", {"budget": _n(budget, 2)})
    params = {"rent": _n(rent, 2), "budget": _n(budget, 2)}
    if rent > budget:
        pct = (rent - budget) / budget * 100 if budget else 100.0
        return Reason("price", "near", "rent_over", params | {"over": _n(rent - budget, 2), "pct": _n(pct)})
    if rent == budget:
        return Reason("price", "met", "rent_at_budget", params)
    return Reason("price", "met", "rent_within", params | {"saving": _n(budget - rent, 2)})


def _industry(park: dict, needs: SpaceNeeds) -> Reason:
    orientation = park["orientation"]
    params = {"industry": needs.industry, "orientation": "、".join(orientation) or "—"}
    if orientation[:1] == [needs.industry]:
        return Reason("industry", "met", "industry_lead", params)
    if needs.industry in orientation:
        return Reason("industry", "partly", "industry_secondary", params)
    return Reason("industry", "unmet", "industry_other", params)


def _use_fit(row: dict, needs: SpaceNeeds, rules: SpaceRules) -> Reason:
    suited = rules.suited_uses.get(needs.industry or "", [])
    params = {"use": row["use"], "industry": needs.industry, "suited": suited[0] if suited else row["use"]}
    if suited[:1] == [row["use"]]:
        return Reason("use_fit", "met", "use_suits", params)
    if row["use"] in suited[1:2]:
        return Reason("use_fit", "partly", "use_second", params)
    return Reason("use_fit", "unmet", "use_unsuited", params)


def _location(park: dict, needs: SpaceNeeds) -> Reason:
    wanted = "、".join([*needs.districts, *needs.parks])
    params = {"wanted": wanted, "district": park["district"] or "—", "park": park["name"] or park["park_id"]}
    hit = park["park_id"] in needs.parks or park["name"] in needs.parks or park["district"] in needs.districts
    return Reason("location", "met" if hit else "unmet", "location_met" if hit else "location_other", params)


def _timing(row: dict, needs: SpaceNeeds, today: dt.date, rules: SpaceRules) -> Reason:
    ready, wanted = row["available_from"], needs.move_in or today
    params = {"ready": ready.isoformat() if ready else "—", "wanted": wanted.isoformat()}
    if ready is None or ready <= wanted:
        return Reason("timing", "met", "ready_now" if needs.move_in is None else "ready_by", params)
    return Reason("timing", "near", "ready_late", params | {"days": (ready - wanted).days})


def _special(row: dict, name: str, needs: SpaceNeeds) -> Reason | None:
    wanted = getattr(needs, name)
    if wanted is None:
        return None
    value = row[name]
    if name == "clean_room":
        if value is None:
            return Reason(name, "unmet", "clean_none", {"need": wanted})
        if clean_room_class(value) is None:
            return Reason(name, "unknown", "clean_unknown", {"value": value, "need": wanted})
        return Reason(name, "met", "clean_met", {"value": value, "need": wanted})
    if value is None:
        return Reason(name, "unknown", f"{name}_unknown", {"need": _n(wanted)})
    return Reason(name, "met", f"{name}_met", {"value": _n(value), "need": _n(wanted)})


def reasons_for(row: dict, park: dict, needs: SpaceNeeds, today: dt.date, rules: SpaceRules) -> list[Reason]:
    """Every stated need of one listing, met or not, in a fixed order."""
    out = [Reason("use", "met", "use_is", {"use": row["use"]})] if needs.use else []
    if needs.industry:
        out.append(_industry(park, needs))
    if "use_fit" in needs.stated:
        out.append(_use_fit(row, needs, rules))
    if "location" in needs.stated:
        out.append(_location(park, needs))
    if "area" in needs.stated:
        out.append(_area(row, needs))
    if "price" in needs.stated:
        out.append(_price(row, needs))
    out.append(_timing(row, needs, today, rules))
    out += [r for name in ("floor_load", "clean_room", "power_kva", "ceiling_height")
            if (r := _special(row, name, needs)) is not None]
    return out


def rank_note(rank: int, score: float, exact: bool, points: dict[str, float], above: SpaceMatch | None) -> Reason:
    """Why a listing is where it is: first, after the exact matches, or what the one above does better."""
    if above is None:
        best = max(points.items(), key=lambda kv: kv[1], default=("timing", 0.0))
        return Reason("rank", "info", "rank_first", {"score": _n(score), "criterion_name": best[0]})
    params = {"above": above.rank, "score": _n(score), "above_score": _n(above.score)}
    if above.exact and not exact:
        return Reason("rank", "info", "rank_after_exact", params)
    gaps = {k: above.points.get(k, 0.0) - v for k, v in points.items()}
    gaps |= {k: v for k, v in above.points.items() if k not in points}
    criterion, gap = max(gaps.items(), key=lambda kv: kv[1], default=("", 0.0))
    if gap > 0.05:
        return Reason("rank", "info", "rank_behind", params | {"criterion_name": criterion, "gap": _n(gap)})
    return Reason("rank", "info", "rank_tie", params)
