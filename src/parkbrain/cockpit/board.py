"""The cockpit board: tiles, trends, target progress, warnings, ratings, tiers and chains for a subject and period.

`build_board(state, subject=…, period=…, lang=…)` returns plain data (the JSON twin's shape),
labelled and formatted in one language, every figure with the link that drills down to it.
Boards are kept in the state's memo, so a second request over the same warehouse state costs
only the fingerprint check.
"""

from __future__ import annotations

from urllib.parse import urlencode

from parkbrain import numbers
from parkbrain.cockpit import enterprise_alerts as ea
from parkbrain.cockpit.alerts import LEVELS, target_warning
from parkbrain.cockpit.extras import chain_strength
from parkbrain.cockpit.figures import change_text, value_text
from parkbrain.cockpit.panel import panel_subjects
from parkbrain.cockpit.periods import Period, parse_period
from parkbrain.cockpit.ratings import rate, rating_table, sensitivity
from parkbrain.cockpit.state import CockpitState
from parkbrain.i18n import translate


def indicator_href(indicator: str, subject: str, period: Period) -> str:
    """The drill-down page of one figure."""
    return f"/cockpit/indicators/{indicator}?" + urlencode({"subject": subject, "period": str(period)})


def default_subject(state: CockpitState) -> str | None:
    """The district with the most enterprises in the latest panel year, else the first reporting subject."""
    if state.years:
        year = state.years[-1]
        counts = {s: (state.panel.get(("district", s, year)) or {}).get("count:enterprises") or 0
                  for s in panel_subjects(state.panel, "district")}
        if counts:
            return max(sorted(counts), key=lambda s: counts[s])
    subjects = sorted({s for (_i, s) in state.reported.values if s})
    return subjects[0] if subjects else None


def default_period(state: CockpitState, subject: str) -> Period | None:
    """January to the latest reported month of the subject, else the latest panel year."""
    month = state.latest_month(subject)
    if month is not None:
        return month.to_date()
    return Period(state.years[-1], 1, 12) if state.years else None


def rating_year(period: Period) -> int:
    """The last whole year a rating can use: the period's year once it is a whole year, else the year before."""
    return period.year if period.kind == "year" else period.year - 1


def tile(state: CockpitState, indicator: str, subject: str, period: Period, lang: str) -> dict:
    """A big number: the indicator in its own latest period up to `period`, with its year-on-year change."""
    ind = state.catalogue[indicator]
    ev = state.evaluator
    own = ev.latest_period(indicator, subject, period)
    ch = ev.change(indicator, subject, own) if own else None
    return {"id": indicator, "label": ind.name(lang), "unit": ind.unit, "period": str(own) if own else None,
            "period_label": own.label(lang) if own else None, "value": ch.value if ch else None,
            "value_text": value_text(ch.value if ch else None, ind.unit, lang),
            "previous": ch.previous if ch else None, "change": ch.change if ch else None,
            "change_unit": ch.unit if ch else ("pp" if ind.unit == "%" else "pct"),
            "change_text": change_text(ch.change, ch.unit, lang) if ch else numbers.MISSING,
            "direction": numbers.direction(ch.change) if ch else "", "stated": bool(ch and ch.stated),
            "href": indicator_href(indicator, subject, own) if own else None}


def trend(state: CockpitState, indicator: str, subject: str, year: int, lang: str) -> dict | None:
    """An indicator's months of a year (reported, or forecast with the interval) beside last year's."""
    ind = state.catalogue[indicator]
    outlook = state.outlook(indicator, subject, Period(year, 1, 12))
    if outlook is None:
        return None
    last = {p.first: v for p, v in state.evaluator.monthly(indicator, subject, year - 1, year - 1)}
    steps = [{**s, "month": int(s["period"][5:7]), "last_year": last.get(int(s["period"][5:7]))} for s in outlook.path]
    return {"id": indicator, "label": ind.name(lang), "unit": ind.unit, "year": year, "steps": steps,
            "model": outlook.model, "level": outlook.level, "complete": outlook.complete,
            "expected": outlook.mean, "expected_text": value_text(outlook.mean, ind.unit, lang),
            "lo_text": value_text(outlook.lo, ind.unit, lang), "hi_text": value_text(outlook.hi, ind.unit, lang),
            "href": indicator_href(indicator, subject, Period(year, 1, 12))}


def target_rows(state: CockpitState, subject: str, year: int, lang: str) -> list[dict]:
    """Each target of the subject in the year with its outlook, level and cause."""
    out = []
    for target in state.targets:
        if target.subject != subject or target.period.year != year:
            continue
        outlook = state.outlook(target.indicator, subject, target.period)
        if outlook is None:
            continue
        previous = state.evaluator.value(target.indicator, subject, target.period.previous_year())
        warning = target_warning(target, outlook, previous, state.rules)
        ind = state.catalogue[target.indicator]
        growth = target.measure == "growth"
        progress = None if growth or not target.value or outlook.actual is None else outlook.actual / target.value * 100
        out.append({
            "indicator": target.indicator, "label": ind.name(lang), "period": str(target.period),
            "period_label": target.period.label(lang), "measure": target.measure, "qualifier": target.qualifier,
            "target": target.value, "target_text": change_text(target.value, "pct", lang) if growth
            else value_text(target.value, ind.unit, lang),
            "actual": outlook.actual, "actual_text": value_text(outlook.actual, ind.unit, lang),
            "through": str(outlook.through) if outlook.through else None, "complete": outlook.complete,
            "expected": outlook.mean, "lo": outlook.lo, "hi": outlook.hi, "model": outlook.model,
            "expected_text": _shown(outlook.mean, ind.unit, previous, growth, lang),
            "progress_pct": progress, "gap_pct": warning.measures.get("gap_pct"), "level": warning.level,
            "rule": warning.rule, "cause": warning.cause(state.catalogue, lang), "source": target.source,
            "origin": target.origin, "href": indicator_href(target.indicator, subject, target.period)})
    return sorted(out, key=lambda r: (LEVELS.index(r["level"]), r["indicator"]))


