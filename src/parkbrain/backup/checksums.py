"""Checksums of table contents that do not depend on row order or on how the rows are stored.

A warehouse table is sorted by all its columns and written as CSV (every value quoted, a
missing value left bare, so NULL and '' differ); an operational table's rows become canonical
JSON lines, sorted. The same rows give the same digest, whatever the order or the file:

>>> import pyarrow as pa
>>> arrow_checksum(pa.table({"a": [2, 1]})) == arrow_checksum(pa.table({"a": [1, 2]}))
True
>>> arrow_checksum(pa.table({"a": ["", None]})) == arrow_checksum(pa.table({"a": [None, None]}))
False
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, MetaData, Table, inspect, select


class _Digest:
    """A write-only file that feeds SHA-256 (what the CSV writer writes into)."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.closed = False

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        return None


def arrow_checksum(table: pa.Table) -> str:
    """SHA-256 of the table's header and rows, sorted by every column, as quoted CSV."""
    if table.num_rows:
        table = table.take(pc.sort_indices(table, sort_keys=[(c, "ascending") for c in table.column_names]))
    sink = _Digest()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(quoting_style="all_valid"))
    return sink.hash.hexdigest()


def _plain(value: object) -> object:
    """A JSON-able stand-in for what a database column gives back."""
    if isinstance(value, bytes | bytearray | memoryview):
        return ["sha256", hashlib.sha256(bytes(value)).hexdigest()]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _line(values: tuple) -> str:
    return json.dumps([_plain(v) for v in values], ensure_ascii=False, separators=(",", ":"))


def opdb_checksums(conn: Connection) -> dict[str, dict]:
    """Rows and SHA-256 of every table of the operational database, read in `conn`'s transaction
    (attachments count by their hash)."""
    from parkbrain.opdb.migrate import metadata

    known = metadata().tables
    inspector = inspect(conn)
    out: dict[str, dict] = {}
    for name in sorted(inspector.get_table_names()):
        present = sorted(c["name"] for c in inspector.get_columns(name))
        table = known.get(name)
        if table is None or any(c not in table.c for c in present):
            table = Table(name, MetaData(), autoload_with=conn)  # a table or column of another version
        result = conn.execute(select(*(table.c[c] for c in present)).execution_options(yield_per=500))
        lines = sorted(_line(tuple(row)) for row in result)
        digest = hashlib.sha256(_line(tuple(present)).encode())
        for line in lines:
            digest.update(b"\n" + line.encode())
        out[name] = {"rows": len(lines), "sha256": digest.hexdigest()}
    return out
