"""Enterprise early warnings from the yearly panel: falls, R&D cuts, 高企 re-certification risk, moving out.

One Ibis query puts each enterprise's last three years side by side and evaluates every rule
of data/warnings.yaml (``enterprise``) in the warehouse; only the flagged enterprises come
back, as an arrow table, from which counts and the worst cases are taken.

The 高企 check is the cockpit's own, against the conditions of 国科发火〔2016〕32号 第十一条
(``parkbrain.policies`` offers no evaluation function to take the gap from yet).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain import numbers
from parkbrain.cockpit.alerts import Rules
from parkbrain.cockpit.figures import value_text
from parkbrain.i18n import translate
from parkbrain.overview import TIERS, has_certification
from parkbrain.warehouse.base import Warehouse

HIGH_TECH = TIERS["high_tech_enterprise"]
FIELDS = ("revenue", "tax_paid", "employees", "rd_expense", "rd_expense_domestic", "high_tech_revenue", "rd_staff")
HIGH_TECH_BASIS = "own check against 国科发火〔2016〕32号 第十一条 (no parkbrain.policies evaluation yet)"


def _change(now: ir.NumericValue, before: ir.NumericValue) -> ir.NumericValue:
    """Percent change, null unless the earlier value is positive."""
    return ibis.ifelse(before > 0, (now.cast("float64") / before - 1) * 100, None)


def _level(change: ir.NumericValue, yellow: float, red: float) -> ir.StringValue:
    return ibis.cases((change <= red, "red"), (change <= yellow, "yellow"), else_=None)


def _share(part: ir.NumericValue, whole: ir.NumericValue) -> ir.NumericValue:
    return ibis.ifelse(whole > 0, part.cast("float64") / whole * 100, None)


def _three_years(warehouse: Warehouse, year: int) -> ir.Table:
    """Each enterprise reporting in `year`, with its figures of that year and the two before."""
    years = warehouse.table("enterprise_years")
    cur = years.filter(years.year == year).select("uscc", "certifications", *FIELDS)
    p1 = years.filter(years.year == year - 1).select("uscc", *FIELDS).rename(lambda c: f"p1_{c}")
    p2 = years.filter(years.year == year - 2).select("uscc", *FIELDS).rename(lambda c: f"p2_{c}")
    firms = warehouse.table("enterprises").select("uscc", "name", "district", "park")
    t = cur.join(firms, "uscc").left_join(p1, cur.uscc == p1.p1_uscc).left_join(p2, cur.uscc == p2.p2_uscc)
    return t.drop("p1_uscc", "p2_uscc")


def _sum3(t: ir.Table, field: str) -> ir.NumericValue:
    return t[field].fill_null(0) + t[f"p1_{field}"].fill_null(0) + t[f"p2_{field}"].fill_null(0)


def _high_tech(t: ir.Table, cfg: dict, year: int) -> dict[str, ir.Value]:
    """高企 holders due for re-certification, each condition's observed share and the level."""
    granted = t.certifications.re_extract(HIGH_TECH + r"@(\d{4})", 1).nullif("").cast("int64")
    due = has_certification(t.certifications, HIGH_TECH) & (granted + cfg["valid_years"] <= year + cfg["horizon_years"])
    rd_ratio = _share(_sum3(t, "rd_expense"), _sum3(t, "revenue"))
    bands = cfg["rd_ratio"]
    needed = ibis.cases(*((t.revenue <= b["max_revenue"], float(b["min_pct"])) for b in bands if b["max_revenue"]),
                        else_=float(bands[-1]["min_pct"]))
    domestic = _share(_sum3(t, "rd_expense_domestic"), _sum3(t, "rd_expense"))
    products = _share(t.high_tech_revenue, t.revenue)
    staff = _share(t.rd_staff, t.employees)
    rd_gap = rd_ratio < needed
    other = ((domestic < cfg["domestic_rd_min_pct"]) | (products < cfg["high_tech_revenue_min_pct"])
             | (staff < cfg["rd_staff_min_pct"])).fill_null(False)
    level = ibis.cases((due & rd_gap.fill_null(False), "red"), (due & other, "yellow"), else_=None)
    return {"ht_level": level, "ht_granted": granted, "ht_rd_ratio": rd_ratio, "ht_rd_needed": needed,
            "ht_domestic": domestic, "ht_products": products, "ht_staff": staff}