def _shown(value: float | None, unit: str, previous: float | None, growth: bool, lang: str) -> str:
    """An expected value as the target is stated: a level, or its growth on last year."""
    if not growth:
        return value_text(value, unit, lang)
    return change_text(None if value is None or not previous else (value / previous - 1) * 100, "pct", lang)


def enterprise_warnings(state: CockpitState, subject: str, year: int, lang: str, limit: int = 5) -> dict:
    """The enterprise rules' counts and worst cases in the subject (a district, or the whole register)."""
    if year not in state.years:
        return {"year": year, "rules": []}
    district = subject if subject in panel_subjects(state.panel, "district") else None
    rules = ea.summary(state.flagged(year), state.rules, district=district, limit=limit)
    for rule in rules:
        rule["items"] = ea.with_texts(rule["items"], rule["id"], lang)
        rule["label"] = translate(f"cockpit.rule.{rule['id']}", lang)
        rule["href"] = f"/cockpit/warnings/{rule['id']}?" + urlencode({"subject": subject, "year": year})
    return {"year": year, "rules": rules}


def ratings(state: CockpitState, subject: str, year: int, lang: str) -> list[dict]:
    """The ratings of data/ratings.yaml in a year: districts, and the parks of the subject's district."""
    out = []
    period = Period(year, 1, 12)
    for spec in state.ratings.values():
        subjects = panel_subjects(state.panel, spec.level)
        if spec.level == "park":
            subjects = [p for p in subjects if state.park_district(p) == subject] or subjects
        if len(subjects) < 2:
            continue
        table = rating_table(state.evaluator, spec, subjects, period)
        rows = rate(table, spec)
        for row in rows:
            row["stars_label"] = translate(f"cockpit.star_labels.{row['stars']}", lang)
            row["selected"] = row["subject"] == subject
        parts = [{"key": p.key, "id": p.id, "measure": p.measure, "weight": p.weight,
                  "label": state.catalogue[p.id].name(lang) + ("" if p.measure == "value" else
                                                               translate("cockpit.yoy", lang))}
                 for p in spec.indicators]
        out.append({"id": spec.id, "label": spec.zh if lang == "zh" else spec.en, "level": spec.level,
                    "year": year, "normalise": spec.normalise, "parts": parts, "rows": rows,
                    "sensitivity_pct": spec.sensitivity, "sensitivity": sensitivity(table, spec)})
    return out


def build_board(state: CockpitState, *, subject: str | None = None, period: str | Period | None = None,
                lang: str = "zh", chains: bool = True) -> dict:
    """The whole cockpit for a subject (default: the largest district) and period (default: the latest)."""
    subject = subject or default_subject(state)
    if subject is None:
        return {"subject": None, "period": None, "empty": True}
    chosen = parse_period(period) if period else default_period(state, subject)
    if chosen is None:
        return {"subject": subject, "period": None, "empty": True}
    return state.memo(("board", subject, chosen, lang, chains), lambda: _board(state, subject, chosen, lang, chains))


def _board(state: CockpitState, subject: str, period: Period, lang: str, chains: bool) -> dict:
    cockpit = state.catalogue.cockpit
    panel_year = max([y for y in state.years if y <= period.year], default=None)
    year = rating_year(period)
    trends = [trend(state, i, subject, period.year, lang) for i in cockpit.get("trends", [])]
    targets = target_rows(state, subject, period.year, lang)
    return {
        "subject": subject, "period": str(period), "period_label": period.label(lang), "empty": False,
        "through": str(state.latest_month(subject) or period), "panel_year": panel_year, "rating_year": year,
        "subjects": sorted(set(panel_subjects(state.panel, "district")) | {s for (_i, s) in state.reported.values if s}),
        "tiles": [tile(state, i, subject, period, lang) for i in cockpit.get("tiles", [])],
        "tiers": [tile(state, i, subject, Period(panel_year, 1, 12), lang) for i in cockpit.get("tiers", [])]
        if panel_year else [],
        "trends": [t for t in trends if t], "targets": targets,
        "target_warnings": [t for t in targets if t["level"] != "green"],
        "enterprise_warnings": enterprise_warnings(state, subject, panel_year, lang) if panel_year else None,
        "ratings": ratings(state, subject, year, lang),
        "chains": chain_strength(state.warehouse, subject, panel_year) if chains and panel_year else None,
    }
