"""The park at a glance, the enterprise register and one enterprise's file, as Ibis queries.

Plain functions over a `Warehouse` returning plain dicts; the web pages and their JSON twins
render them. All the work over enterprise rows runs inside the warehouse (DuckDB), so the
queries stay fast at a million enterprises; Python only touches aggregates and single pages.

Tiers: an enterprise's tier in a year is its highest certification on the ladder
科技型中小企业 → 高新技术企业 → 专精特新中小企业 → 专精特新小巨人 → 上市企业 (``none`` without any);
瞪羚企业 and 独角兽企业 are counted beside the ladder. Ecosystems come from the industry code
through ``data/ecosystems.yaml``.

>>> tier_of("高新技术企业@2021-11-03;科技型中小企业")
'high_tech_enterprise'
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
    "listed": "上市企业", "little_giant": "专精特新小巨人", "specialised_sme": "专精特新中小企业",
    "high_tech_enterprise": "高新技术企业", "tech_sme": "科技型中小企业",
}
NO_TIER = "none"
BADGES: dict[str, str] = {"gazelle": "瞪羚企业", "unicorn": "独角兽企业"}
# Indicators summed over enterprise-years; rd_intensity is derived (R&D / revenue, percent).
SUMMED = ("revenue", "rd_expense", "tax_paid", "employees", "invention_patents_held")
INDICATORS = ("enterprises", "revenue", "rd_expense", "rd_intensity", "tax_paid", "employees",
              "invention_patents_held", "high_tech_enterprises")
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


def available_years(warehouse: Warehouse) -> list[int]:
    """The years the panel holds, ascending."""
    years = warehouse.table("enterprise_years").select("year").distinct().order_by("year")
    return [r["year"] for r in warehouse.to_pylist(years)]


def filter_options(warehouse: Warehouse) -> dict[str, list]:
    """The districts, parks and years to choose from in filters."""
    firms = warehouse.table("enterprises")

    def distinct(column: str) -> list[str]:
        """The column's distinct non-null values, sorted."""
        values = firms.select(column).filter(firms[column].notnull()).distinct().order_by(column)
        return [r[column] for r in warehouse.to_pylist(values)]

    return {"districts": distinct("district"), "parks": distinct("park"), "years": available_years(warehouse)}


def _cube(warehouse: Warehouse, year: int) -> list[dict]:
    """Figures of `year` and the year before per (district, tier, ecosystem): one pass in the warehouse.

    Each enterprise's two years sit side by side (a full outer join on uscc), so the same pass
    gives the totals of each year and the comparable sums over enterprises reporting a figure
    in both years. Tier and ecosystem are the current year's (null tier: not reporting this year).
    """
    years = warehouse.table("enterprise_years")
    cols = ("uscc", "certifications", *SUMMED)
    cur = years.filter(years.year == year).select(*cols)
    prev = years.filter(years.year == year - 1).select(*cols).rename(lambda c: f"p_{c}")
    pair = cur.outer_join(prev, cur.uscc == prev.p_uscc)
    firms = warehouse.table("enterprises").select(key="uscc", district="district", code="industry_code")
    f = pair.mutate(key=ibis.coalesce(pair.uscc, pair.p_uscc)).join(firms, "key")
    has_cur, has_prev = f.uscc.notnull(), f.p_uscc.notnull()
    both = has_cur & has_prev
    ht_cur = has_certification(f.certifications, TIERS["high_tech_enterprise"]).cast("int64")
    ht_prev = has_certification(f.p_certifications, TIERS["high_tech_enterprise"]).cast("int64")
    n = lambda mask: mask.cast("int64").sum()  # noqa: E731
    aggs = {"enterprises": n(has_cur), "p_enterprises": n(has_prev), "c_enterprises": n(both),
            "ht": ht_cur.sum(), "p_ht": ht_prev.sum(), "n_ht": n(both),
            "c_ht": ibis.ifelse(both, ht_cur, 0).sum(), "cp_ht": ibis.ifelse(both, ht_prev, 0).sum()}
    aggs |= {b: n(has_certification(f.certifications, name)) for b, name in BADGES.items()}
    paired = {m: f[m].notnull() & f[f"p_{m}"].notnull() for m in SUMMED}
    paired["rd_intensity"] = paired["rd_expense"] & paired["revenue"]
    for m in SUMMED:
        aggs |= {m: f[m].sum(), f"p_{m}": f[f"p_{m}"].sum(), f"n_{m}": n(paired[m]),
                 f"c_{m}": ibis.ifelse(paired[m], f[m], None).sum(),
                 f"cp_{m}": ibis.ifelse(paired[m], f[f"p_{m}"], None).sum()}
    for m in ("rd_expense", "revenue"):  # the comparable basis of R&D intensity: both figures, both years
        aggs |= {f"ri_{m}": ibis.ifelse(paired["rd_intensity"], f[m], None).sum(),
                 f"rip_{m}": ibis.ifelse(paired["rd_intensity"], f[f"p_{m}"], None).sum()}
    aggs["n_rd_intensity"] = n(paired["rd_intensity"])
    f = f.mutate(tier=ibis.ifelse(has_cur, tier_expr(f.certifications), None),
                 ecosystem=ecosystem_expr(f.code))
    return warehouse.to_pylist(f.group_by("district", "tier", "ecosystem").aggregate(**aggs))


