"""The backend interface of the warehouse (after Splink's: a few small methods per backend).

Capabilities build Ibis expressions over `warehouse.table(name)` and run them with
`warehouse.to_arrow(expr)`; only writes are backend-specific.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from parkbrain.warehouse.schema import TABLES


class WarehouseBusy(RuntimeError):
    """The warehouse is held by another process in a way that excludes this one (DuckDB: one writer,
    or several readers). `message(lang)` says who holds it and what to do."""

    def __init__(self, path: str, holder: str, read_only: bool) -> None:
        self.path, self.holder, self.read_only = path, holder, read_only
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        from parkbrain.i18n import translate

        return translate(f"warehouse.busy.{'read' if self.read_only else 'write'}", lang, path=self.path,
                         holder=self.holder)


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert did: rows new to the table, rows whose values changed, rows left as they were."""

    inserted: int
    updated: int
    unchanged: int

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(self.inserted + other.inserted, self.updated + other.updated,
                            self.unchanged + other.unchanged)


class Warehouse(ABC):
    """Where ParkBrain's analytical tables live. Subclasses: DuckDB (default), Spark (extra)."""

    name: str = "abstract"
    ibis: ibis.BaseBackend
    # Held around every use of the backend's connection: the web app's threads share one.
    lock: threading.RLock

    def table(self, name: str) -> ir.Table:
        """An Ibis table expression over one of the warehouse's tables."""
        if name not in TABLES:
            raise KeyError(f"no warehouse table {name!r}; tables are {', '.join(TABLES)}")
        with self.lock:  # building the expression asks the connection for the table's schema
            return self.ibis.table(name)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        """Run an expression and return its result as an arrow table."""
        return self.ibis.to_pyarrow(expr)

    def to_pylist(self, expr: ir.Table) -> list[dict]:
        """Run a table expression and return its rows as dicts."""
        return self.to_arrow(expr).to_pylist()

    def scalar(self, expr: ir.Scalar):
        """Run a scalar expression and return its Python value."""
        return self.ibis.to_pyarrow(expr).as_py()

    def count(self, name: str) -> int:
        return int(self.scalar(self.table(name).count()))

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen together or not at all."""

    @abstractmethod
    def upsert(self, name: str, data: pa.Table) -> UpsertCounts:
        """Insert rows new by key, replace rows whose values changed, leave identical rows alone."""

    @abstractmethod
    def append(self, name: str, data: pa.Table) -> None:
        """Add rows to a table as they are."""

    @abstractmethod
    def delete_where(self, name: str, column: str, values: list) -> int:
        """Delete the rows whose column is one of the values; return how many."""

    @abstractmethod
    def close(self) -> None:
        """Release the backend's connections and files."""

    def meta(self) -> dict[str, str]:
        """The warehouse's key-value notes (e.g. that it holds the synthetic demo park)."""
        return {r["key"]: r["value"] for r in self.to_pylist(self.table("meta"))}

    def set_meta(self, values: dict[str, str]) -> None:
        """Record key-value notes; the caller may hold a transaction."""
        self.upsert("meta", pa.table({"key": list(values), "value": [str(v) for v in values.values()]}))

    @abstractmethod
    def truncate(self, name: str) -> None:
        """Delete every row of a table."""
