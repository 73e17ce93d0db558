"""Collaborations between experts and enterprises: proposed → accepted → signed → completed.

One row per (need, expert) pair with the date each stage was reached; a proposal may also be
declined (from proposed or accepted). The board counts them the way the seeds do (钱塘: 4,633
experts in the pool, 520 placed in enterprises, 5,544 enterprises covered, 584 collaborations).

The table is the warehouse's `collaborations` (parkbrain.warehouse.schema).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import ibis.expr.types as ir
import pyarrow as pa

from parkbrain.i18n import translate
from parkbrain.matching.state import hold
from parkbrain.warehouse import Warehouse
from parkbrain.warehouse.schema import TABLES

NAME = "collaborations"
STAGES = ("proposed", "accepted", "signed", "completed")
STATUSES = (*STAGES, "declined")
NEXT = {"proposed": ("accepted", "declined"), "accepted": ("signed", "declined"), "signed": ("completed",),
        "completed": (), "declined": ()}
COLLABORATIONS = TABLES[NAME]


class CollaborationError(ValueError):
    """A collaboration cannot change as asked; the message says why and what is allowed."""

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        """The problem in a language (status names in it too)."""
        params = dict(self.params)
        for key in ("current", "wanted"):
            if key in params:
                params[key] = _state(params[key], lang)
        if isinstance(params.get("allowed"), tuple):
            params["allowed"] = ("、" if lang == "zh" else ", ").join(_state(s, lang) for s in params["allowed"]) or "—"
        return translate(f"matching.errors.{self.code}", lang, **params)


def _state(status: str, lang: str) -> str:
    return translate(f"matching.collaborations.state.{status}", lang)


def collaboration_id(need_id: str, expert_id: str) -> str:
    """A stable id per (need, expert): proposing the same pair twice finds the same row.

    >>> collaboration_id("N-000001", "E-00017")
    'C-de5a66b58d'
    """
    return "C-" + hashlib.sha1(f"{need_id}|{expert_id}".encode()).hexdigest()[:10]


def collaborations_table(warehouse: Warehouse) -> ir.Table:
    """The collaborations as an Ibis table."""
    return warehouse.table(NAME)


def all_collaborations(warehouse: Warehouse) -> pa.Table:
    """Every collaboration row (an empty table with the schema when there are none)."""
    return warehouse.to_arrow(collaborations_table(warehouse)).cast(COLLABORATIONS.schema)


def write_rows(warehouse: Warehouse, rows: pa.Table) -> None:
    """Insert or replace rows by collaboration_id; the caller holds the transaction."""
    warehouse.upsert(NAME, rows.select(COLLABORATIONS.schema.names).cast(COLLABORATIONS.schema))


def clear_collaborations(warehouse: Warehouse) -> None:
    """Delete every collaboration; the caller holds the transaction."""
    warehouse.truncate(NAME)


def propose(warehouse: Warehouse, pairs: Sequence[dict], *, on: dt.date | None = None) -> int:
    """Record proposals (need_id, uscc, expert_id, score); pairs already recorded are left alone."""
    on = on or dt.date.today()
    with warehouse.transaction():
        known = set(all_collaborations(warehouse)["collaboration_id"].to_pylist())
        fresh = [{"collaboration_id": collaboration_id(p["need_id"], p["expert_id"]), "need_id": p["need_id"],
                  "uscc": p.get("uscc"), "expert_id": p["expert_id"], "score": p.get("score"),
                  "status": "proposed", "proposed_on": on, "note": p.get("note")} for p in pairs]
        fresh = [r for r in fresh if r["collaboration_id"] not in known]
        if fresh:
            write_rows(warehouse, pa.Table.from_pylist(fresh, schema=COLLABORATIONS.schema))
    return len(fresh)


def advance(warehouse: Warehouse, collaboration_id_: str, status: str, *, on: dt.date | None = None,
            note: str | None = None) -> dict:
    """Move a collaboration to its next stage (or decline it); returns the row as stored."""
    if status not in STATUSES:
        raise CollaborationError("unknown_status", status=status, allowed=STATUSES)
    with warehouse.transaction():
        table = collaborations_table(warehouse)
        rows = warehouse.to_pylist(table.filter(table.collaboration_id == collaboration_id_)) if table is not None else []
        if not rows:
            raise CollaborationError("unknown_collaboration", id=collaboration_id_)
        row = rows[0]
        if status not in NEXT[row["status"]]:
            raise CollaborationError("bad_transition", id=collaboration_id_, current=row["status"], wanted=status,
                                     allowed=NEXT[row["status"]])
        row |= {"status": status, f"{status}_on": on or dt.date.today()}
        if note:
            row["note"] = note
        write_rows(warehouse, pa.Table.from_pylist([row], schema=COLLABORATIONS.schema))
    return row


def _names(warehouse: Warehouse, table: str, key: str, column: str, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    with hold(warehouse):
        t = warehouse.table(table)
        rows = warehouse.to_pylist(t.filter(t[key].isin(ids)).select(key, column))
    return {r[key]: r[column] for r in rows}


def _count(warehouse: Warehouse, name: str) -> int:
    with hold(warehouse):
        return warehouse.count(name)


def board(warehouse: Warehouse, *, latest: int = 20) -> dict:
    """Counts by status, the seeds' four figures, and the latest changes (with names)."""
    rows = all_collaborations(warehouse)
    status = rows["status"].to_pylist()
    by_status = {s: status.count(s) for s in STATUSES}
    placed = {e for e, s in zip(rows["expert_id"].to_pylist(), status, strict=True)
              if s in ("accepted", "signed", "completed")}
    covered = {u for u, s in zip(rows["uscc"].to_pylist(), status, strict=True) if u and s != "declined"}
    dates = rows.select([f"{s}_on" for s in STATUSES]).to_pylist()
    stamp = [max((d for d in r.values() if d is not None), default=None) for r in dates]
    ids = rows["collaboration_id"].to_pylist()
    recent = sorted(range(rows.num_rows), key=lambda i: (stamp[i] or dt.date.min, ids[i]), reverse=True)[:latest]
    picked = [rows.slice(i, 1).to_pylist()[0] | {"updated_on": stamp[i]} for i in recent]
    experts = _names(warehouse, "experts", "expert_id", "name", [r["expert_id"] for r in picked])
    needs = _names(warehouse, "tech_needs", "need_id", "title", [r["need_id"] for r in picked])
    firms = _names(warehouse, "enterprises", "uscc", "name", [r["uscc"] for r in picked if r["uscc"]])
    return {
        "by_status": by_status,
        "pool": _count(warehouse, "experts"),
        "placed_experts": len(placed),
        "covered_enterprises": len(covered),
        "signed": by_status["signed"] + by_status["completed"],
        "total": rows.num_rows,
        "latest": [r | {"expert_name": experts.get(r["expert_id"]), "need_title": needs.get(r["need_id"]),
                        "enterprise": firms.get(r["uscc"])} for r in picked],
    }
