"""The enterprise tier pyramid (企业梯队) and its movement from one year to the next.

Tiers are overview's ladder (科技型中小企业 → 高新技术企业 → 专精特新中小企业 → 专精特新小巨人 →
上市企业, each enterprise at its highest rung); 雏鹰 / 瞪羚 / 独角兽 are badges beside it. Between
two years an enterprise is promoted (a higher rung), dropped (a lower one), unchanged, new
(no row the year before) or left (no row this year); every arrow lists its enterprises.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from parkbrain.chains.tables import PLACEMENTS
from parkbrain.overview import BADGES, NO_TIER, TIERS, has_certification, tier_expr
from parkbrain.warehouse.base import Warehouse

LADDER = (NO_TIER, *reversed(TIERS))  # lowest first
ABSENT = "absent"
# 雏鹰企业 (young high-growth firms) are certified by several provinces; overview does not count them yet.
ALL_BADGES = {"eaglet": "雏鹰企业", **BADGES}
KINDS = ("promoted", "dropped", "same", "new", "left")


def kind_of(from_tier: str, to_tier: str) -> str:
    """The kind of a move between two tiers.

    >>> kind_of("tech_sme", "high_tech_enterprise"), kind_of("listed", "none"), kind_of("absent", "none")
    ('promoted', 'dropped', 'new')
    """
    if from_tier == ABSENT:
        return "new"
    if to_tier == ABSENT:
        return "left"
    step = LADDER.index(to_tier) - LADDER.index(from_tier)
    return "promoted" if step > 0 else "dropped" if step < 0 else "same"


def _scoped(warehouse: Warehouse, years: ir.Table, *, district: str | None, chain: str | None,
            link: str | None) -> ir.Table:
    """Enterprise-years limited to a district and (via the primary placements) a chain or link."""
    firms = warehouse.table("enterprises").select("uscc", "name", "district")
    if district:
        firms = firms.filter(firms.district == district)
    if chain:
        p = warehouse.table(PLACEMENTS)
        p = p.filter(p["rank"] == 1, p.chain == chain, *([p.link == link] if link else []))
        firms = firms.semi_join(p, "uscc")
    return years.join(firms, "uscc")


def tier_pyramid(warehouse: Warehouse, *, year: int, district: str | None = None, chain: str | None = None,
                 link: str | None = None) -> dict:
    """Enterprises per tier (highest rung) and per badge in a year."""
    y = warehouse.table("enterprise_years")
    t = _scoped(warehouse, y.filter(y.year == year), district=district, chain=chain, link=link)
    aggs = {tier: (tier_expr(t.certifications) == tier).cast("int64").sum() for tier in LADDER}
    aggs |= {b: has_certification(t.certifications, name).cast("int64").sum() for b, name in ALL_BADGES.items()}
    row = warehouse.to_pylist(t.aggregate(total=t.count(), **aggs))[0]
    return {"year": year, "total": row["total"], "tiers": {k: row[k] or 0 for k in LADDER},
            "badges": {k: row[k] or 0 for k in ALL_BADGES}}


def _pairs(warehouse: Warehouse, year: int, **scope: str | None) -> ir.Table:
    """Each enterprise's tier the year before and this year (absent when it has no row)."""
    y = warehouse.table("enterprise_years")
    cur = _scoped(warehouse, y.filter(y.year == year), **scope).select("uscc", "name", "certifications")
    prev = _scoped(warehouse, y.filter(y.year == year - 1), **scope).select(
        p_uscc="uscc", p_name="name", p_certifications="certifications")
    both = cur.outer_join(prev, cur.uscc == prev.p_uscc)
    return both.select(
        uscc=ibis.coalesce(both.uscc, both.p_uscc), name=ibis.coalesce(both.name, both.p_name),
        from_tier=ibis.ifelse(both.p_uscc.isnull(), ABSENT, tier_expr(both.p_certifications)),
        to_tier=ibis.ifelse(both.uscc.isnull(), ABSENT, tier_expr(both.certifications)))


def tier_movement(warehouse: Warehouse, *, year: int, district: str | None = None, chain: str | None = None,
                  link: str | None = None) -> dict:
    """The flows between tiers from the year before to `year`, with a count per kind of move."""
    pairs = _pairs(warehouse, year, district=district, chain=chain, link=link)
    rows = warehouse.to_pylist(pairs.group_by("from_tier", "to_tier").aggregate(enterprises=pairs.count()))
    order = [ABSENT, *LADDER]
    flows = sorted(({**r, "kind": kind_of(r["from_tier"], r["to_tier"])} for r in rows),
                   key=lambda r: (order.index(r["from_tier"]), order.index(r["to_tier"])))
    summary = {k: sum(f["enterprises"] for f in flows if f["kind"] == k) for k in KINDS}
    return {"year": year, "previous_year": year - 1, "flows": flows, "summary": summary}


def movement_enterprises(warehouse: Warehouse, *, year: int, from_tier: str, to_tier: str,
                         district: str | None = None, chain: str | None = None, link: str | None = None,
                         limit: int = 200) -> dict:
    """The enterprises behind one arrow (from_tier → to_tier), by name, at most `limit`."""
    pairs = _pairs(warehouse, year, district=district, chain=chain, link=link)
    chosen = pairs.filter(pairs.from_tier == from_tier, pairs.to_tier == to_tier)
    total = int(warehouse.scalar(chosen.count()))
    items = warehouse.to_pylist(chosen.order_by(["name", "uscc"]).limit(limit))
    return {"year": year, "from_tier": from_tier, "to_tier": to_tier, "kind": kind_of(from_tier, to_tier),
            "total": total, "items": items}
