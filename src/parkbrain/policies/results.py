"""What the pages need from results: counts and totals per policy, one enterprise's policies
explained, the gap in words, what-if comparisons and the checking of their changes, and the
park's evaluation kept per warehouse state."""

from __future__ import annotations

import datetime as dt
import math
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.policies.checked import CheckedCondition
from parkbrain.policies.loader import Catalogue, load_catalogue
from parkbrain.policies.panel import Delta
from parkbrain.warehouse.base import Warehouse
from parkbrain.warehouse.state import table_state

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
            year: int | None = None, as_of: dt.date | None = None, lang: str = "zh",
            select: Sequence[str] | None = None, before: pa.Table | None = None) -> WhatIf:
    """Evaluate one subject as it is and with changed inputs (`add={"rd_expense": 100}` is R&D
    +100万元; `values` sets fields or declared inputs); nothing is written.

    `select` limits the policies; `before` gives results already at hand for the subject as it is
    (e.g. the cached evaluation of the park), so that only the changed case is evaluated.
    """
    from parkbrain.policies.evaluate import evaluate_policies

    overrides: dict[str, object] = {**(values or {}), **{k: Delta(v) for k, v in (add or {}).items()}}
    kwargs = dict(year=year, as_of=as_of, subject_ids=[subject_id], select=select)
    if before is None:
        before = evaluate_policies(warehouse, catalogue, **kwargs)
    after = evaluate_policies(warehouse, catalogue, overrides=overrides, **kwargs)
    return WhatIf(enterprise_policies(before, subject_id, catalogue, lang),
                  enterprise_policies(after, subject_id, catalogue, lang))


# --- the park's evaluation, kept per warehouse state ----------------------------------------------
#
# Evaluating every policy for every subject takes seconds on a large park, so pages share one
# evaluation per *warehouse state*, recognised (as the cockpit does) by the row counts of the
# tables the policies read, the import log and the meta notes: an import or a demo build changes
# it and the next request evaluates anew. A write that keeps every count and bypasses the import
# service is not seen: call `forget(warehouse)` after one. The what-if evaluates one subject only.

WATCHED = ("enterprises", "enterprise_years", "talents", "imports", "meta")
SUBJECTS_SCHEMA = pa.schema([("subject_id", pa.string()), ("kind", pa.string()), ("name", pa.string()),
                             ("employer_uscc", pa.string())])
_EVALUATED: weakref.WeakKeyDictionary[Warehouse, Evaluated] = weakref.WeakKeyDictionary()
_BUILDING: weakref.WeakKeyDictionary[Warehouse, threading.Lock] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def subject_directory(warehouse: Warehouse) -> pa.Table:
    """Every subject's name: enterprises by code, talents by id with their employer's code."""
    firms = warehouse.to_arrow(warehouse.table("enterprises").select("uscc", "name"))
    people = warehouse.to_arrow(warehouse.table("talents").select("talent_id", "name", "employer_uscc"))
    parts = [pa.table([firms["uscc"], pa.repeat("enterprise", firms.num_rows), firms["name"],
                       pa.nulls(firms.num_rows, pa.string())], schema=SUBJECTS_SCHEMA),
             pa.table([people["talent_id"], pa.repeat("talent", people.num_rows), people["name"],
                       people["employer_uscc"]], schema=SUBJECTS_SCHEMA)]
    return pa.concat_tables(parts)