def _total(rows: list[dict], column: str) -> float | None:
    """Sum of a column over cube rows; None when no row has a value (nothing reported)."""
    values = [r[column] for r in rows if r[column] is not None]
    return sum(values) if values else None


def _growth(value: float | None, previous: float | None) -> float | None:
    if value is None or not previous:
        return None
    return (value / previous - 1) * 100


def _intensity(rd: float | None, revenue: float | None) -> float | None:
    return rd / revenue * 100 if rd is not None and revenue else None


def _change(ind: str, value: float | None, previous: float | None) -> float | None:
    if ind != "rd_intensity":
        return _growth(value, previous)
    return value - previous if value is not None and previous is not None else None


def _indicators(rows: list[dict]) -> list[dict]:
    """Each key indicator in the year and the year before, on totals and on a comparable basis."""
    t = lambda c: _total(rows, c)  # noqa: E731
    out = []
    for ind in INDICATORS:
        if ind == "rd_intensity":
            value, previous = _intensity(t("rd_expense"), t("revenue")), _intensity(t("p_rd_expense"), t("p_revenue"))
            c_value = _intensity(t("ri_rd_expense"), t("ri_revenue"))
            c_previous = _intensity(t("rip_rd_expense"), t("rip_revenue"))
            c_n = t("n_rd_intensity")
        elif ind == "enterprises":  # counts: none reporting is 0, not unknown
            value, previous = t("enterprises") or 0, t("p_enterprises") or 0
            c_value = c_previous = c_n = t("c_enterprises") or 0
        elif ind == "high_tech_enterprises":
            value, previous = t("ht") or 0, t("p_ht") or 0
            c_value, c_previous, c_n = t("c_ht") or 0, t("cp_ht") or 0, t("n_ht")
        else:
            value, previous = t(ind), t(f"p_{ind}")
            c_value, c_previous, c_n = t(f"c_{ind}"), t(f"cp_{ind}"), t(f"n_{ind}")
        comparable = {"value": c_value, "previous": c_previous, "enterprises": c_n or 0,
                      "change": _change(ind, c_value, c_previous)}
        out.append({"id": ind, "value": value, "previous": previous, "change": _change(ind, value, previous),
                    "change_unit": "pp" if ind == "rd_intensity" else "pct", "comparable": comparable})
    return out


def _tiers(rows: list[dict]) -> dict[str, int]:
    """Enterprises per tier (highest rung only) and per badge, in the current year."""
    counts = {t: sum(r["enterprises"] for r in rows if r["tier"] == t) for t in (*TIERS, NO_TIER)}
    return counts | {b: sum(r[b] for r in rows) for b in BADGES}


