"""Per-link figures as Ibis expressions over the warehouse: one pass per question, grouped in DuckDB.

An enterprise counts on its primary link (rank 1) only, so chain totals add up. Figures are
those of the enterprises reporting in the year; growth is on a comparable basis (enterprises
reporting revenue in both years); HHI = Σ revenue² / (Σ revenue)² × 10,000.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from parkbrain.chains.tables import PLACEMENTS
from parkbrain.overview import NO_TIER, TIERS, available_years, tier_expr
from parkbrain.warehouse.base import Warehouse

TIER_IDS = (*TIERS, NO_TIER)
LEADERS_PER_LINK = 5


def default_district(warehouse: Warehouse) -> str | None:
    """The district with the most enterprises (the park's own, in the demo 滨江区)."""
    f = warehouse.table("enterprises")
    f = f.filter(f.district.notnull())
    rows = warehouse.to_pylist(f.group_by("district").aggregate(n=f.count())
                               .order_by([ibis.desc("n"), "district"]).limit(1))
    return rows[0]["district"] if rows else None


def latest_year(warehouse: Warehouse) -> int | None:
    """The latest year of the panel."""
    years = available_years(warehouse)
    return years[-1] if years else None


def placed_in_year(warehouse: Warehouse, year: int) -> ir.Table:
    """Primary placements joined with the register and the year's (and the year before's) figures."""
    p = warehouse.table(PLACEMENTS)
    p = p.filter(p["rank"] == 1).select("uscc", "chain", "link", "confidence", "source", "code_evidence",
                                        "scope_words", "product_words")
    firms = warehouse.table("enterprises").select("uscc", "name", "district")
    years = warehouse.table("enterprise_years")
    cur = years.filter(years.year == year).select("uscc", "revenue", "rd_expense", "certifications")
    prev = years.filter(years.year == year - 1).select(p_uscc="uscc", p_revenue="revenue")
    t = p.join(firms, "uscc").join(cur, "uscc")
    t = t.left_join(prev, t.uscc == prev.p_uscc).drop("p_uscc")
    return t.mutate(tier=tier_expr(t.certifications))


def link_figures(warehouse: Warehouse, year: int) -> list[dict]:
    """Per (district, chain, link): enterprises, revenue, R&D, comparable growth sums, HHI parts, tier mix."""
    t = placed_in_year(warehouse, year)
    both = t.revenue.notnull() & t.p_revenue.notnull()
    aggs = {"enterprises": t.count(), "revenue": t.revenue.sum(), "rd_expense": t.rd_expense.sum(),
            "revenue_sq": (t.revenue * t.revenue).sum(),
            "c_revenue": ibis.ifelse(both, t.revenue, None).sum(),
            "c_previous": ibis.ifelse(both, t.p_revenue, None).sum()}
    aggs |= {f"tier_{tier}": (t.tier == tier).cast("int64").sum() for tier in TIER_IDS}
    return warehouse.to_pylist(t.group_by("district", "chain", "link").aggregate(**aggs))


def link_leaders(warehouse: Warehouse, year: int, district: str) -> list[dict]:
    """The largest enterprises by revenue of each link in a district (LEADERS_PER_LINK per link)."""
    t = placed_in_year(warehouse, year)
    t = t.filter(t.district == district, t.revenue.notnull())
    pos = ibis.row_number().over(group_by=[t.chain, t.link], order_by=[ibis.desc(t.revenue), t.uscc])
    ranked = t.mutate(pos=pos)
    top = ranked.filter(ranked.pos < LEADERS_PER_LINK)
    return warehouse.to_pylist(top.select("chain", "link", "uscc", "name", "revenue", "rd_expense", "tier", "pos")
                               .order_by(["chain", "link", "pos"]))


def link_enterprises(warehouse: Warehouse, *, chain: str, link: str, district: str, year: int,
                     page: int = 1, per_page: int = 50) -> dict:
    """One page of a link's enterprises in a district, largest first, with placement evidence."""
    t = placed_in_year(warehouse, year)
    t = t.filter(t.chain == chain, t.link == link, t.district == district)
    total = int(warehouse.scalar(t.count()))
    rows = t.order_by([ibis.desc(t.revenue.fill_null(-1)), t.uscc]).limit(per_page, offset=(page - 1) * per_page)
    items = warehouse.to_pylist(rows.drop("certifications", "p_revenue"))
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)),
            "items": items}


def hhi(revenue: float | None, revenue_sq: float | None) -> float | None:
    """Herfindahl–Hirschman index (0–10,000) from Σ revenue and Σ revenue².

    >>> hhi(100.0, 100.0 ** 2), hhi(100.0, 4 * 25.0 ** 2), hhi(0.0, 0.0)
    (10000.0, 2500.0, None)
    """
    if not revenue or revenue_sq is None:
        return None
    return round(revenue_sq / revenue ** 2 * 10_000, 1)


def growth(current: float | None, previous: float | None) -> float | None:
    """Growth in percent; None without a previous value."""
    if current is None or not previous:
        return None
    return round((current / previous - 1) * 100, 2)
