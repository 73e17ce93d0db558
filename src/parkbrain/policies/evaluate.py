"""Evaluate policies for every subject at once: one panel query, then one query for all the policies.

The panel (one row per subject, earlier years as columns) is read once and kept in memory; the
policies are one query over it that computes each shared sub-expression once (compiled.py), and
each policy's explained result is assembled from its columns in turn, the next one while the
caller reads the last.

>>> from parkbrain.warehouse.duckdb import DuckDBWarehouse
>>> wh = DuckDBWarehouse(":memory:")
>>> cat = load_catalogue()
>>> evaluate_policies(wh, cat, year=2024).num_rows  # an empty warehouse: no subjects, no rows
0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import ibis
import pyarrow as pa

from parkbrain.policies.assemble import Flat, empty_result, in_order, result_table
from parkbrain.policies.checked import CheckedVersion
from parkbrain.policies.compiled import compile_policies
from parkbrain.policies.compiler import Scope, text_test
from parkbrain.policies.loader import Catalogue, check_policies, load_catalogue
from parkbrain.policies.missing import Inputs
from parkbrain.policies.model import Policy
from parkbrain.policies.nodes import Fn, Node, Ref
from parkbrain.policies.panel import (
    Delta,
    add_text_tests,
    apply_overrides,
    build_panel,
    check_overrides,
    latest_year,
)
from parkbrain.policies.vocabulary import Subject
from parkbrain.warehouse.base import Warehouse


@dataclass(frozen=True)
class Period:
    """What is evaluated: the data year (the panel's latest year by default) and the evaluation date."""

    year: int
    as_of: dt.date


def resolve_period(warehouse: Warehouse, year: int | None, as_of: dt.date | None) -> Period:
    """The year (default: the panel's latest) and date (default: that year's 31 December)."""
    year = year if year is not None else latest_year(warehouse) or dt.date.today().year - 1
    return Period(year, as_of or dt.date(year, 12, 31))


def _catalogue(policies: Catalogue | Iterable[Policy] | None) -> Catalogue:
    if policies is None:
        return load_catalogue()
    if isinstance(policies, Catalogue):
        return policies
    cat = check_policies(policies)
    if cat.errors:
        raise cat.errors[0]
    return cat


def _needed(versions: dict[str, CheckedVersion], select: Sequence[str] | None) -> list[str]:
    """The selected policies and everything they require, in dependency order."""
    if select is None:
        return list(versions)
    unknown = [p for p in select if p not in versions]
    if unknown:
        raise KeyError(f"no policy {unknown[0]!r} in force; policies: {', '.join(versions)}")
    want: set[str] = set()
    stack = list(select)
    while stack:
        pid = stack.pop()
        if pid not in want:
            want.add(pid)
            stack += versions[pid].requires
    return [p for p in versions if p in want]


def _nodes(v: CheckedVersion) -> Iterator[Node]:
    """Every node of a version's expressions."""
    trees = [n for c in v.conditions for n in (c.tree, c.value, c.threshold) if n is not None]
    trees += [c.gap.node for c in v.conditions if c.gap]
    trees += [n for n in (v.amount, v.cap) if n is not None]
    for tree in trees:
        yield from tree.walk()


def _refs(versions: Iterable[CheckedVersion]) -> set[Ref]:
    """The panel fields and attributes the versions read."""
    return {Ref(source=n.source, name=n.name, type=n.type, lag=n.lag, zero_before_founding=n.zero_before_founding)
            for v in versions for n in _nodes(v) if isinstance(n, Ref) and n.source in ("panel", "attr")}


def _inputs(versions: list[CheckedVersion], overrides: Mapping[str, object]) -> tuple[dict, dict]:
    values: dict[str, object] = {}
    types: dict[str, str] = {}
    for v in versions:
        for name, spec in v.version.inputs.items():
            types[name] = spec.type
            given = overrides.get(name, spec.default)
            values.setdefault(name, given.amount if isinstance(given, Delta) else given)
    return values, types


def iter_policy_results(warehouse: Warehouse, policies: Catalogue | Iterable[Policy] | None = None, *,
                        year: int | None = None, as_of: dt.date | None = None,
                        subject_ids: Iterable[str] | None = None, overrides: Mapping[str, object] | None = None,
                        select: Sequence[str] | None = None) -> Iterator[pa.Table]:
    """The results policy by policy (for a million subjects, consume them one at a time)."""
    cat = _catalogue(policies)
    period = resolve_period(warehouse, year, as_of)
    in_force = cat.in_force(period.as_of)
    needed = _needed(in_force, select)
    wanted = set(select) if select is not None else set(needed)
    ids = None if subject_ids is None else list(subject_ids)
    if overrides:
        check_overrides(overrides, {name for p in needed for name in in_force[p].version.inputs})
    for subject in ("enterprise", "talent"):
        versions = [in_force[p] for p in needed if in_force[p].policy.subject == subject]
        if versions:
            yield from _evaluate_subject(warehouse, subject, versions, in_force, period, ids,
                                         dict(overrides or {}), wanted)


def _evaluate_subject(warehouse: Warehouse, subject: Subject, versions: list[CheckedVersion],
                      in_force: dict[str, CheckedVersion], period: Period, ids: list[str] | None,
                      overrides: dict[str, object], wanted: set[str]) -> Iterator[pa.Table]:
    given, types = _inputs(versions, overrides)
    reported = [v for v in versions if v.id in wanted]
    panel = build_panel(warehouse, subject, year=period.year, refs=_refs(versions), subject_ids=ids)
    if overrides:
        panel = apply_overrides(panel, subject, overrides, year=period.year, inputs=types)
    if panel.num_rows == 0 or not reported:
        return
    panel = add_text_tests(panel, [n for v in versions for n in _nodes(v) if isinstance(n, Fn) and text_test(n)])
    scope = Scope(ibis.memtable(panel), period.year, period.as_of, given, types, policies=in_force)
    compiled = compile_policies(scope, reported, in_force)
    flat = Flat(in_order(warehouse.to_arrow(compiled.query)), compiled.policies)
    inputs = Inputs(panel, period.year, given)
    # The next policy's result is assembled while the caller reads this one.
    ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policy-assemble")
    try:
        policies = compiled.policies  # in dependency order
        pending = ahead.submit(result_table, flat, panel["subject_id"], policies[0], inputs)
        for following in [*policies[1:], None]:
            table = pending.result()
            if following is not None:
                pending = ahead.submit(result_table, flat, panel["subject_id"], following, inputs)
            yield table
    finally:
        ahead.shutdown(cancel_futures=True)


def evaluate_policies(warehouse: Warehouse, policies: Catalogue | Iterable[Policy] | None = None, *,
                      year: int | None = None, as_of: dt.date | None = None,
                      subject_ids: Iterable[str] | None = None, overrides: Mapping[str, object] | None = None,
                      select: Sequence[str] | None = None) -> pa.Table:
    """One row per (subject, policy): status, amount and the conditions explained.

    `year` is the data year (default: the panel's latest), `as_of` the evaluation date (default:
    31 December of that year); `overrides` change inputs for a what-if without writing anything
    (`{"rd_expense": 350}`, `{"revenue[2023]": 9000}`, `{"rd_expense": Delta(100)}`, or a policy's
    declared input such as `{"innovation_score": 75}`); `select` limits the policies reported.
    """
    tables = list(iter_policy_results(warehouse, policies, year=year, as_of=as_of, subject_ids=subject_ids,
                                      overrides=overrides, select=select))
    return pa.concat_tables(tables) if tables else empty_result()