class Evaluated:
    """Every policy in force, evaluated once for every subject of one warehouse state."""

    def __init__(self, warehouse: Warehouse, catalogue: Catalogue, key: tuple = ()) -> None:
        from parkbrain.policies.evaluate import evaluate_policies, resolve_period

        self.key, self.catalogue = key, catalogue
        self.period = resolve_period(warehouse, None, None)
        self.in_force = catalogue.in_force(self.period.as_of)
        self.results = evaluate_policies(warehouse, catalogue, year=self.period.year, as_of=self.period.as_of)
        self.summary = policy_summary(self.results)
        self.subjects = subject_directory(warehouse)

    def rows_of(self, subject_id: str) -> pa.Table:
        """The result rows of one subject."""
        return self.results.filter(pc.equal(self.results["subject_id"], subject_id))

    def explained(self, subject_id: str, lang: str = "zh") -> list[dict]:
        """One subject's policies explained (as `enterprise_policies`)."""
        return enterprise_policies(self.rows_of(subject_id), subject_id, self.catalogue, lang)

    def explained_each(self, subject_ids: list[str], lang: str = "zh") -> dict[str, list[dict]]:
        """Several subjects' policies explained, found in one pass over the results (a page shows an
        enterprise and its talents)."""
        mine = self.results.filter(pc.is_in(self.results["subject_id"], pa.array(subject_ids, pa.string())))
        return {s: enterprise_policies(mine.filter(pc.equal(mine["subject_id"], s)), s, self.catalogue, lang)
                for s in subject_ids}

    def talents_of(self, uscc: str) -> list[dict]:
        """The talents an enterprise employs: talent id and name, by id."""
        mine = self.subjects.filter(pc.and_(pc.equal(self.subjects["kind"], "talent"),
                                            pc.equal(self.subjects["employer_uscc"], uscc)))
        return sorted(mine.select(["subject_id", "name"]).to_pylist(), key=lambda r: r["subject_id"])

    def name_of(self, subject_id: str) -> str | None:
        """A subject's name (None when the register does not hold it)."""
        hit = self.subjects.filter(pc.equal(self.subjects["subject_id"], subject_id))
        return hit["name"][0].as_py() if hit.num_rows else None


def evaluated(warehouse: Warehouse, catalogue: Catalogue, *, catalogue_key: object = None) -> Evaluated:
    """The park's evaluation for the warehouse's state: the kept one while the state holds, else a new
    one (requests arriving meanwhile wait for it rather than evaluate again)."""
    key = (table_state(warehouse, WATCHED), id(catalogue) if catalogue_key is None else catalogue_key)
    kept = _EVALUATED.get(warehouse)
    if kept is not None and kept.key == key:
        return kept
    with _LOCK:
        building = _BUILDING.setdefault(warehouse, threading.Lock())
    with building:
        kept = _EVALUATED.get(warehouse)
        if kept is not None and kept.key == key:
            return kept
        made = Evaluated(warehouse, catalogue, key)
        _EVALUATED[warehouse] = made
        return made


def forget(warehouse: Warehouse) -> None:
    """Drop the kept evaluation (after a write the state cannot see)."""
    _EVALUATED.pop(warehouse, None)


_CATALOGUES: dict[str, tuple[tuple, Catalogue]] = {}


def home_catalogue(home: Path) -> tuple[Catalogue, tuple]:
    """The shipped catalogue plus the files in `<home>/policies` (a file there with a shipped id replaces
    it), and the signature of those files: loaded again when one is added, changed or removed."""
    folder = Path(home) / "policies"
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    signature = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    kept = _CATALOGUES.get(str(folder))
    if kept is not None and kept[0] == signature:
        return kept[1], signature
    catalogue = load_catalogue([folder] if files else [])
    _CATALOGUES[str(folder)] = (signature, catalogue)
    return catalogue, signature


# --- what-if: which figures may change, and checking the changes ---------------------------------

# The yearly figures the what-if form offers (any numeric figure of the panel may be changed).
WHAT_IF_FIELDS = ("revenue", "rd_expense", "rd_expense_domestic", "high_tech_revenue", "total_assets",
                  "employees", "rd_staff", "ip_class1", "ip_class2")
MAX_AMOUNT = 1e8  # 万元 (一万亿元): larger figures are typing mistakes, not scenarios
MAX_COUNT = 1e7   # people or items
SIGNED = frozenset({"profit"})  # figures that may be below zero


class WhatIfInvalid(ValueError):
    """A what-if change that cannot be applied: the field, the problem (a catalogue key) and its values."""

    def __init__(self, field: str, problem: str, **params: object) -> None:
        super().__init__(f"{field}: {problem} {params}".rstrip(" {}"))
        self.field, self.problem, self.params = field, problem, params


@dataclass(frozen=True)
class ChangeableField:
    """A figure or declared input a what-if may set: name, kind, type, label, unit."""

    name: str
    kind: str  # field (a yearly figure) | input (a fact the warehouse does not hold)
    type: str  # number | bool
    label: str
    unit: str | None = None
    integer: bool = False


