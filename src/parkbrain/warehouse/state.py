"""What identifies the state of some warehouse tables, for caches that must rebuild when the data
changes: their row counts, the time of the latest import and the meta notes, in one query."""

from __future__ import annotations

import threading
import weakref

import ibis

from parkbrain.warehouse.base import Warehouse

_QUERIES: weakref.WeakKeyDictionary[Warehouse, dict[tuple[str, ...], ibis.Table]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _state_query(warehouse: Warehouse, tables: tuple[str, ...]) -> ibis.Table:
    parts = [warehouse.table(n).aggregate(v=lambda t: t.count().cast("string")).mutate(k=ibis.literal(n))
             for n in tables]
    imports, meta = warehouse.table("imports"), warehouse.table("meta")
    parts.append(imports.aggregate(v=imports.finished_at.max().cast("string")).mutate(k=ibis.literal("last_import")))
    parts.append(meta.select(v=meta.value, k=ibis.literal("meta:") + meta.key))
    return ibis.union(*parts).select("k", "v")


def table_state(warehouse: Warehouse, tables: tuple[str, ...]) -> tuple:
    """Row counts of `tables`, the latest import's time and the meta notes, as sorted (key, value) pairs
    (the query is built once per warehouse and table list: building costs more than running it)."""
    with _LOCK:
        queries = _QUERIES.setdefault(warehouse, {})
        query = queries.get(tables)
        if query is None:
            query = queries[tables] = _state_query(warehouse, tables)
    return tuple(sorted((r["k"], r["v"] or "") for r in warehouse.to_pylist(query)))
