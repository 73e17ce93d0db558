"""The park at a glance, the enterprise register and one enterprise's file, as Ibis queries.

Plain functions over a `Warehouse` returning plain dicts; the web pages and their JSON twins
render them. All the work over enterprise rows runs inside the warehouse (DuckDB), so the
queries stay fast at a million enterprises; Python only touches aggregates and single pages.

Tiers: an enterprise's tier in a year is its highest certification on the ladder
科技型中小企业 → 高新技术企业 → 专精特新中小企业 → 专精特新小巨人 → 上市企业 (``none`` without any);
瞪羚企业 and 独角兽企业 are counted beside the ladder. Ecosystems come from the industry code
through ``data/ecosystems.yaml``.

>>> tier_of("高新技术企业@2021-11-03;科技型中小企业")
'high_tech'
>>> ecosystem_of("C2761"), ecosystem_of("C3589"), ecosystem_of("C3511"), ecosystem_of(None)
('biomedicine', 'biomedicine', 'high_end_equipment', 'other')
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources

import ibis
import ibis.expr.types as ir
import yaml

from parkbrain.warehouse.base import Warehouse

# The ladder, highest first (tier id -> certification as the import stores it).
TIERS: dict[str, str] = {
    "listed": "上市企业", "little_giant": "专精特新小巨人", "specialized_sme": "专精特新中小企业",
    "high_tech": "高新技术企业", "tech_sme": "科技型中小企业",
}
NO_TIER = "none"
BADGES: dict[str, str] = {"gazelle": "瞪羚企业", "unicorn": "独角兽企业"}
# Indicators summed over enterprise-years; rd_intensity is derived (R&D / revenue, percent).
SUMMED = ("revenue", "rd_expense", "tax_paid", "employees", "invention_patents_held")
INDICATORS = ("enterprises", "revenue", "rd_expense", "rd_intensity", "tax_paid", "employees",
              "invention_patents_held", "high_tech")
SORTS = ("revenue", "-revenue", "rd_expense", "-rd_expense", "employees", "-employees",
         "name", "-name", "founded_on", "-founded_on")


@cache
def ecosystem_catalogue() -> dict:
    """The ecosystems data file: ids, names, GB/T 4754-2017 prefixes and sources."""
    text = (resources.files("parkbrain") / "data" / "ecosystems.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def ecosystem_ids() -> list[str]:
    """The ecosystem ids in display order, ``other`` last."""
    data = ecosystem_catalogue()
    return [e["id"] for e in data["ecosystems"]] + [data["other"]["id"]]


@cache
def _prefix_map() -> dict[str, str]:
    return {p: e["id"] for e in ecosystem_catalogue()["ecosystems"] for p in e["prefixes"]}


def ecosystem_of(industry_code: str | None) -> str:
    """The ecosystem of one industry code: its longest listed prefix, else ``other``."""
    code = (industry_code or "").upper()
    for length in range(len(code), 0, -1):
        if code[:length] in _prefix_map():
            return _prefix_map()[code[:length]]
    return ecosystem_catalogue()["other"]["id"]


def ecosystem_expr(code: ir.StringValue) -> ir.StringValue:
    """`ecosystem_of` as an Ibis expression (a CASE per prefix length, longest first)."""
    expr: ir.Value = ibis.literal(ecosystem_catalogue()["other"]["id"])
    for length in sorted({len(p) for p in _prefix_map()}):
        level = {p: e for p, e in _prefix_map().items() if len(p) == length}
        expr = code.upper().substr(0, length).substitute(level, else_=expr)
    return expr


def has_certification(certs: ir.StringValue, name: str) -> ir.BooleanValue:
    """Whether a certifications text holds one certification (False when empty)."""
    # The import writes canonical names, none of which is part of another, so a substring test is exact.
    return certs.contains(name).fill_null(False)


def tier_expr(certs: ir.StringValue) -> ir.StringValue:
    """The tier of a certifications text, as an Ibis expression."""
    return ibis.cases(*((has_certification(certs, name), tier) for tier, name in TIERS.items()),
                      else_=NO_TIER)


def parse_certifications(text: str | None) -> list[tuple[str, dt.date | None]]:
    """(name, date granted or None) for each part of a ``name@YYYY-MM-DD;...`` text."""
    parts = []
    for piece in filter(None, (text or "").split(";")):
        name, _, day = piece.partition("@")
        parts.append((name, dt.date.fromisoformat(day) if day else None))
    return parts


def tier_of(text: str | None) -> str:
    """The tier of one certifications text: the highest rung held, else ``none``."""
    held = {name for name, _ in parse_certifications(text)}
    return next((tier for tier, name in TIERS.items() if name in held), NO_TIER)


def _panel(warehouse: Warehouse) -> ir.Table:
    """Enterprise-years with the enterprise's district, park and industry code."""
    years = warehouse.table("enterprise_years")
    firms = warehouse.table("enterprises").select("uscc", "district", "park", "industry_code")
    return years.join(firms, "uscc")


