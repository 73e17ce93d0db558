"""诊断: each link's figures against a benchmark, and out of them 强链 / 补链 / 延链 with their reasons.

The benchmark is the peer districts of the data pooled (default) or a target structure given
as data (targets file, `structure`). A link's `lq` (区位熵) is its share of the chain here
divided by the benchmark's share, by enterprises (default: a chain's revenue is often mostly
one 链主's, which would make every other link look weak) or by revenue (`lq_basis`); both are
reported. With the thresholds of the targets file:

- missing (no enterprise here): 延链 `extend_chain` when the link is up- or downstream, else
  补链 `fill_link`;
- weak (fewer than `min_enterprises`, lq below `weak_lq`, or revenue concentrated in one or
  two firms, HHI ≥ `concentration_hhi`): 补链 `fill_link`;
- strong (lq ≥ `strong_lq`, or the benchmark has none, with at least `min_enterprises`):
  强链 `strengthen_link`;
- otherwise normal.

Every finding carries the figures that make it so, as reason codes with their numbers.
"""

from __future__ import annotations

from collections import defaultdict

from parkbrain.chains.catalogue import Catalogue, Chain, Link
from parkbrain.chains.figures import (
    TIER_IDS,
    default_district,
    growth,
    hhi,
    latest_year,
    link_figures,
    link_leaders,
)
from parkbrain.chains.targets import Targets, Thresholds
from parkbrain.warehouse.base import Warehouse

ACTIONS = ("strengthen_link", "fill_link", "extend_chain")
SUMMED = ("enterprises", "revenue", "rd_expense", "revenue_sq", "c_revenue", "c_previous",
          *(f"tier_{t}" for t in TIER_IDS))


def _pool(rows: list[dict]) -> dict:
    """Sum figure rows (None when no row has a value)."""
    out = {}
    for key in SUMMED:
        values = [r[key] for r in rows if r.get(key) is not None]
        out[key] = sum(values) if values else (0 if key == "enterprises" or key.startswith("tier_") else None)
    return out


def _by_link(rows: list[dict], chain: str, keep) -> dict[str, dict]:
    """Pooled figures per link of one chain, over the rows whose district `keep` accepts."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["chain"] == chain and keep(r["district"]):
            grouped[r["link"]].append(r)
    return {link: _pool(group) for link, group in grouped.items()}


def _share(part: float | None, whole: float | None) -> float | None:
    return round(part / whole, 4) if part is not None and whole else None


def _reasons(link: Link, f: dict, th: Thresholds) -> list[dict]:
    """The reason codes of a link's status, each with its figures."""
    n, lq = f["enterprises"], f["lq"]
    figures = {k: f[k] for k in ("enterprises", "benchmark_enterprises", "basis", "share", "benchmark_share",
                                 "lq", "growth", "benchmark_growth", "hhi")}
    out = []
    if n == 0:
        out.append({"code": "missing", "params": figures})
        if link.position != "midstream":
            out.append({"code": f"missing_{link.position}", "params": {}})
        return out
    if n < th.min_enterprises:
        out.append({"code": "few", "params": figures | {"min": th.min_enterprises}})
    if lq is not None and lq < th.weak_lq:
        out.append({"code": "low_share", "params": figures | {"threshold": th.weak_lq}})
    if lq is not None and lq >= th.strong_lq:
        out.append({"code": "high_share", "params": figures | {"threshold": th.strong_lq}})
    if lq is None and f["benchmark_share"] == 0:
        out.append({"code": "benchmark_has_none", "params": figures})
    if f["hhi"] is not None and f["hhi"] >= th.concentration_hhi and n >= 1:
        out.append({"code": "concentrated", "params": figures | {"threshold": th.concentration_hhi}})
    if f["growth"] is not None and f["benchmark_growth"] is not None and f["growth"] > f["benchmark_growth"]:
        out.append({"code": "outgrows", "params": figures})
    return out


