"""Drilling down: the enterprises or reported figures behind a value, and every case of a warning rule."""

from __future__ import annotations

from typing import Any

import ibis

from parkbrain.cockpit import enterprise_alerts as ea
from parkbrain.cockpit.board import tile
from parkbrain.cockpit.catalogue import OPERATORS
from parkbrain.cockpit.figures import value_text
from parkbrain.cockpit.panel import ALL, panel_subjects
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.state import CockpitState
from parkbrain.i18n import translate
from parkbrain.overview import has_certification, tier_expr

FIELD_UNITS = {"revenue": "万元", "tax_paid": "万元", "rd_expense": "万元", "employees": "人"}


def _refs(node: Any) -> list[str]:
    """The indicators a formula refers to."""
    if isinstance(node, str) or node is None:
        return []
    op = next(k for k in node if k in OPERATORS)
    if op == "indicator":
        return [node["indicator"]]
    if op == "ratio":
        return [r for part in node["ratio"] for r in _refs(part)]
    return []


def _leaf(node: Any) -> Any:
    """The first panel leaf of a formula (what its contributors are ranked by)."""
    if isinstance(node, str):
        return node
    op = next(k for k in node if k in OPERATORS)
    if op == "ratio":
        return next((leaf for leaf in (_leaf(p) for p in node["ratio"]) if leaf is not None), None)
    if op == "sum":
        return _leaf(node["sum"])
    return None if op == "indicator" else node


def contributors(state: CockpitState, indicator: str, subject: str, year: int, limit: int = 50) -> list[dict]:
    """The enterprises behind a panel figure of a year, largest first (by the summed column, else revenue)."""
    leaf = _leaf(state.catalogue[indicator].formula)
    if leaf is None:
        return []
    years = state.warehouse.table("enterprise_years")
    firms = state.warehouse.table("enterprises").select("uscc", "name", "district", "park")
    t = years.filter(years.year == year).join(firms, "uscc")
    if subject != ALL:
        column = "district" if subject in panel_subjects(state.panel, "district") else "park"
        t = t.filter(t[column] == subject)
    column = leaf if isinstance(leaf, str) else "revenue"
    if isinstance(leaf, dict) and "count_certified" in leaf:
        t = t.filter(has_certification(t.certifications, leaf["count_certified"]))
    elif isinstance(leaf, dict) and "count_tier" in leaf:
        t = t.filter(tier_expr(t.certifications) == leaf["count_tier"])
    rows = t.order_by([ibis.desc(t[column]), t.uscc]).select("uscc", "name", "park", value=t[column]).limit(limit)
    unit = FIELD_UNITS.get(column, "万元" if column not in ("invention_patents_held",) else "件")
    return [r | {"value_text": value_text(r["value"], unit), "href": f"/enterprises/{r['uscc']}"}
            for r in state.warehouse.to_pylist(rows)]


def sources(state: CockpitState, indicator: str, subject: str, period: Period, lang: str) -> list[dict]:
    """The reported figures of the period's year behind a value (import rows and bulletin facts)."""
    unit = state.catalogue[indicator].unit
    rows = [(p, r) for p, r in state.reported.get(indicator, subject).items()
            if p.year == period.year and p.first >= period.first and p.last <= period.last]
    return [{"period": str(p), "value": r.value, "value_text": value_text(r.value, unit, lang), "source": r.source,
             "text": r.text} for p, r in sorted(rows, key=lambda pr: (pr[0].first, pr[0].last))]


def case_page(state: CockpitState, rule: str, *, subject: str | None, year: int, page: int, per_page: int,
              lang: str) -> dict:
    """One page of all the enterprises a rule flags in a year (in a district, or everywhere)."""
    district = subject if subject in panel_subjects(state.panel, "district") else None
    total, items = ea.cases(state.flagged(year), state.rules, rule, district=district, limit=per_page,
                            offset=(page - 1) * per_page)
    return {"rule": rule, "label": translate(f"cockpit.rule.{rule}", lang), "subject": subject, "year": year,
            "total": total, "page": page, "per_page": per_page, "items": ea.with_texts(items, rule, lang)}


def indicator_detail(state: CockpitState, indicator: str, subject: str, period: Period, lang: str) -> dict:
    """A figure drilled down: value, formula, contributing enterprises, reported figures, the parts it is made of."""
    ind = state.catalogue[indicator]
    value = state.evaluator.value(indicator, subject, period)
    panel = ind.is_panel and period.kind == "year"
    return {"indicator": indicator, "label": ind.name(lang), "unit": ind.unit, "subject": subject,
            "period": str(period), "period_label": period.label(lang), "value": value,
            "value_text": value_text(value, ind.unit, lang), "formula": ind.formula,
            "contributors": contributors(state, indicator, subject, period.year) if panel else [],
            "sources": sources(state, indicator, subject, period, lang),
            "parts": [tile(state, ref, subject, period, lang) for ref in _refs(ind.formula)]}