def _move_out(t: ir.Table, cfg: dict, changes: dict[str, ir.NumericValue]) -> dict[str, ir.Value]:
    """The move-out score (sum of the weights of the signals present) and its level."""
    parts, cols = [], {}
    for s in cfg["signals"]:
        if s["id"] == "two_year_decline":
            hit = (changes["revenue"] < s["below"]) & (_change(t.p1_revenue, t.p2_revenue) < s["below"])
        else:
            hit = changes[s["field"]] <= s["below"]
        hit = hit.fill_null(False)
        cols[f"mo_{s['id']}"] = hit
        parts.append(ibis.ifelse(hit, float(s["weight"]), 0.0))
    score = sum(parts[1:], parts[0])
    return cols | {"mo_score": score, "mo_level": ibis.cases((score >= cfg["red"], "red"),
                                                             (score >= cfg["yellow"], "yellow"), else_=None)}


def flagged_query(warehouse: Warehouse, rules: Rules, year: int) -> ir.Table:
    """Every enterprise of `year` that at least one enterprise rule flags, with its evidence columns."""
    cfg = rules.enterprise
    t = _three_years(warehouse, year)
    changes = {f: _change(t[f], t[f"p1_{f}"]) for f in ("revenue", "tax_paid", "employees", "rd_expense")}
    big = (t.p1_revenue >= cfg["min_previous_revenue"]).fill_null(False)
    cols: dict[str, ir.Value] = {f"chg_{f}": c for f, c in changes.items()}
    for fall in cfg["falls"]:
        level = _level(changes[fall["field"]], fall["yellow"], fall["red"])
        cols[f"lv_{fall['id']}"] = ibis.ifelse(big, level, None)
    cols |= _high_tech(t, cfg["high_tech"], year) | _move_out(t, cfg["move_out"], changes)
    cols["mo_level"] = ibis.ifelse(big, cols["mo_level"], None)  # small firms' swings are noise here too
    t = t.mutate(**cols)
    levels = [t[f"lv_{f['id']}"] for f in cfg["falls"]] + [t.ht_level, t.mo_level]
    any_flag = levels[0].notnull()
    for lv in levels[1:]:
        any_flag = any_flag | lv.notnull()
    return t.filter(any_flag)


def rule_ids(rules: Rules) -> list[str]:
    """The enterprise rules in display order."""
    return [f["id"] for f in rules.enterprise["falls"]] + ["high_tech_at_risk", "move_out_risk"]


def level_column(rule: str) -> str:
    """The flagged table's level column of a rule."""
    return {"high_tech_at_risk": "ht_level", "move_out_risk": "mo_level"}.get(rule, f"lv_{rule}")


def severity(rule: str, table: pa.Table) -> pa.ChunkedArray:
    """What orders a rule's cases, worst first: the fall, the R&D shortfall, the score."""
    if rule == "high_tech_at_risk":
        return pc.subtract(table["ht_rd_ratio"], table["ht_rd_needed"])
    if rule == "move_out_risk":
        return pc.negate(table["mo_score"])
    field = {"revenue_fall": "revenue", "tax_fall": "tax_paid", "staff_fall": "employees", "rd_cut": "rd_expense"}
    return table[f"chg_{field.get(rule, rule)}"]


def flagged(warehouse: Warehouse, rules: Rules, year: int) -> pa.Table:
    """The flagged enterprises of a year as an arrow table (cache it per warehouse state)."""
    return warehouse.to_arrow(flagged_query(warehouse, rules, year))