def classify(link: Link, f: dict, th: Thresholds) -> tuple[str, str | None, list[dict]]:
    """(status, action, reasons) of one link from its figures."""
    reasons = _reasons(link, f, th)
    codes = {r["code"] for r in reasons}
    if "missing" in codes:
        return "missing", "fill_link" if link.position == "midstream" else "extend_chain", reasons
    if codes & {"few", "low_share"}:
        return "weak", "fill_link", [r for r in reasons if r["code"] != "outgrows"]
    if codes & {"high_share", "benchmark_has_none"} and f["enterprises"] >= th.min_enterprises:
        return "strong", "strengthen_link", reasons
    if "concentrated" in codes:
        return "weak", "fill_link", [r for r in reasons if r["code"] != "outgrows"]
    return "normal", None, reasons


def _lq(share: float | None, bshare: float | None) -> float | None:
    return round(share / bshare, 3) if share is not None and bshare else None


def _structure(here: dict, there: dict, totals: dict, column: str, target: float | None) -> dict:
    """The link's share of its chain here and in the benchmark by one column, and their ratio (lq)."""
    share = _share(here[column], totals["here"][column])
    bshare = target if target is not None else _share(there[column], totals["there"][column])
    if bshare is None and totals["there"][column] and not there[column]:
        bshare = 0.0
    return {"share": share, "benchmark_share": bshare, "lq": _lq(share, bshare)}


def _figures(here: dict, there: dict, totals: dict, target_share: float | None, basis: str) -> dict:
    """A link's figures here beside the benchmark's; `lq` and `share` on the thresholds' basis."""
    by = {col: _structure(here, there, totals, col, target_share if col == basis else None)
          for col in ("enterprises", "revenue")}
    rd = here["rd_expense"]
    return {
        "enterprises": here["enterprises"], "revenue": here["revenue"], "rd_expense": rd,
        "rd_intensity": round(rd / here["revenue"] * 100, 2) if rd is not None and here["revenue"] else None,
        "growth": growth(here["c_revenue"], here["c_previous"]), "hhi": hhi(here["revenue"], here["revenue_sq"]),
        "tiers": {t: here[f"tier_{t}"] for t in TIER_IDS}, "basis": basis, **by[basis],
        "enterprise_share": by["enterprises"]["share"], "lq_enterprises": by["enterprises"]["lq"],
        "revenue_share": by["revenue"]["share"], "lq_revenue": by["revenue"]["lq"],
        "benchmark_enterprises": there["enterprises"], "benchmark_revenue": there["revenue"],
        "benchmark_growth": growth(there["c_revenue"], there["c_previous"]),
    }


def _chain_leaders(chain: Chain, catalogue: Catalogue, leaders: list[dict], total: float | None) -> dict:
    """链主 by size (largest revenue) and by supply edges (revenue × (1 + edges of its link))."""
    mine = [r for r in leaders if r["chain"] == chain.id]

    def entry(r: dict) -> dict:
        key = f"{chain.id}/{r['link']}"
        return {"uscc": r["uscc"], "name": r["name"], "link": r["link"], "revenue": r["revenue"],
                "share": _share(r["revenue"], total), "tier": r["tier"], "edges": catalogue.degree(key),
                "supplies": catalogue.customers(key), "supplied_by": catalogue.suppliers(key)}

    by_size = sorted(mine, key=lambda r: (-r["revenue"], r["uscc"]))[:3]
    by_edges = sorted(mine, key=lambda r: (-r["revenue"] * (1 + catalogue.degree(f"{chain.id}/{r['link']}")),
                                           r["uscc"]))[:3]
    return {"by_size": [entry(r) for r in by_size], "by_edges": [entry(r) for r in by_edges]}