def available_years(warehouse: Warehouse) -> list[int]:
    """The years the panel holds, ascending."""
    years = warehouse.table("enterprise_years").select("year").distinct().order_by("year")
    return [r["year"] for r in warehouse.to_pylist(years)]


def filter_options(warehouse: Warehouse) -> dict[str, list]:
    """The districts, parks and years to choose from in filters."""
    firms = warehouse.table("enterprises")
    pick = lambda col: [r[col] for r in warehouse.to_pylist(  # noqa: E731
        firms.select(col).filter(firms[col].notnull()).distinct().order_by(col))]
    return {"districts": pick("district"), "parks": pick("park"), "years": available_years(warehouse)}


def _growth(value: float | None, previous: float | None) -> float | None:
    if value is None or not previous:
        return None
    return (value / previous - 1) * 100


def _intensity(rd: float | None, revenue: float | None) -> float | None:
    return rd / revenue * 100 if rd is not None and revenue else None


def _year_sums(rows: ir.Table) -> dict[str, ir.Scalar]:
    sums = {m: rows[m].sum() for m in SUMMED}
    return sums | {"enterprises": rows.count(),
                   "high_tech": has_certification(rows.certifications, TIERS["high_tech"]).cast("int64").sum()}


def _indicators(warehouse: Warehouse, scoped: ir.Table, year: int) -> list[dict]:
    """Each key indicator in `year` and the year before, on totals and on a comparable basis."""
    both = scoped.filter(scoped.year.isin([year, year - 1]))
    totals = {r["year"]: r for r in warehouse.to_pylist(both.group_by("year").aggregate(**_year_sums(both)))}
    cur, prev = totals.get(year, {}), totals.get(year - 1, {})
    comparable = _comparable(warehouse, scoped, year)
    out = []
    for ind in INDICATORS:
        if ind == "rd_intensity":
            value = _intensity(cur.get("rd_expense"), cur.get("revenue"))
            previous = _intensity(prev.get("rd_expense"), prev.get("revenue"))
            change = value - previous if value is not None and previous is not None else None
        else:
            value, previous = cur.get(ind), prev.get(ind)
            change = _growth(value, previous)
        out.append({"id": ind, "value": value, "previous": previous, "change": change,
                    "change_unit": "pp" if ind == "rd_intensity" else "pct",
                    "comparable": comparable.get(ind)})
    return out


