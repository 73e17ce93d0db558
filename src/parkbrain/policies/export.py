"""A policy's eligible and unknown subjects as rows, for the officers' pages and the Excel export.

The workbook has a summary sheet (汇总: one row per policy in force) and one sheet per policy
chosen (all by default) listing its eligible and unknown subjects, largest amount first, with
Chinese column names; amounts are numbers in 万元, an unknown amount an empty cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.policies.checked import CheckedVersion
from parkbrain.policies.results import Evaluated, automatic_grants
from parkbrain.policies.vocabulary import subject_fields

STATUS_ZH = {"eligible": "符合", "unknown": "待补充信息", "ineligible": "不符合"}
KIND_ZH = {"enterprise": "企业", "talent": "人才"}
MODE_ZH = {"application": "申报", "automatic": "免申即享"}
SORTS = {"-amount": [("amount", "descending"), ("subject_id", "ascending")],
         "amount": [("amount", "ascending"), ("subject_id", "ascending")],
         "subject_id": [("subject_id", "ascending")],
         "name": [("name", "ascending"), ("subject_id", "ascending")]}
LISTED = ("eligible", "unknown")


def subject_rows(ev: Evaluated, policy_id: str, *, statuses: Sequence[str] = LISTED,
                 sort: str = "-amount") -> pa.Table:
    """The subjects of one policy with these statuses, sorted: subject_id, kind, name, employer_uscc,
    status, amount, version and `row` (the result row, for `missing_of`)."""
    r = ev.results
    chosen = pc.and_(pc.equal(r["policy"].cast(pa.string()), policy_id),
                     pc.is_in(r["status"].cast(pa.string()), value_set=pa.array(list(statuses), pa.string())))
    rows = pc.indices_nonzero(chosen)
    picked = pa.table({"subject_id": r["subject_id"].take(rows), "status": r["status"].take(rows).cast(pa.string()),
                       "amount": r["amount"].take(rows), "version": r["version"].take(rows).cast(pa.string()),
                       "row": rows})
    named = picked.join(ev.subjects, "subject_id", join_type="left outer")
    order = pc.sort_indices(named, sort_keys=SORTS[sort])
    cols = ["subject_id", "kind", "name", "employer_uscc", "status", "amount", "version", "row"]
    return named.take(order).select(cols)


def missing_of(ev: Evaluated, rows: Sequence[int]) -> list[list[str]]:
    """For each result row, the inputs it lacks (of its conditions and its amount), each once, in order."""
    if not rows:
        return []
    picked = ev.results.select(["status", "conditions", "amount_missing"]).take(pa.array(rows, pa.int64()))
    # Only an unknown status or amount has missing inputs: read the explanations of those rows alone.
    lacking = pc.indices_nonzero(pc.or_(pc.equal(picked["status"].cast(pa.string()), "unknown"),
                                        pc.greater(pc.list_value_length(picked["amount_missing"]), 0))).to_pylist()
    out: list[list[str]] = [[] for _ in rows]
    taken = picked.select(["conditions", "amount_missing"]).take(pa.array(lacking, pa.int64())).to_pylist()
    for i, r in zip(lacking, taken, strict=True):
        names = [m for c in r["conditions"] for m in c["missing"]] + list(r["amount_missing"])
        out[i] = list(dict.fromkeys(names))
    return out


def grant_rows(ev: Evaluated, policy_id: str | None = None) -> pa.Table:
    """The 免申即享 list: every subject granted automatically (of one policy, or all), with its name and
    amount, by policy then largest amount."""
    grants = automatic_grants(ev.results, ev.catalogue)
    if policy_id is not None:
        grants = grants.filter(pc.equal(grants["policy"], policy_id))
    named = grants.join(ev.subjects, "subject_id", join_type="left outer")
    order = pc.sort_indices(named, sort_keys=[("policy", "ascending"), ("amount", "descending"),
                                              ("subject_id", "ascending")])
    return named.take(order).select(["policy", "version", "subject_id", "kind", "name", "employer_uscc", "amount"])


def summary_rows(ev: Evaluated) -> list[dict]:
    """One row per policy in force: its figures from the evaluation (zero for a policy nobody is evaluated for)."""
    counts = {r["policy"]: r for r in ev.summary.to_pylist()}
    out = []
    for pid, cv in ev.in_force.items():
        c = counts.get(pid, {})
        out.append({"policy": pid, "name": cv.policy.name, "subject": cv.policy.subject, "mode": cv.policy.mode,
                    "version": cv.version.key, "subjects": c.get("subjects", 0), "eligible": c.get("eligible", 0),
                    "unknown": c.get("unknown", 0), "ineligible": c.get("ineligible", 0),
                    "total_amount": c.get("total_amount", 0.0)})
    return out


def _summary_sheet(ev: Evaluated) -> pa.Table:
    rows = summary_rows(ev)
    return pa.table({
        "政策编号": [r["policy"] for r in rows], "政策名称": [r["name"] for r in rows],
        "对象": [KIND_ZH[r["subject"]] for r in rows], "兑现方式": [MODE_ZH[r["mode"]] for r in rows],
        "版本": [r["version"] for r in rows], "评估对象数": pa.array([r["subjects"] for r in rows], pa.int64()),
        "符合": pa.array([r["eligible"] for r in rows], pa.int64()),
        "待补充信息": pa.array([r["unknown"] for r in rows], pa.int64()),
        "不符合": pa.array([r["ineligible"] for r in rows], pa.int64()),
        "金额合计（万元）": pa.array([r["total_amount"] for r in rows], pa.float64()),
    })


def missing_label(name: str, cv: CheckedVersion) -> str:
    """A missing input as people call it: a declared input's text (to its first clause), or a figure's
    Chinese name with its year (`revenue[2023]` → 营业收入（2023年）)."""
    base, _, year = name.rstrip("]").partition("[")
    if base in cv.version.inputs:
        return re.split(r"[（(；;]", cv.version.inputs[base].text)[0]
    field = subject_fields(cv.policy.subject).get(base)
    label = field.label if field else base
    return f"{label}（{year}年）" if year else label


def policy_sheet(ev: Evaluated, policy_id: str) -> pa.Table:
    """One policy's eligible and unknown subjects with Chinese column names, largest amount first."""
    t = subject_rows(ev, policy_id)
    cv = ev.in_force[policy_id]
    missing = [[missing_label(m, cv) for m in names] for names in missing_of(ev, t["row"].to_pylist())]
    return pa.table({
        "类型": [KIND_ZH.get(k, k) for k in t["kind"].to_pylist()],
        "统一社会信用代码或人才编号": t["subject_id"], "名称": t["name"],
        "所属企业统一社会信用代码": t["employer_uscc"],
        "状态": [STATUS_ZH[s] for s in t["status"].to_pylist()],
        "金额（万元）": t["amount"].cast(pa.float64()),
        "缺少的信息": ["、".join(m) for m in missing],
        "政策版本": t["version"],
    })


