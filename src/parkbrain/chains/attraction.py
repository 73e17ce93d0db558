"""招商: candidates ranked for the weak and missing links, and the project pipeline against its targets.

A candidate's score (0–100) weighs scale 25%, innovation (R&D intensity, invention patents)
25%, title 15%, growth 15%, nearness (长三角) 10% and a stated expansion plan 10%; its reasons
say which of these stand out and which of the park's links it would supply or buy from.
"""

from __future__ import annotations

import math

import ibis
import pyarrow as pa

from parkbrain.chains.catalogue import Catalogue
from parkbrain.chains.targets import Targets
from parkbrain.warehouse.base import Warehouse

STAGES = ("negotiating", "signed", "landed", "construction", "operating")
TIER_SCORE = {"listed": 1.0, "little_giant": 0.8, "specialised_sme": 0.6, "high_tech_enterprise": 0.4,
              "tech_sme": 0.2, "none": 0.0}
WEIGHTS = {"scale": 0.25, "innovation": 0.25, "tier": 0.15, "growth": 0.15, "nearness": 0.10, "expansion": 0.10}


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def candidate_parts(c: dict) -> dict[str, float]:
    """The 0–1 components of a candidate's score.

    >>> parts = candidate_parts({"revenue": 100000, "rd_intensity": 0.15, "invention_patents": 50,
    ...     "tier": "listed", "growth": 0.4, "region": "yangtze_delta", "expanding": True})
    >>> round(sum(WEIGHTS[k] * v for k, v in parts.items()), 3)
    1.0
    """
    return {
        "scale": _clip(math.log10(max(c["revenue"], 1.0)) / 5),  # 10亿元 (10^5 万元) and above: 1
        "innovation": 0.5 * _clip(c["rd_intensity"] / 0.15) + 0.5 * _clip(c["invention_patents"] / 50),
        "tier": TIER_SCORE.get(c["tier"], 0.0),
        "growth": _clip((c["growth"] + 0.1) / 0.5),
        "nearness": 1.0 if c["region"] == "yangtze_delta" else 0.5,
        "expansion": 1.0 if c["expanding"] else 0.0,
    }


def _reasons(c: dict, gap: dict, neighbours: dict[str, list[dict]]) -> list[dict]:
    """Why a candidate is proposed: the gap it fills, what stands out, whom in the park it would serve."""
    out = []
    if gap["status"] in ("weak", "missing"):
        out.append({"code": f"gap_{gap['status']}", "params": {"enterprises": gap["enterprises"]}})
    checks = [("scale", c["revenue"] >= 10_000, {"revenue": c["revenue"]}),
              ("tier", c["tier"] in ("listed", "little_giant", "specialised_sme"), {"tier": c["tier"]}),
              ("rd", c["rd_intensity"] >= 0.08, {"rd_rate": c["rd_intensity"]}),
              ("patents", c["invention_patents"] >= 20, {"patents": c["invention_patents"]}),
              ("growth", c["growth"] >= 0.2, {"growth_rate": c["growth"]}),
              ("nearby", c["region"] == "yangtze_delta", {"city": c["city"]}),
              ("expanding", c["expanding"], {})]
    out += [{"code": code, "params": params} for code, ok, params in checks if ok]
    for code in ("supplies", "buys_from"):
        links = [n for n in neighbours[code] if n["enterprises"]]
        if links:
            out.append({"code": code, "params": {"links": links, "enterprises": sum(n["enterprises"] for n in links)}})
    return out


def _neighbours(key: str, catalogue: Catalogue, diagnosis: dict) -> dict[str, list[dict]]:
    """The park's enterprises in the links a link supplies and in those that supply it."""
    count = {lk["key"]: lk["enterprises"] for c in diagnosis["chains"] for lk in c["links"]}

    def described(keys: list[str]) -> list[dict]:
        return [{"key": k, "zh": catalogue.link(k).zh, "en": catalogue.link(k).en, "enterprises": count.get(k, 0)}
                for k in keys]

    return {"supplies": described(catalogue.customers(key)), "buys_from": described(catalogue.suppliers(key))}


def rank_candidates(pool: pa.Table, gap: dict, catalogue: Catalogue, diagnosis: dict, *, limit: int = 10) -> list[dict]:
    """The pool's candidates for one link of the diagnosis, best first, with scores and reasons."""
    key = gap["key"]
    chain, link = key.split("/")
    mine = [c for c in pool.to_pylist() if c["chain"] == chain and c["link"] == link]
    neighbours = _neighbours(key, catalogue, diagnosis)
    ranked = []
    for c in mine:
        parts = candidate_parts(c)
        score = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()), 1)
        ranked.append(c | {"score": score, "parts": parts, "reasons": _reasons(c, gap, neighbours)})
    ranked.sort(key=lambda c: (-c["score"], c["candidate_id"]))
    return ranked[:limit]