def _comparable(warehouse: Warehouse, scoped: ir.Table, year: int) -> dict[str, dict]:
    """Indicators over enterprises reporting in both years (per indicator: with the value in both)."""
    ht = TIERS["high_tech"]
    pick = lambda y: scoped.filter(scoped.year == y).select(  # noqa: E731
        "uscc", *SUMMED, high_tech=has_certification(scoped.certifications, ht).cast("int64"))
    j = pick(year).join(pick(year - 1), "uscc")
    aggs: dict[str, ir.Scalar] = {"n": j.count()}
    pairs = {m: (j[m], j[f"{m}_right"]) for m in (*SUMMED, "high_tech")}
    pairs["rd_intensity"] = (j.rd_expense, j.revenue)  # reported in both years: all four present
    ok_intensity = (j.rd_expense.notnull() & j.revenue.notnull()
                    & j.rd_expense_right.notnull() & j.revenue_right.notnull())
    for m, (a, b) in pairs.items():
        ok = ok_intensity if m == "rd_intensity" else a.notnull() & b.notnull()
        aggs[f"{m}_n"] = ok.cast("int64").sum()
        if m == "rd_intensity":
            for col in ("rd_expense", "revenue"):
                aggs[f"ri_{col}"] = ibis.ifelse(ok, j[col], None).sum()
                aggs[f"ri_{col}_prev"] = ibis.ifelse(ok, j[f"{col}_right"], None).sum()
        else:
            aggs[f"{m}_cur"] = ibis.ifelse(ok, a, None).sum()
            aggs[f"{m}_prev"] = ibis.ifelse(ok, b, None).sum()
    r = warehouse.to_pylist(j.aggregate(**aggs))[0]
    out = {"enterprises": {"value": r["n"], "previous": r["n"], "change": 0.0 if r["n"] else None,
                           "enterprises": r["n"]}}
    for m in (*SUMMED, "high_tech"):
        out[m] = {"value": r[f"{m}_cur"], "previous": r[f"{m}_prev"], "enterprises": r[f"{m}_n"],
                  "change": _growth(r[f"{m}_cur"], r[f"{m}_prev"])}
    value = _intensity(r["ri_rd_expense"], r["ri_revenue"])
    previous = _intensity(r["ri_rd_expense_prev"], r["ri_revenue_prev"])
    out["rd_intensity"] = {"value": value, "previous": previous, "enterprises": r["rd_intensity_n"],
                           "change": value - previous if value is not None and previous is not None else None}
    return out


def _tiers(warehouse: Warehouse, rows: ir.Table) -> dict[str, int]:
    """Enterprises per tier (highest rung only) and per badge."""
    tiered = rows.mutate(tier=tier_expr(rows.certifications))
    counts = {r["tier"]: r["n"] for r in warehouse.to_pylist(tiered.group_by("tier").aggregate(n=tiered.count()))}
    badges = {b: has_certification(rows.certifications, name).cast("int64").sum() for b, name in BADGES.items()}
    badge_counts = warehouse.to_pylist(rows.aggregate(**badges))[0]
    return {t: counts.get(t, 0) for t in (*TIERS, NO_TIER)} | {b: badge_counts[b] or 0 for b in BADGES}


def _ecosystems(warehouse: Warehouse, rows: ir.Table) -> list[dict]:
    """Enterprises, revenue and R&D per ecosystem."""
    eco = rows.mutate(ecosystem=ecosystem_expr(rows.industry_code))
    agg = eco.group_by("ecosystem").aggregate(enterprises=eco.count(), revenue=eco.revenue.sum(),
                                              rd_expense=eco.rd_expense.sum())
    found = {r["ecosystem"]: r for r in warehouse.to_pylist(agg)}
    empty = {"enterprises": 0, "revenue": None, "rd_expense": None}
    return [{"id": e} | {k: v for k, v in found.get(e, empty).items() if k != "ecosystem"}
            for e in ecosystem_ids()]


def _by_district(warehouse: Warehouse, panel: ir.Table, year: int) -> list[dict]:
    """Every district's figures in `year`, with revenue growth on totals; largest revenue first."""
    both = panel.filter(panel.year.isin([year, year - 1]))
    rows = warehouse.to_pylist(both.group_by(["district", "year"]).aggregate(**_year_sums(both)))
    prev = {r["district"]: r for r in rows if r["year"] == year - 1}
    out = []
    for r in (r for r in rows if r["year"] == year):
        p = prev.get(r["district"], {})
        out.append({"district": r["district"], "enterprises": r["enterprises"], "revenue": r["revenue"],
                    "rd_expense": r["rd_expense"], "tax_paid": r["tax_paid"], "employees": r["employees"],
                    "high_tech": r["high_tech"], "rd_intensity": _intensity(r["rd_expense"], r["revenue"]),
                    "revenue_growth": _growth(r["revenue"], p.get("revenue"))})
    return sorted(out, key=lambda d: (-(d["revenue"] or 0), d["district"]))


def park_overview(warehouse: Warehouse, *, district: str | None = None, year: int | None = None) -> dict:
    """The park (or one district of it) at a glance in a year, by default the latest."""
    years = available_years(warehouse)
    year = year if year is not None else (years[-1] if years else dt.date.today().year)
    panel = _panel(warehouse)
    scoped = panel.filter(panel.district == district) if district else panel
    current = scoped.filter(scoped.year == year)
    return {
        "year": year, "previous_year": year - 1, "district": district, "years": years,
        "indicators": _indicators(warehouse, scoped, year),
        "tiers": _tiers(warehouse, current),
        "ecosystems": _ecosystems(warehouse, current),
        "by_district": _by_district(warehouse, panel, year),
    }