def _chain(chain: Chain, catalogue: Catalogue, targets: Targets, rows: list[dict], leaders: list[dict],
           district: str, use_target: bool) -> dict:
    """One chain's diagnosis: its links with figures, status and reasons, and its 链主."""
    here = _by_link(rows, chain.id, lambda d: d == district)
    there = _by_link(rows, chain.id, lambda d: d != district)
    totals = {side: {col: sum(f[col] or 0 for f in figs.values()) or None for col in ("enterprises", "revenue")}
              for side, figs in (("here", here), ("there", there))}
    total, bench_total = totals["here"]["revenue"], totals["there"]["revenue"]
    # A chain the target structure leaves out is compared with the peers.
    structure = targets.structure.get(chain.id) if use_target else None
    empty = _pool([])
    links = []
    for lk in chain.links:
        target_share = structure.get(lk.id, 0.0) if structure else None
        f = _figures(here.get(lk.id, empty), there.get(lk.id, empty), totals, target_share,
                     targets.diagnosis.lq_basis)
        status, action, reasons = classify(lk, f, targets.diagnosis)
        top = [r for r in leaders if r["chain"] == chain.id and r["link"] == lk.id]
        links.append({"id": lk.id, "key": lk.key, "zh": lk.zh, "en": lk.en, "position": lk.position,
                      "status": status, "action": action, "reasons": reasons, "leaders": top, **f})
    present = any(lk["enterprises"] for lk in links)
    return {"id": chain.id, "zh": chain.zh, "en": chain.en, "status": "present" if present else "absent",
            "enterprises": sum(lk["enterprises"] for lk in links), "revenue": total,
            "benchmark_revenue": bench_total, "links": links,
            "edges": [{"source": e.source, "target": e.target} for e in chain.edges],
            "chain_leaders": _chain_leaders(chain, catalogue, leaders, total)}


def _findings(chains: list[dict]) -> dict[str, list[dict]]:
    """The links to act on, grouped by action; absent chains left out (nothing here to build on)."""
    out: dict[str, list[dict]] = {a: [] for a in ACTIONS}
    for c in chains:
        if c["status"] == "absent":
            continue
        for lk in c["links"]:
            if lk["action"]:
                out[lk["action"]].append({"chain": c["id"], "chain_zh": c["zh"], "chain_en": c["en"], **lk})
    out["strengthen_link"].sort(key=lambda f: -(f["lq"] or 1e9))
    out["fill_link"].sort(key=lambda f: (f["status"] != "missing", f["lq"] if f["lq"] is not None else -1))
    return out


def build_diagnosis(catalogue: Catalogue, targets: Targets, rows: list[dict], leaders: list[dict], *,
                    district: str, year: int, benchmark: str = "peers") -> dict:
    """The diagnosis from per-link figure rows (see `link_figures`) and leaders (see `link_leaders`)."""
    if benchmark not in ("peers", "target"):
        raise ValueError(f"benchmark {benchmark!r} is neither 'peers' nor 'target'")
    if benchmark == "target" and not targets.structure:
        raise ValueError(f"targets {targets.id!r} give no target structure; use --benchmark peers or add one")
    peers = sorted({r["district"] for r in rows if r["district"] not in (None, district)})
    chains = [_chain(c, catalogue, targets, rows, leaders, district, benchmark == "target") for c in catalogue.chains]
    return {"year": year, "district": district, "benchmark": benchmark, "peers": peers, "targets": targets.id,
            "thresholds": targets.diagnosis.model_dump(), "chains": chains, "findings": _findings(chains)}


def diagnose(warehouse: Warehouse, catalogue: Catalogue, targets: Targets, *, district: str | None = None,
             year: int | None = None, benchmark: str = "peers") -> dict:
    """Diagnose every chain of a district (default: the largest) in a year (default: the latest)."""
    year = year or latest_year(warehouse)
    district = district or default_district(warehouse)
    if year is None or district is None:
        raise ValueError("the register is empty: import enterprises (or build the demo) first")
    rows = link_figures(warehouse, year)
    leaders = link_leaders(warehouse, year, district)
    return build_diagnosis(catalogue, targets, rows, leaders, district=district, year=year, benchmark=benchmark)
