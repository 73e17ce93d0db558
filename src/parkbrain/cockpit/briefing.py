"""The briefing (成绩单): a district's period written up in Chinese, in the genre of the seeds.

"2023年上半年，全区实现地区生产总值1135.3亿元，同比增长10.7%，位列对比区县第一；…" Every
figure is written from the cockpit's values through parkbrain.numbers, and each clause that
states one is also returned as a fact in the shape of shared/spec/facts.md, so that the
bulletin reader can be checked against what the report was written from.
"""

from __future__ import annotations

from parkbrain import numbers
from parkbrain.cockpit.board import rating_year, target_rows, trend
from parkbrain.cockpit.figures import plain_count
from parkbrain.cockpit.panel import panel_subjects
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.ratings import rate, rating_table
from parkbrain.cockpit.state import CockpitState

SCOPE = "对比区县"  # the peers the ranks are among (the warehouse's districts), as the report names them
CN_RANK = "一二三四五六七八九十"
# Catalogue unit -> facts.md unit and factor to the base unit.
FACT_UNITS = {"万元": ("CNY", 1e4), "人": ("person", 1.0), "家": ("enterprise", 1.0), "件": ("item", 1.0),
              "%": ("percent", 1.0)}
SECTIONS = (
    ("economy", ("gdp", "industrial_value_added", "digital_core_value_added")),
    ("investment", ("fixed_asset_investment", "industrial_investment", "new_market_entities")),
    ("innovation", ("technology_transactions", "patents_granted", "new_talent", "talent_total",
                    "incubated_enterprises")),
    ("enterprises", ("revenue", "tax_paid", "high_tech_enterprises", "enterprise_rd_intensity")),
)
BEFORE = {"gdp": "实现"}  # 实现地区生产总值…
AFTER = {"talent_total": "达", "incubated_enterprises": "达"}  # 人才资源总量达…


def _written(value: float, unit: str) -> tuple[str, float]:
    """The value as the report writes it, and that written value back in the catalogue's unit."""
    if unit == "万元":
        text = numbers.money_zh(value)
        number = float(text[:-2])
        return text, number * (1e4 if text.endswith("亿元") else 1.0)
    if unit == "人" and abs(value) >= 1e4:
        text = numbers.people_zh(value)
        return text, float(text[:-2]) * 1e4
    if unit == "%":
        return f"{numbers.fixed(value, 1, trim=False)}%", float(numbers.fixed(value, 1))
    return plain_count(value, unit), float(numbers.fixed(value, 0))


def _rank(state: CockpitState, indicator: str, subject: str, period: Period) -> int | None:
    """The subject's position among the districts with a value (1 = largest), None when alone."""
    districts = set(panel_subjects(state.panel, "district")) | set(state.reported.subjects(indicator))
    values = {d: state.evaluator.value(indicator, d, period) for d in districts}
    values = {d: v for d, v in values.items() if v is not None}
    if subject not in values or len(values) < 2:
        return None
    return 1 + sum(1 for v in values.values() if v > values[subject])


def _clause(state: CockpitState, indicator: str, subject: str, period: Period, *, lead: str = "",
            ranked: bool = False) -> tuple[str, dict] | None:
    """One clause (规上工业增加值384.8亿元，同比增长4.6%) and the fact it states; None without a value."""
    ind = state.catalogue[indicator]
    change = state.evaluator.change(indicator, subject, period)
    if change.value is None:
        return None
    text, written = _written(change.value, ind.unit)
    clause = f"{lead}{BEFORE.get(indicator, '')}{ind.zh}{AFTER.get(indicator, '')}{text}"
    growth = None
    if change.change is not None:
        growth = float(numbers.fixed(change.change, 1))
        clause += "，" + (numbers.points_zh(change.change) if change.unit == "pp" else numbers.growth_zh(change.change))
    rank = _rank(state, indicator, subject, period) if ranked else None
    if rank is not None and rank <= len(CN_RANK):
        clause += f"，位列{SCOPE}第{CN_RANK[rank - 1]}"
    unit, factor = FACT_UNITS.get(ind.unit, ("item", 1.0))
    fact = {"text": clause, "subject": subject, "metric": ind.zh, "metric_id": ind.source.facts if ind.source else None,
            "period": str(period), "kind": "actual", "measure": "level", "value": written * factor, "unit": unit,
            "value_text": text, "qualifier": "eq", "growth_pct": growth if change.unit == "pct" else None,
            "rank": {"scope": SCOPE, "position": rank} if rank else None}
    return clause, fact


