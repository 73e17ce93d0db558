"""The evaluation panel: one row per subject, the evaluated year's fields and earlier years as columns.

One query pivots the yearly panel (`revenue__0` is the evaluated year's revenue, `revenue__1`
the year before) and joins the enterprise's attributes; only the columns the policies use are
built. What-if overrides change the result in memory; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from parkbrain.policies.compiler import text_test
from parkbrain.policies.errors import did_you_mean
from parkbrain.policies.nodes import Fn, Ref
from parkbrain.policies.vocabulary import SUBJECT_KEYS, Subject, subject_fields
from parkbrain.warehouse.base import Warehouse

ROW = "_row"


@dataclass(frozen=True)
class Delta:
    """A what-if change by an amount (`Delta(100)`: R&D +100万元) rather than to a value."""

    amount: float


def latest_year(warehouse: Warehouse) -> int | None:
    """The last year of the yearly panel (None when it is empty)."""
    year = warehouse.scalar(warehouse.table("enterprise_years").year.max())
    return None if year is None else int(year)


def _certifications(col: ir.StringValue) -> ir.StringValue:
    """`高新技术企业@2021-11-03;科技型中小企业` → `;高新技术企业;科技型中小企业;` (empty cell: no titles)."""
    bare = col.fill_null("").re_replace(r"@[0-9-]*", "").replace(" ", "")
    return ibis.literal(";") + bare + ibis.literal(";")


def _year_rows(years: ir.Table, year: int, lag: int, names: list[str], ids: list[str] | None) -> ir.Table:
    """One year of the panel, its fields renamed `name__lag` (numbers as float64)."""
    fields = subject_fields("enterprise")
    t = years.filter(years.year == year - lag)
    if ids is not None:
        t = t.filter(t.uscc.isin(ids))
    cols: dict[str, ir.Value] = {}
    for name in names:
        col = t[name]
        if name == "certifications":
            col = _certifications(col)
        elif fields[name].type == "number":
            col = col.cast("float64")
        cols[f"{name}__{lag}"] = col
    return t.select("uscc", **cols)


def _enterprise_panel(warehouse: Warehouse, year: int, refs: set[Ref], attrs: set[str],
                      subject_ids: list[str] | None) -> ir.Table:
    """The evaluated year's rows, joined to the earlier years' and to the enterprise's attributes."""
    years = warehouse.table("enterprise_years")
    by_lag: dict[int, list[str]] = {}
    for name, lag in sorted({(r.name, r.lag) for r in refs}):
        by_lag.setdefault(lag, []).append(name)
    panel = _year_rows(years, year, 0, by_lag.pop(0, []), subject_ids)
    for lag, names in sorted(by_lag.items()):
        earlier = _year_rows(years, year, lag, names, subject_ids)
        panel = panel.left_join(earlier, "uscc").drop("uscc_right")
    if attrs - {"uscc"}:
        firms = warehouse.table("enterprises").select("uscc", *sorted(attrs - {"uscc"}))
        panel = panel.left_join(firms, "uscc").drop("uscc_right")
    return panel  # in no particular order: sorting a million ids costs more than the rest


def _talent_panel(warehouse: Warehouse, attrs: set[str], subject_ids: list[str] | None) -> ir.Table:
    t = warehouse.table("talents")
    if subject_ids is not None:
        t = t.filter(t.talent_id.isin(subject_ids))
    out = t.select("talent_id", *sorted(attrs - {"talent_id"}))
    return out.mutate(birth_year=out.birth_year.cast("float64")) if "birth_year" in attrs else out


def build_panel(warehouse: Warehouse, subject: Subject, *, year: int, refs: Iterable[Ref],
                subject_ids: Iterable[str] | None = None) -> pa.Table:
    """The panel of the subjects (all, or those given) for the fields the policies use."""
    refs = set(refs)
    attrs = {r.name for r in refs if r.source == "attr"}
    if subject == "enterprise" and any(r.lag or r.zero_before_founding for r in refs if r.source == "panel"):
        attrs.add("founded_on")  # the years before founding count as 0 in sums
    ids = None if subject_ids is None else list(subject_ids)
    if subject == "enterprise":
        expr = _enterprise_panel(warehouse, year, {r for r in refs if r.source == "panel"}, attrs, ids)
    else:
        expr = _talent_panel(warehouse, attrs, ids)
    table = warehouse.to_arrow(expr)
    table = table.rename_columns(["subject_id" if c == SUBJECT_KEYS[subject] else c for c in table.column_names])
    return table.append_column(ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))


def check_overrides(overrides: Mapping[str, object], inputs: Iterable[str]) -> None:
    """Refuse a what-if key that is neither a field of a subject nor a declared input."""
    known = {*subject_fields("enterprise"), *subject_fields("talent"), *inputs}
    for key in overrides:
        match = _KEY.match(key)
        name = match["name"] if match else key
        if name not in known:
            hint = did_you_mean(name, known)
            raise KeyError(f"cannot change {key!r}: not a field or a declared input"
                           + (f"; did you mean {hint!r}?" if hint else ""))


_KEY = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(\[(?P<year>\d{4})\])?$")


def apply_overrides(panel: pa.Table, subject: Subject, overrides: Mapping[str, object], *, year: int,
                    inputs: Iterable[str] = ()) -> pa.Table:
    """The panel with fields set (`{"rd_expense": 350}`, `{"revenue[2023]": 9000}`) or moved
    (`{"rd_expense": Delta(100)}`); names of declared inputs are left to the compiler."""
    fields = subject_fields(subject)
    for key, value in overrides.items():
        match = _KEY.match(key)
        name = match["name"] if match else key
        if name in inputs or name not in fields:
            continue  # an input, or a field of the other kind of subject
        f = fields[name]
        lag = year - int(match["year"]) if match and match["year"] else 0
        column = f"{name}__{lag}" if f.source == "panel" else name
        if column not in panel.column_names:
            continue  # no policy evaluated here uses it
        if name == "certifications" and isinstance(value, str):
            value = ";" + re.sub(r"@[0-9-]*", "", value).replace(" ", "").strip(";") + ";"
        panel = panel.set_column(panel.column_names.index(column), column,
                                 _changed(panel[column], value, panel.num_rows))
    return panel


def add_text_tests(panel: pa.Table, tests: Iterable[Fn]) -> pa.Table:
    """The panel with the policies' text tests (has(), starts_with()) as true/false/unknown columns."""
    for node in {text_test(t): t for t in tests}.values():
        name = text_test(node)
        if name in panel.column_names or node.args[0].column not in panel.column_names:  # type: ignore[attr-defined]
            continue
        text = panel[node.args[0].column]  # type: ignore[attr-defined]
        if node.name == "has":
            hit = pc.match_substring(text, f";{node.args[1].value};")  # type: ignore[attr-defined]
        else:
            hit = None
            for prefix in node.args[1:]:
                one = pc.starts_with(text, prefix.value)  # type: ignore[attr-defined]
                hit = one if hit is None else pc.or_kleene(hit, one)
        panel = panel.append_column(name, hit)
    return panel


def _changed(current: pa.ChunkedArray, value: object, n: int) -> pa.Array:
    if isinstance(value, Delta):
        return pc.add(current, pa.scalar(float(value.amount)))
    if isinstance(value, str) and pa.types.is_date(current.type):
        value = dt.date.fromisoformat(value)

    return pa.array([value] * n, type=current.type)