def sheet_title(name: str, taken: set[str]) -> str:
    """A sheet title Excel accepts (no []:*?/\\, at most 31 characters), unique in the workbook.

    >>> sheet_title("专精特新/小巨人[示例]", set())
    '专精特新 小巨人 示例'
    """
    base = re.sub(r"[\[\]:*?/\\]+", " ", name).strip()[:31] or "sheet"
    title, n = base, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def export_workbook(ev: Evaluated, target: Path | BinaryIO, policy_ids: Sequence[str] | None = None) -> dict[str, int]:
    """Write the summary and one sheet per policy (those given, else all in force); rows per policy sheet."""
    from parkbrain.importing.export import write_sheets

    chosen = list(policy_ids) if policy_ids else list(ev.in_force)
    unknown = [p for p in chosen if p not in ev.in_force]
    if unknown:
        raise KeyError(f"no policy {unknown[0]!r} in force on {ev.period.as_of}")
    taken: set[str] = set()
    sheets = [(sheet_title("汇总", taken), _summary_sheet(ev))]
    counts = {}
    for pid in chosen:
        table = policy_sheet(ev, pid)
        sheets.append((sheet_title(ev.in_force[pid].policy.name, taken), table))
        counts[pid] = table.num_rows
    write_sheets(target, sheets)
    return counts