def _share_clause(state: CockpitState, subject: str, period: Period) -> tuple[str, dict] | None:
    value = state.evaluator.value("digital_core_share", subject, period)
    if value is None:
        return None
    text = f"{numbers.fixed(value, 1, trim=False)}%"
    clause = f"占地区生产总值比重{text}"
    return clause, {"text": clause, "subject": subject, "metric": "数字经济核心产业增加值占地区生产总值比重",
                    "metric_id": "digital_core_share", "period": str(period), "kind": "actual", "measure": "level",
                    "value": float(numbers.fixed(value, 1)), "unit": "percent", "value_text": text, "qualifier": "eq",
                    "growth_pct": None, "rank": None}


def _paragraph(state: CockpitState, ids: tuple[str, ...], subject: str, period: Period, opening: str) -> tuple[str, list[dict]]:
    clauses, facts = [], []
    for indicator in ids:
        made = _clause(state, indicator, subject, period, lead=opening if not clauses else "",
                       ranked=indicator in ("gdp", "industrial_value_added", "digital_core_value_added",
                                            "technology_transactions"))
        if made is None:
            continue
        clauses.append(made[0])
        facts.append(made[1])
        if indicator == "digital_core_value_added" and (share := _share_clause(state, subject, period)):
            clauses[-1] += "，" + share[0]
            facts.append(share[1])
    return ("；".join(clauses) + "。") if clauses else "", facts


def _targets_paragraph(state: CockpitState, subject: str, period: Period) -> str:
    rows = target_rows(state, subject, period.year, "zh")
    if not rows:
        return ""
    sentences = [r["cause"] for r in rows]
    return "对照年度目标：" + "；".join(sentences) + "。"


def _rating_paragraph(state: CockpitState, subject: str, period: Period) -> str:
    spec = next((s for s in state.ratings.values() if s.level == "district"), None)
    if spec is None:
        return ""
    year = rating_year(period)
    districts = panel_subjects(state.panel, "district")
    if subject not in districts or len(districts) < 2:
        return ""
    row = next(r for r in rate(rating_table(state.evaluator, spec, districts, Period(year, 1, 12)), spec)
               if r["subject"] == subject)
    stars = "一二三四五"[row["stars"] - 1]
    return (f"在{year}年度{spec.zh}中，全区综合指数{numbers.fixed(row['index'], 1)}，"
            f"位列{SCOPE}第{CN_RANK[row['rank'] - 1]}，获评“{stars}星”。")


def build_briefing(state: CockpitState, *, subject: str, period: Period) -> dict:
    """The briefing of a subject's period as it could be written when the period closed (later figures unseen):
    title, paragraphs, the facts they state, and trends and targets for its charts."""
    state = state.as_of(Period(period.year, period.last, period.last))
    label = period.label("zh")
    paragraphs, facts = [], []
    short = period.label("zh", with_year=False)  # each paragraph restates the period, as the genre does
    openings = {"economy": f"{label}，全区", "investment": f"{short}，全区", "innovation": f"{short}，全区",
                "enterprises": f"{short}，全区企业"}
    for section, ids in SECTIONS:
        if section == "enterprises" and period.kind != "year":
            continue  # the enterprise panel is yearly
        text, found = _paragraph(state, ids, subject, period, openings[section])
        if text:
            paragraphs.append({"section": section, "text": text})
            facts += found
    for section, text in (("targets", _targets_paragraph(state, subject, period)),
                          ("rating", _rating_paragraph(state, subject, period))):
        if text:
            paragraphs.append({"section": section, "text": text})
    doc = f"{subject}{label}成绩单"
    return {"title": f"{subject}{label}经济运行成绩单", "subject": subject, "period": str(period),
            "period_label": label, "through": f"{period.year}年{period.last}月", "paragraphs": paragraphs,
            "facts": [f | {"doc": doc} for f in facts],
            "trends": [t for t in (_trend_for(state, i, subject, period) for i in ("industrial_value_added",
                                                                                  "digital_core_value_added")) if t],
            "targets": target_rows(state, subject, period.year, "zh")}


def _trend_for(state: CockpitState, indicator: str, subject: str, period: Period) -> dict | None:
    return trend(state, indicator, subject, period.year, "zh")