def _register(warehouse: Warehouse) -> ir.Table:
    """Each enterprise with the figures and certifications of its latest reported year."""
    firms = warehouse.table("enterprises")
    years = warehouse.table("enterprise_years")
    joined = firms.left_join(years, [firms.uscc == years.uscc, firms.as_of_year == years.year])
    return joined.select(
        firms.uscc, firms.name, firms.founded_on, firms.district, firms.park, firms.industry_code,
        firms.business_scope, firms.products, year=firms.as_of_year, revenue=years.revenue,
        rd_expense=years.rd_expense, employees=years.employees, certifications=years.certifications)


def _search(table: ir.Table, q: str) -> ir.BooleanValue:
    needle = q.strip().lower()
    columns = (table.name, table.uscc, table.products, table.business_scope)
    hits = [c.lower().contains(needle).fill_null(False) for c in columns]
    return hits[0] | hits[1] | hits[2] | hits[3]


def list_enterprises(warehouse: Warehouse, *, q: str | None = None, district: str | None = None,
                     park: str | None = None, tier: str | None = None, ecosystem: str | None = None,
                     industry: str | None = None, page: int = 1, per_page: int = 50,
                     sort: str = "-revenue") -> dict:
    """One page of the enterprise register, filtered and sorted, with the total count."""
    if sort not in SORTS:
        raise ValueError(f"sort {sort!r} is not one of {', '.join(SORTS)}")
    t = _register(warehouse)
    t = t.mutate(tier=tier_expr(t.certifications), ecosystem=ecosystem_expr(t.industry_code))
    conditions = []
    if q and q.strip():
        conditions.append(_search(t, q))
    for column, value in (("district", district), ("park", park), ("tier", tier), ("ecosystem", ecosystem)):
        if value:
            conditions.append(t[column] == value)
    if industry:
        conditions.append(t.industry_code.startswith(industry.strip().upper()).fill_null(False))
    if conditions:
        t = t.filter(*conditions)
    total = int(warehouse.scalar(t.count()))
    key = t[sort.lstrip("-")]
    ordered = t.order_by([key.desc() if sort.startswith("-") else key.asc(), t.uscc])
    page_rows = ordered.drop("certifications", "business_scope").limit(per_page, offset=(page - 1) * per_page)
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)),
            "sort": sort, "items": warehouse.to_pylist(page_rows)}


def enterprise_detail(warehouse: Warehouse, uscc: str) -> dict | None:
    """One enterprise: attributes, yearly panel with tiers, certifications with dates; None if absent."""
    firms = warehouse.table("enterprises")
    found = warehouse.to_pylist(firms.filter(firms.uscc == uscc))
    if not found:
        return None
    years = warehouse.table("enterprise_years")
    panel = warehouse.to_pylist(years.filter(years.uscc == uscc).order_by("year").drop("uscc"))
    for row in panel:  # one enterprise's few years
        row["tier"] = tier_of(row["certifications"])
        row["rd_intensity"] = _intensity(row["rd_expense"], row["revenue"])
    attrs = found[0]
    latest = panel[-1] if panel else {}
    attrs |= {"ecosystem": ecosystem_of(attrs["industry_code"]),
              "tier": latest.get("tier", NO_TIER)}
    return {"enterprise": attrs, "years": panel, "certifications": _certification_history(panel)}


def _certification_history(panel: list[dict]) -> list[dict]:
    """Each certification held: its latest stated grant date and the years it was listed."""
    held: dict[str, dict] = {}
    for row in panel:
        for name, granted in parse_certifications(row["certifications"]):
            entry = held.setdefault(name, {"name": name, "granted_on": None, "years": []})
            entry["years"].append(row["year"])
            entry["granted_on"] = granted or entry["granted_on"]
    order = [*reversed(TIERS.values()), *BADGES.values()]
    return sorted(held.values(), key=lambda c: order.index(c["name"]) if c["name"] in order else 99)