def changeable_fields(catalogue: Catalogue, day: dt.date) -> dict[str, ChangeableField]:
    """The numeric yearly figures of an enterprise, and the number or yes/no inputs the enterprise
    policies in force on `day` declare."""
    from parkbrain.policies.vocabulary import subject_fields

    out = {name: ChangeableField(name, "field", "number", f.label, f.unit, f.integer)
           for name, f in subject_fields("enterprise").items() if f.source == "panel" and f.type == "number"}
    for v in catalogue.in_force(day).values():
        if v.policy.subject != "enterprise":
            continue
        for name, spec in v.version.inputs.items():
            if spec.type in ("number", "bool") and name not in out:
                out[name] = ChangeableField(name, "input", spec.type, spec.text)
    return out


def _checked_number(field: ChangeableField, raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise WhatIfInvalid(field.name, "not_a_number")
    try:
        value = float(str(raw).replace(",", "").strip()) if isinstance(raw, str) else float(raw)
    except ValueError:
        raise WhatIfInvalid(field.name, "not_a_number") from None
    if not math.isfinite(value):
        raise WhatIfInvalid(field.name, "not_a_number")
    limit = MAX_AMOUNT if field.unit == "万元" or field.kind == "input" else MAX_COUNT
    if abs(value) > limit:
        raise WhatIfInvalid(field.name, "too_large", limit=f"{limit:,.0f}")
    return value


def _checked_flag(field: ChangeableField, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "yes", "1", "是"):
        return True
    if text in ("false", "no", "0", "否"):
        return False
    raise WhatIfInvalid(field.name, "not_yes_no")


def check_changes(fields: Mapping[str, ChangeableField], *, values: Mapping[str, object] | None = None,
                  add: Mapping[str, object] | None = None,
                  current: Mapping[str, float | None] | None = None) -> tuple[dict, dict]:
    """The what-if's changes, checked: (`values`, `add`) ready for `what_if`, or WhatIfInvalid naming the
    first field at fault. A figure or input may not become negative (profit aside; a change by `add`
    counts from `current`), nor exceed 一万亿元 (amounts) or ten million (counts); counts are whole.

    >>> fields = {"rd_expense": ChangeableField("rd_expense", "field", "number", "研发费用", "万元")}
    >>> check_changes(fields, values={"rd_expense": "350"})
    ({'rd_expense': 350.0}, {})
    >>> check_changes(fields, add={"rd_expense": -50}, current={"rd_expense": 30})
    Traceback (most recent call last):
    ...
    parkbrain.policies.results.WhatIfInvalid: rd_expense: negative
    """
    current = current or {}
    checked: dict[str, dict] = {"values": {}, "add": {}}
    for part, given in (("values", values or {}), ("add", add or {})):
        for name, raw in given.items():
            field = fields.get(name)
            if field is None or (part == "add" and field.type != "number"):
                raise WhatIfInvalid(name, "unknown_field")
            if field.type == "bool":
                checked[part][name] = _checked_flag(field, raw)
                continue
            value = _checked_number(field, raw)
            result = value if part == "values" else (current.get(name) or 0.0) + value
            if result < 0 and name not in SIGNED:
                raise WhatIfInvalid(name, "negative")
            if field.integer and result != int(result):
                raise WhatIfInvalid(name, "not_whole")
            checked[part][name] = value
    for name in set(checked["values"]) & set(checked["add"]):
        raise WhatIfInvalid(name, "set_and_added")
    return checked["values"], checked["add"]


def current_figures(warehouse: Warehouse, uscc: str, year: int) -> dict[str, float | None]:
    """An enterprise's numeric figures of one year (empty when it did not report that year)."""
    from parkbrain.policies.vocabulary import subject_fields

    names = [n for n, f in subject_fields("enterprise").items() if f.source == "panel" and f.type == "number"]
    t = warehouse.table("enterprise_years")
    rows = warehouse.to_pylist(t.filter((t.uscc == uscc) & (t.year == year)).select(*names))
    return {k: (None if v is None else float(v)) for k, v in rows[0].items()} if rows else {}
