"""Panel formulas compiled to Ibis: one aggregate query over the yearly enterprise panel.

Every leaf of every panel formula (``{sum: revenue}``, ``{count_certified: 高新技术企业}``…)
becomes one named aggregate; a single ``GROUP BY year, district, park`` computes them all in
the warehouse, and the small result is rolled up to districts and to the whole register in
Python. Ratios are taken after the roll-up (a ratio of sums, as statistics compute it).

>>> leaf_key({"count_certified": "高新技术企业"}), leaf_key("revenue"), leaf_key({"sum": "revenue"})
('count_certified:高新技术企业', 'sum:revenue', 'sum:revenue')
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import ibis.expr.types as ir

from parkbrain.cockpit.catalogue import OPERATORS, Catalogue
from parkbrain.overview import has_certification, tier_expr
from parkbrain.warehouse.base import Warehouse

ALL = "*"  # the whole register as a subject
Aggregates = dict[tuple[str, str, int], dict[str, float | None]]  # (level, subject, year) -> leaf -> value


def _op(node: dict) -> str:
    return next(k for k in node if k in OPERATORS)


def leaf_key(node: Any) -> str:
    """The name of a panel leaf: ``sum:<column>``, ``count:enterprises``, ``count_certified:<名称>``…"""
    if isinstance(node, str):
        return f"sum:{node}"
    op = _op(node)
    if op == "sum":
        return leaf_key(node["sum"])
    return f"{op}:{node[op]}"


def panel_leaves(catalogue: Catalogue) -> list[str]:
    """Every panel leaf the catalogue's formulas use, sorted."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.add(leaf_key(node))
            return
        op = _op(node)
        if op == "ratio":
            for part in node["ratio"]:
                walk(part)
        elif op != "indicator":
            found.add(leaf_key(node))

    for ind in catalogue.indicators.values():
        if ind.formula is not None:
            walk(ind.formula)
    return sorted(found)


def leaf_expr(t: ir.Table, key: str) -> ir.Scalar:
    """The Ibis aggregate of one leaf over panel rows `t` (with a certifications column)."""
    op, _, arg = key.partition(":")
    if op == "sum":
        return t[arg].sum()
    if op == "count":
        return t.uscc.count()
    if op == "count_certified":
        return has_certification(t.certifications, arg).cast("int64").sum()
    if op == "count_tier":
        return (tier_expr(t.certifications) == arg).cast("int64").sum()
    raise ValueError(f"unknown panel leaf {key!r}")


def panel_query(warehouse: Warehouse, leaves: list[str]) -> ir.Table:
    """The one query: every leaf per year, district and park."""
    years = warehouse.table("enterprise_years")
    firms = warehouse.table("enterprises").select("uscc", "district", "park")
    t = years.join(firms, "uscc")
    aggs = {f"l{i}": leaf_expr(t, key) for i, key in enumerate(leaves)}
    return t.group_by("year", "district", "park").aggregate(**aggs)


def _add(total: dict[str, float | None], row: dict[str, float | None]) -> None:
    for key, value in row.items():
        if value is not None:
            total[key] = (total.get(key) or 0) + value
        else:
            total.setdefault(key, None)


def roll_up(rows: list[dict], leaves: list[str]) -> Aggregates:
    """Per (level, subject, year): the leaves summed over parks, districts and the whole register."""
    out: dict[tuple[str, str, int], dict[str, float | None]] = defaultdict(dict)
    for row in rows:
        values = {key: row[f"l{i}"] for i, key in enumerate(leaves)}
        year = int(row["year"])
        targets = [("all", ALL), ("district", row["district"])]
        if row["park"] is not None:
            targets.append(("park", row["park"]))
        for level, subject in targets:
            _add(out[(level, subject, year)], values)
    return dict(out)


def panel_aggregates(warehouse: Warehouse, catalogue: Catalogue) -> Aggregates:
    """All panel leaves of the catalogue for every year and subject, from one warehouse query."""
    leaves = panel_leaves(catalogue)
    if not leaves:
        return {}
    return roll_up(warehouse.to_pylist(panel_query(warehouse, leaves)), leaves)


def panel_subjects(aggregates: Aggregates, level: str) -> list[str]:
    """The subjects of a level (district, park) that the panel holds, sorted."""
    return sorted({s for (lv, s, _y) in aggregates if lv == level})


def panel_years(aggregates: Aggregates) -> list[int]:
    """The years the panel holds, ascending."""
    return sorted({y for (_lv, _s, y) in aggregates})