def _ecosystems(rows: list[dict]) -> list[dict]:
    """Enterprises, revenue and R&D per ecosystem in the current year."""
    out = []
    for eco in ecosystem_ids():
        mine = [r for r in rows if r["ecosystem"] == eco]
        out.append({"id": eco, "enterprises": sum(r["enterprises"] for r in mine),
                    "revenue": _total(mine, "revenue"), "rd_expense": _total(mine, "rd_expense")})
    return out


def _by_district(rows: list[dict]) -> list[dict]:
    """Every district's figures in the current year, with revenue growth on totals; largest first."""
    out = []
    for district in sorted({r["district"] for r in rows}):
        mine = [r for r in rows if r["district"] == district]
        revenue, rd = _total(mine, "revenue"), _total(mine, "rd_expense")
        out.append({"district": district, "enterprises": sum(r["enterprises"] for r in mine),
                    "revenue": revenue, "rd_expense": rd, "tax_paid": _total(mine, "tax_paid"),
                    "employees": _total(mine, "employees"), "high_tech_enterprises": _total(mine, "ht") or 0,
                    "rd_intensity": _intensity(rd, revenue),
                    "revenue_growth": _growth(revenue, _total(mine, "p_revenue"))})
    return sorted(out, key=lambda d: (-(d["revenue"] or 0), d["district"]))


def park_overview(warehouse: Warehouse, *, district: str | None = None, year: int | None = None) -> dict:
    """The park (or one district of it) at a glance in a year, by default the latest."""
    years = available_years(warehouse)
    year = year if year is not None else (years[-1] if years else dt.date.today().year)
    cube = _cube(warehouse, year)
    scoped = [r for r in cube if r["district"] == district] if district else cube
    return {
        "year": year, "previous_year": year - 1, "district": district, "years": years,
        "indicators": _indicators(scoped), "tiers": _tiers(scoped),
        "ecosystems": _ecosystems(scoped), "by_district": _by_district(cube),
    }


def _latest_figures(warehouse: Warehouse, firms: ir.Table) -> ir.Table:
    """Enterprises with the figures and certifications of their latest reported year."""
    years = warehouse.table("enterprise_years")
    joined = firms.left_join(years, [firms.uscc == years.uscc, firms.as_of_year == years.year])
    return joined.select(
        firms.uscc, firms.name, firms.founded_on, firms.district, firms.park, firms.industry_code,
        firms.products, year=firms.as_of_year, revenue=years.revenue, rd_expense=years.rd_expense,
        employees=years.employees, certifications=years.certifications)


def _search(table: ir.Table, q: str) -> ir.BooleanValue:
    """Whether the name, uscc, products or business scope contain `q` (case-insensitive)."""
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
    firms = warehouse.table("enterprises")
    conditions = [firms[c] == v for c, v in (("district", district), ("park", park)) if v]
    if q and q.strip():
        conditions.append(_search(firms, q))
    if ecosystem:
        conditions.append(ecosystem_expr(firms.industry_code) == ecosystem)
    if industry:
        conditions.append(firms.industry_code.startswith(industry.strip().upper()).fill_null(False))
    firms = firms.filter(*conditions) if conditions else firms
    t = _latest_figures(warehouse, firms)
    t = t.mutate(tier=tier_expr(t.certifications), ecosystem=ecosystem_expr(t.industry_code))
    if tier:
        t = t.filter(t.tier == tier)
    # The left join keeps one row per enterprise, so without a tier filter the count needs no join.
    total = int(warehouse.scalar((t if tier else firms).count()))
    key = t[sort.lstrip("-")]
    ordered = t.order_by([key.desc() if sort.startswith("-") else key.asc(), t.uscc])
    rows = ordered.drop("certifications").limit(per_page, offset=(page - 1) * per_page)
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, -(-total // per_page)),
            "sort": sort, "items": warehouse.to_pylist(rows)}


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
