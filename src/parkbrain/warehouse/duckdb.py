"""The DuckDB warehouse: one file in the ParkBrain home, reached through Ibis."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa

from parkbrain.warehouse.base import UpsertCounts, Warehouse, WarehouseBusy
from parkbrain.warehouse.schema import TABLES

_DUCK_TYPES = {
    pa.string(): "VARCHAR", pa.float64(): "DOUBLE", pa.int64(): "BIGINT", pa.int32(): "INTEGER",
    pa.date32(): "DATE", pa.bool_(): "BOOLEAN", pa.timestamp("s", tz="UTC"): "TIMESTAMPTZ",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBWarehouse(Warehouse):
    """Warehouse in a DuckDB file (or in memory with path ':memory:')."""

    name = "duckdb"

    def __init__(self, path: Path | str, *, read_only: bool = False, threads: int | None = None,
                 memory_limit: str | None = None) -> None:
        config: dict[str, str] = {}
        if threads:
            config["threads"] = str(threads)
        if memory_limit:
            config["memory_limit"] = memory_limit
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self.con = self._connect(read_only, config)
        if read_only and self._missing_tables():
            # Tables a newer ParkBrain added, not yet created in this file: create them while no one else
            # holds it (right after an upgrade), then read as asked.
            self.con.close()
            self.con = self._connect(False, config)
            self._create_tables()
            self.con.close()
            self.con = self._connect(True, config)
        self.con.execute("SET enable_progress_bar = false")  # it would draw on the CLI's stdout
        # One connection shared by threads (the web app's workers): writes and queries are serialised.
        self.lock = threading.RLock()
        if not read_only:
            self._create_tables()
        self.ibis = ibis.duckdb.from_connection(self.con)

    def _connect(self, read_only: bool, config: dict[str, str]) -> duckdb.DuckDBPyConnection:
        """A connection to the file; WarehouseBusy when another process holds it against this mode."""
        try:
            con = duckdb.connect(self.path, read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            held = re.search(r"\(PID (\d+)\)", str(exc))
            raise WarehouseBusy(self.path, f"PID {held.group(1)}" if held else "another process",
                                read_only) from exc
        return con

    def _missing_tables(self) -> list[str]:
        present = {row[0] for row in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return [spec.name for spec in TABLES.values() if spec.name not in present]

    def _create_tables(self) -> None:
        for spec in TABLES.values():
            columns = ", ".join(f"{_q(f.name)} {_DUCK_TYPES[f.type]}" for f in spec.schema)
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {_q(spec.name)} ({columns})")

    def to_arrow(self, expr) -> pa.Table:
        with self.lock:
            return super().to_arrow(expr)

    def scalar(self, expr):
        with self.lock:
            return super().scalar(expr)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            self.con.execute("COMMIT")

    def _stage(self, name: str, data: pa.Table) -> str:
        spec = TABLES[name]
        data = data.select(spec.schema.names).cast(spec.schema)
        view = f"_stage_{name}"
        self.con.register(view, data)
        return view

    def upsert(self, name: str, data: pa.Table) -> UpsertCounts:
        spec = TABLES[name]
        cols = ", ".join(_q(c) for c in spec.schema.names)
        on = " AND ".join(f"t.{_q(k)} = d.{_q(k)}" for k in spec.key)
        with self.lock:
            view = self._stage(name, data)
            try:
                if not self.con.execute(f"SELECT EXISTS (SELECT 1 FROM {_q(name)})").fetchone()[0]:
                    self.con.execute(f"INSERT INTO {_q(name)} ({cols}) SELECT {cols} FROM {view}")
                    return UpsertCounts(inserted=data.num_rows, updated=0, unchanged=0)
                # Rows that differ from what is stored, by value (NULLs compare equal in EXCEPT).
                self.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE _delta AS SELECT {cols} FROM {view} "
                    f"EXCEPT SELECT {cols} FROM {_q(name)}"
                )
                changed = self.con.execute(
                    f"SELECT count(*) FROM _delta d WHERE EXISTS (SELECT 1 FROM {_q(name)} t WHERE {on})"
                ).fetchone()[0]
                delta = self.con.execute("SELECT count(*) FROM _delta").fetchone()[0]
                if changed:
                    self.con.execute(f"DELETE FROM {_q(name)} t USING _delta d WHERE {on}")
                if delta:
                    self.con.execute(f"INSERT INTO {_q(name)} ({cols}) SELECT {cols} FROM _delta")
                self.con.execute("DROP TABLE _delta")
            finally:
                self.con.unregister(view)
        return UpsertCounts(inserted=delta - changed, updated=changed, unchanged=data.num_rows - delta)

    def append(self, name: str, data: pa.Table) -> None:
        cols = ", ".join(_q(c) for c in TABLES[name].schema.names)
        with self.lock:
            view = self._stage(name, data)
            try:
                self.con.execute(f"INSERT INTO {_q(name)} ({cols}) SELECT {cols} FROM {view}")
            finally:
                self.con.unregister(view)

    def delete_where(self, name: str, column: str, values: list) -> int:
        if not values:
            return 0
        with self.lock:
            self.con.register("_keys", pa.table({"v": values}))
            try:
                return self.con.execute(
                    f"DELETE FROM {_q(name)} WHERE {_q(column)} IN (SELECT v FROM _keys)"
                ).fetchone()[0]
            finally:
                self.con.unregister("_keys")

    def close(self) -> None:
        with self.lock:
            self.con.close()

    def truncate(self, name: str) -> None:
        with self.lock:
            self.con.execute(f"DELETE FROM {_q(TABLES[name].name)}")
