"""Park operators manage listings: create, update, let, withdraw (and put back on the market).

Every write is checked by the same rules as an import of the spaces template, and goes
through the Warehouse interface in one transaction.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa

from parkbrain.i18n import translate
from parkbrain.importing.errors import RowError
from parkbrain.importing.readers import RawTable
from parkbrain.importing.templates import load_templates
from parkbrain.importing.validate import validate
from parkbrain.matching.state import hold
from parkbrain.warehouse import Warehouse

STATUSES = ("available", "let", "withdrawn")


class ListingError(ValueError):
    """A listing cannot be written as asked; the message says which, why and what to do."""

    def __init__(self, code: str, row_error: RowError | None = None, **params: object) -> None:
        self.code, self.params, self.row_error = code, params, row_error
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        """The problem in a language."""
        params = dict(self.params)
        if self.row_error is not None:
            params |= {"column": self.row_error.column, "reason": self.row_error.reason(lang)}
        return translate(f"matching.errors.{self.code}", lang, **params)


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _checked(row: dict, today: dt.date | None) -> pa.Table:
    """One listing typed and checked against the spaces template (the import's own rules)."""
    template = load_templates()["spaces"]
    cells = {c.field: pa.array([_cell(row.get(c.field))], pa.string()) for c in template.columns}
    raw = RawTable(pa.table(cells), np.array([2]), list(cells), "utf-8", [])
    result = validate(raw, template, path="listing", today=today)
    if result.errors:
        raise ListingError("space_invalid", result.errors[0], space_id=row.get("space_id") or "—")
    return result.table


def get_listing(warehouse: Warehouse, space_id: str) -> dict | None:
    """One listing as a dict, or None."""
    with hold(warehouse):
        t = warehouse.table("spaces")
        rows = warehouse.to_pylist(t.filter(t.space_id == space_id))
    return rows[0] if rows else None


def list_spaces(warehouse: Warehouse, *, status: str | None = None, park_id: str | None = None,
                limit: int | None = None) -> list[dict]:
    """Listings, optionally of one status and one park, by id."""
    with hold(warehouse):
        t = warehouse.table("spaces")
        if status:
            t = t.filter(t.status == status)
        if park_id:
            t = t.filter(t.park_id == park_id)
        t = t.order_by("space_id")
        return warehouse.to_pylist(t.limit(limit) if limit else t)


def _next_id(warehouse: Warehouse) -> str:
    ids = warehouse.to_arrow(warehouse.table("spaces").select("space_id")).column(0).to_pylist()
    numbers = [int(m.group(1)) for i in ids if (m := re.fullmatch(r"S-(\d+)", i))]
    width = max([len(i) - 2 for i in ids if re.fullmatch(r"S-\d+", i)] or [5])
    return f"S-{(max(numbers) + 1) if numbers else 1:0{width}d}"


def _park_exists(warehouse: Warehouse, park_id: str) -> bool:
    t = warehouse.table("parks")
    return bool(warehouse.scalar(t.filter(t.park_id == park_id).count()))


def create_listing(warehouse: Warehouse, listing: dict, *, today: dt.date | None = None) -> str:
    """Add a listing (status `available` unless given); returns its id (S-… when none is given)."""
    row = {"status": "available"} | {k: v for k, v in listing.items() if v is not None}
    with warehouse.transaction():
        row.setdefault("space_id", _next_id(warehouse))
        if get_listing(warehouse, row["space_id"]) is not None:
            raise ListingError("space_exists", space_id=row["space_id"])
        table = _checked(row, today)
        if not _park_exists(warehouse, row["park_id"]):
            raise ListingError("unknown_park", park_id=row["park_id"])
        warehouse.upsert("spaces", table)
    return row["space_id"]


def update_listing(warehouse: Warehouse, space_id: str, changes: dict, *, today: dt.date | None = None) -> dict:
    """Change some fields of a listing (None leaves a field as it is); returns the listing as stored."""
    with warehouse.transaction():
        row = get_listing(warehouse, space_id)
        if row is None:
            raise ListingError("unknown_space", space_id=space_id)
        row |= {k: v for k, v in changes.items() if v is not None and k != "space_id"}
        table = _checked(row, today)
        if not _park_exists(warehouse, row["park_id"]):
            raise ListingError("unknown_park", park_id=row["park_id"])
        warehouse.upsert("spaces", table)
    return table.to_pylist()[0]


def let_space(warehouse: Warehouse, space_id: str) -> dict:
    """Mark a listing let: it leaves the search results."""
    return update_listing(warehouse, space_id, {"status": "let"})


def withdraw_space(warehouse: Warehouse, space_id: str) -> dict:
    """Take a listing off the market: it leaves the search results."""
    return update_listing(warehouse, space_id, {"status": "withdrawn"})


def relist_space(warehouse: Warehouse, space_id: str) -> dict:
    """Put a let or withdrawn listing back on the market."""
    return update_listing(warehouse, space_id, {"status": "available"})