def _evidence(rule: str, row: dict, rules: Rules) -> dict:
    """The figures that make a case: the field before and after, the 高企 conditions, the score's signals."""
    if rule == "high_tech_at_risk":
        cfg = rules.enterprise["high_tech"]
        checks = [("rd_ratio", row["ht_rd_ratio"], row["ht_rd_needed"]),
                  ("domestic_rd", row["ht_domestic"], cfg["domestic_rd_min_pct"]),
                  ("high_tech_revenue", row["ht_products"], cfg["high_tech_revenue_min_pct"]),
                  ("rd_staff", row["ht_staff"], cfg["rd_staff_min_pct"])]
        gaps = [{"condition": c, "observed": v, "threshold": th} for c, v, th in checks if v is not None and v < th]
        return {"granted_year": row["ht_granted"], "due_year": (row["ht_granted"] or 0) + cfg["valid_years"],
                "gaps": gaps, "basis": HIGH_TECH_BASIS}
    if rule == "move_out_risk":
        signals = [s["id"] for s in rules.enterprise["move_out"]["signals"] if row[f"mo_{s['id']}"]]
        return {"score": row["mo_score"], "signals": signals,
                "changes": {f: row[f"chg_{f}"] for f in ("revenue", "tax_paid", "employees", "rd_expense")}}
    field = next(f["field"] for f in rules.enterprise["falls"] if f["id"] == rule)
    return {"field": field, "previous": row[f"p1_{field}"], "current": row[field], "change": row[f"chg_{field}"]}


def cases(table: pa.Table, rules: Rules, rule: str, *, district: str | None = None, limit: int = 10,
          offset: int = 0) -> tuple[int, list[dict]]:
    """(count, the worst cases from `offset`) of one rule, each with its evidence and a link to the enterprise."""
    if rule not in rule_ids(rules):
        raise ValueError(f"no enterprise warning {rule!r}; the rules are {', '.join(rule_ids(rules))}")
    mask = pc.is_valid(table[level_column(rule)])
    if district:
        mask = pc.and_(mask, pc.equal(table["district"], district))
    mine = table.filter(mask)
    if not mine.num_rows:
        return 0, []
    mine = mine.append_column("_severity", severity(rule, mine))
    mine = mine.sort_by([("_severity", "ascending"), ("uscc", "ascending")]).slice(offset, limit)
    out = []
    for row in mine.to_pylist():
        out.append({"uscc": row["uscc"], "name": row["name"], "district": row["district"], "park": row["park"],
                    "level": row[level_column(rule)], "href": f"/enterprises/{row['uscc']}",
                    "evidence": _evidence(rule, row, rules)})
    return int(pc.sum(mask.cast(pa.int64())).as_py() or 0), out


def summary(table: pa.Table, rules: Rules, *, district: str | None = None, limit: int = 5) -> list[dict]:
    """Per rule: how many enterprises are red and yellow, and the worst few."""
    out = []
    for rule in rule_ids(rules):
        column = table[level_column(rule)]
        if district:
            column = pc.if_else(pc.equal(table["district"], district), column, pa.scalar(None, pa.string()))
        counts = {level: int(pc.sum(pc.equal(column, level).cast(pa.int64())).as_py() or 0) for level in ("red", "yellow")}
        total, worst = cases(table, rules, rule, district=district, limit=limit)
        out.append({"id": rule, "total": total, **counts, "items": worst})
    return out


_FIELD_UNITS = {"revenue": "万元", "tax_paid": "万元", "rd_expense": "万元", "employees": "人"}


def evidence_text(rule: str, evidence: dict, lang: str = "zh") -> str:
    """A warning case's evidence in words."""
    def m(key: str, **params: object) -> str:
        return translate(f"cockpit.{key}", lang, **params)
    if rule == "high_tech_at_risk":
        gaps = ("；" if lang == "zh" else "; ").join(m("evidence_gap", condition=m(f"condition.{g['condition']}"),
                          observed=numbers.percent(g["observed"]), threshold=numbers.percent(g["threshold"], 0))
                         for g in evidence["gaps"]) or m("none")
        return m("evidence_high_tech", granted=evidence["granted_year"], due=evidence["due_year"], gaps=gaps)
    if rule == "move_out_risk":
        signals = ("、" if lang == "zh" else ", ").join(m(f"signal.{s}") for s in evidence["signals"])
        return m("evidence_move_out", score=numbers.fixed(evidence["score"], 2, trim=False), signals=signals)
    unit = _FIELD_UNITS.get(evidence["field"], "万元")
    return m("evidence_fall", field=translate(f"cockpit.field.{evidence['field']}", lang),
             previous=value_text(evidence["previous"], unit, lang), current=value_text(evidence["current"], unit, lang),
             change=numbers.growth(evidence["change"], lang))


def with_texts(items: list[dict], rule: str, lang: str) -> list[dict]:
    """Cases with their evidence in words."""
    return [item | {"evidence_text": evidence_text(rule, item["evidence"], lang)} for item in items]