def gap_links(diagnosis: dict) -> list[dict]:
    """The links to attract for: weak and missing ones (补链, 延链) of the chains present here."""
    return [f for action in ("fill_link", "extend_chain") for f in diagnosis["findings"][action]]


def candidates_for_gaps(pool: pa.Table, catalogue: Catalogue, diagnosis: dict, *, limit: int = 5) -> list[dict]:
    """For each gap link, its best candidates."""
    return [{"gap": gap, "candidates": rank_candidates(pool, gap, catalogue, diagnosis, limit=limit)}
            for gap in gap_links(diagnosis)]


def _projects(warehouse: Warehouse, district: str | None):
    p = warehouse.table("projects")
    return p.filter(p.district == district) if district else p


def pipeline(warehouse: Warehouse, catalogue: Catalogue, targets: Targets, *, year: int,
             district: str | None = None, gap_keys: frozenset[str] = frozenset()) -> dict:
    """The 招商 pipeline of a district: projects by stage, this year's figures against targets, by link."""
    p = _projects(warehouse, district)
    by_stage = {r["stage"]: r for r in warehouse.to_pylist(
        p.group_by("stage").aggregate(projects=p.count(), investment=p.investment.sum()))}
    stages = [{"stage": s, "projects": by_stage.get(s, {}).get("projects", 0),
               "investment": by_stage.get(s, {}).get("investment")} for s in STAGES]
    for i, s in enumerate(stages):
        s["reached"] = sum(x["projects"] for x in stages[i:])
    return {"year": year, "district": district, "targets_id": targets.id, "stages": stages,
            "targets": _against_targets(warehouse, targets, year, district),
            "by_link": _by_link(warehouse, catalogue, district, gap_keys),
            "projects": _largest(warehouse, catalogue, district)}


def _against_targets(warehouse: Warehouse, targets: Targets, year: int, district: str | None) -> list[dict]:
    """Each yearly target with the year's actual count and the investment behind it."""
    out = []
    for t in targets.pipeline:
        p = _projects(warehouse, district)
        cond = [p[t.date].year() == year]
        if t.min_investment is not None:
            cond.append(p.investment >= t.min_investment)
        chosen = p.filter(*cond)
        row = warehouse.to_pylist(chosen.aggregate(n=chosen.count(), investment=chosen.investment.sum()))[0]
        out.append({"id": t.id, "zh": t.name.zh, "en": t.name.en, "date": t.date, "target": t.target,
                    "min_investment": t.min_investment, "actual": row["n"], "investment": row["investment"],
                    "progress": round(row["n"] / t.target * 100, 1) if t.target else None,
                    "met": row["n"] >= t.target})
    return out


def _link_key(catalogue: Catalogue, ecosystem: str | None, link: str | None) -> str | None:
    """A project's link key from its 所属产业生态 and 产业链环节 (Chinese names), None when unknown."""
    for lk in catalogue.links:
        if lk.zh == link and catalogue.chain(lk.chain).zh == ecosystem:
            return lk.key
    return None


def _by_link(warehouse: Warehouse, catalogue: Catalogue, district: str | None,
             gap_keys: frozenset[str]) -> list[dict]:
    """Projects and investment per link, marking the links the diagnosis calls gaps."""
    p = _projects(warehouse, district)
    rows = warehouse.to_pylist(p.group_by("ecosystem", "chain_link").aggregate(
        projects=p.count(), investment=p.investment.sum()).order_by(ibis.desc("investment")))
    for r in rows:
        r["key"] = _link_key(catalogue, r["ecosystem"], r["chain_link"])
        r["gap"] = r["key"] in gap_keys
    return rows


def _largest(warehouse: Warehouse, catalogue: Catalogue, district: str | None, limit: int = 30) -> list[dict]:
    """The largest projects with their stage and link."""
    p = _projects(warehouse, district)
    rows = warehouse.to_pylist(p.order_by([ibis.desc(p.investment.fill_null(0)), p.project_id]).limit(limit))
    for r in rows:
        r["key"] = _link_key(catalogue, r["ecosystem"], r["chain_link"])
    return rows


def link_projects(warehouse: Warehouse, catalogue: Catalogue, key: str, district: str | None) -> list[dict]:
    """The pipeline's projects on one link, largest first."""
    link = catalogue.link(key)
    p = _projects(warehouse, district)
    p = p.filter(p.ecosystem == catalogue.chain(link.chain).zh, p.chain_link == link.zh)
    rows = warehouse.to_pylist(p.order_by([ibis.desc(p.investment.fill_null(0)), p.project_id]))
    return [r | {"key": key} for r in rows]
