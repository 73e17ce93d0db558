"""What the pages need from results: counts and totals per policy, one enterprise's policies
explained, the gap in words, and what-if comparisons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.policies.checked import CheckedCondition
from parkbrain.policies.loader import Catalogue
from parkbrain.policies.panel import Delta
from parkbrain.warehouse.base import Warehouse

SUMMARY_SCHEMA = pa.schema([
    ("policy", pa.string()), ("subjects", pa.int64()), ("eligible", pa.int64()), ("ineligible", pa.int64()),
    ("unknown", pa.int64()), ("total_amount", pa.float64()),
])


def _partial(table: pa.Table) -> pa.Table:
    t = table.select(["policy", "status", "amount"])
    t = pa.table({"policy": t["policy"].cast(pa.string()), "status": t["status"].cast(pa.string()),
                  "amount": t["amount"]})
    flags = {s: pc.cast(pc.equal(t["status"], s), pa.int64()) for s in ("eligible", "ineligible", "unknown")}
    paid = pc.if_else(pc.equal(t["status"], "eligible"), pc.fill_null(t["amount"], 0.0), 0.0)
    t = pa.table({"policy": t["policy"], **flags, "paid": paid})
    return t.group_by("policy", use_threads=False).aggregate(
        [("eligible", "count"), ("eligible", "sum"), ("ineligible", "sum"), ("unknown", "sum"), ("paid", "sum")])


def policy_summary(results: pa.Table | Iterable[pa.Table]) -> pa.Table:
    """Per policy: subjects evaluated, eligible / ineligible / unknown counts, total amount to the eligible.

    Takes the result table, or the per-policy tables of `iter_policy_results` one at a time.
    """
    parts = [_partial(t) for t in ([results] if isinstance(results, pa.Table) else results) if t.num_rows]
    if not parts:
        return SUMMARY_SCHEMA.empty_table()
    merged = pa.concat_tables(parts).group_by("policy", use_threads=False).aggregate(
        [("eligible_count", "sum"), ("eligible_sum", "sum"), ("ineligible_sum", "sum"), ("unknown_sum", "sum"),
         ("paid_sum", "sum")])
    return pa.table([merged["policy"], merged["eligible_count_sum"], merged["eligible_sum_sum"],
                     merged["ineligible_sum_sum"], merged["unknown_sum_sum"], merged["paid_sum_sum"]],
                    schema=SUMMARY_SCHEMA)


def _number(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.4g}%"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def gap_text(condition: Mapping, checked: CheckedCondition, lang: str = "zh") -> str | None:
    """The gap in words, e.g. '研发费用 +82.0万元，达到 4%' / 'rd_expense +82.0万元 to reach 4%'."""
    plan, gap = checked.gap, condition.get("gap")
    if plan is None or gap is None:
        return None
    amount = f"{gap:+,.0f}" if plan.integer else f"{gap:+,.1f}"
    unit = plan.unit or ""
    target = condition.get("threshold")
    reach = "" if target is None else _number(target, checked.percent)
    if lang == "en":
        return f"{plan.target} {amount}{unit}" + (f" to reach {reach}" if reach else "")
    return f"{plan.label} {amount}{unit}" + (f"，达到 {reach}" if reach else "")


def explain_row(row: Mapping, catalogue: Catalogue | None, lang: str = "zh") -> dict:
    """One result row with the policy's name, mode and benefit, and each condition's text and gap."""
    out = dict(row)
    cv = catalogue.checked.get((row["policy"], row["version"])) if catalogue else None
    if cv is None:
        return out
    policy = cv.policy
    out.update(name=policy.name, mode=policy.mode, example=policy.example, benefit=cv.version.benefit.kind,
               source=cv.version.source.document)
    texts = {c.id: c for c in cv.conditions}
    out["conditions"] = [{**c, "text": texts[c["id"]].text, "gap_text": gap_text(c, texts[c["id"]], lang),
                          "percent": texts[c["id"]].percent} for c in row["conditions"]]
    return out


def automatic_grants(results: pa.Table, catalogue: Catalogue) -> pa.Table:
    """The 免申即享 list: eligible subjects of the policies granted without application, with amounts."""
    automatic = [p.id for p in catalogue if p.mode == "automatic"]
    policy, status = results["policy"].cast(pa.string()), results["status"].cast(pa.string())
    chosen = pc.and_(pc.is_in(policy, pa.array(automatic, pa.string())), pc.equal(status, "eligible"))
    rows = results.filter(chosen)
    return pa.table({"policy": rows["policy"].cast(pa.string()), "version": rows["version"].cast(pa.string()),
                     "subject_id": rows["subject_id"], "amount": rows["amount"]})


_ORDER = {"eligible": 0, "unknown": 1, "ineligible": 2}


def enterprise_policies(results: pa.Table, subject_id: str, catalogue: Catalogue | None = None,
                        lang: str = "zh") -> list[dict]:
    """One subject's results, explained: eligible first (largest amount first), then unknown, then the rest."""
    rows = results.filter(pc.equal(results["subject_id"], subject_id)).to_pylist()
    rows.sort(key=lambda r: (_ORDER[r["status"]], -(r["amount"] or 0.0), r["policy"]))
    return [explain_row(r, catalogue, lang) for r in rows]


@dataclass(frozen=True)
class WhatIf:
    """One subject's results before and after a change, and the policies whose answer changed."""

    before: list[dict]
    after: list[dict]

    def changed(self) -> list[tuple[dict, dict]]:
        """(before, after) of each policy whose status or amount changed."""
        old = {r["policy"]: r for r in self.before}
        return [(old[r["policy"]], r) for r in self.after
                if r["policy"] in old and (old[r["policy"]]["status"], old[r["policy"]]["amount"])
                != (r["status"], r["amount"])]


def what_if(warehouse: Warehouse, catalogue: Catalogue, subject_id: str, *,
            add: Mapping[str, float] | None = None, values: Mapping[str, object] | None = None,
            year: int | None = None, as_of: dt.date | None = None, lang: str = "zh") -> WhatIf:
    """Evaluate one subject as it is and with changed inputs (`add={"rd_expense": 100}` is R&D
    +100万元; `values` sets fields or declared inputs); nothing is written."""
    from parkbrain.policies.evaluate import evaluate_policies

    overrides: dict[str, object] = {**(values or {}), **{k: Delta(v) for k, v in (add or {}).items()}}
    kwargs = dict(year=year, as_of=as_of, subject_ids=[subject_id])
    before = evaluate_policies(warehouse, catalogue, **kwargs)
    after = evaluate_policies(warehouse, catalogue, overrides=overrides, **kwargs)
    return WhatIf(enterprise_policies(before, subject_id, catalogue, lang),
                  enterprise_policies(after, subject_id, catalogue, lang))
