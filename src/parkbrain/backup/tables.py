"""The warehouse's tables as Parquet files, through the backend interface (any backend, DuckDB or Spark).

A table is written with the warehouse's own types (parkbrain.warehouse.schema) and read back
by `truncate` and `append`; a column a newer ParkBrain added comes back empty, a column this
ParkBrain does not know is refused (it would be lost).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from parkbrain.backup.checksums import arrow_checksum
from parkbrain.backup.errors import BackupError
from parkbrain.warehouse import TABLES, Warehouse

Step = Callable[[str], None]
FOLDER = "warehouse"


def member(name: str) -> str:
    """The archive member holding a table."""
    return f"{FOLDER}/{name}.parquet"


def canonical(name: str, table: pa.Table, columns: list[str] | None = None) -> pa.Table:
    """The table's columns (all, or those named) in order, with the warehouse's types."""
    schema = TABLES[name].schema
    columns = columns or schema.names
    return table.select(columns).cast(pa.schema([schema.field(c) for c in columns]))


def export_tables(warehouse: Warehouse, folder: Path, step: Step) -> dict[str, dict]:
    """Write every table to `folder`/warehouse/<table>.parquet from one transaction; their figures."""
    (folder / FOLDER).mkdir(parents=True, exist_ok=True)
    with warehouse.transaction():  # one snapshot; the DuckDB backend also holds its lock meanwhile
        for name in TABLES:
            step(name)
            pq.write_table(canonical(name, warehouse.to_arrow(warehouse.table(name))), folder / member(name),
                           compression="zstd")
    figures = {}
    for name in TABLES:  # checksums from the files, outside the transaction
        table = pq.read_table(folder / member(name))
        figures[name] = {"rows": table.num_rows, "columns": table.column_names,
                         "sha256": arrow_checksum(canonical(name, table))}
    return figures


def check_compatible(figures: dict[str, dict], archive: Path) -> None:
    """Refuse an archive holding a table or column this ParkBrain does not know."""
    for name, entry in figures.items():
        unknown = [c for c in entry["columns"] if name not in TABLES or c not in TABLES[name].schema.names]
        if name not in TABLES or unknown:
            raise BackupError("newer_tables", archive=archive, table=name, columns=", ".join(unknown))


def _filled(name: str, batch: pa.RecordBatch) -> pa.Table:
    """A batch with the columns it lacks added as nulls (tables a newer ParkBrain widened)."""
    table = pa.Table.from_batches([batch])
    for field in TABLES[name].schema:
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
    return canonical(name, table)


def import_tables(warehouse: Warehouse, folder: Path, figures: dict[str, dict], archive: Path, step: Step) -> None:
    """Replace the warehouse's tables by the archive's in one transaction, checked against the manifest
    before it commits (a mismatch rolls everything back)."""
    with warehouse.transaction():
        for name in TABLES:
            step(name)
            warehouse.truncate(name)
            if name not in figures:  # a table this archive's ParkBrain did not have yet
                continue
            for batch in pq.ParquetFile(folder / member(name)).iter_batches(batch_size=100_000):
                warehouse.append(name, _filled(name, batch))
        for name, entry in figures.items():
            table = canonical(name, warehouse.to_arrow(warehouse.table(name)), entry["columns"])
            if table.num_rows != entry["rows"] or arrow_checksum(table) != entry["sha256"]:
                raise BackupError("checksum_mismatch", archive=archive, table=f"warehouse.{name}",
                                  rows=table.num_rows, expected=entry["rows"])


def total_rows(warehouse: Warehouse) -> int:
    """Rows in all the warehouse's tables."""
    return sum(warehouse.count(name) for name in TABLES)
