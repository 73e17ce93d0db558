"""The Spark warehouse: parquet tables under one directory, reached through Ibis on PySpark.

Layout under the root (a local path, or any URI Hadoop reads: hdfs://, s3a://...):

- ``<table>/<part>/``: parquet directories, written once and never changed;
- ``_catalog/<n>.json``: which parts make up each table (and their row counts). The highest
  ``n`` is in force. A commit writes catalog ``n + 1`` under a temporary name and renames it,
  so a failure before the rename leaves catalog ``n`` (and its data) as it was: all or nothing,
  like DuckDB's transactions. After a commit, parts neither of the last two catalogs names
  are deleted.

Writes: ``append`` adds a part; ``upsert``, ``delete_where`` and ``truncate`` write the table
anew (or empty it). Each table is a temporary view of its parts in a session of its own, so
Ibis expressions over ``warehouse.table(name)`` compile to Spark SQL unchanged; inside a
transaction the views show the staged parts (a transaction reads its own writes).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from parkbrain.warehouse.base import UpsertCounts, Warehouse
from parkbrain.warehouse.schema import TABLES

try:
    import pyspark.sql.functions as F
    import pyspark.sql.types as T
    from pyspark.sql import SparkSession
except ImportError:  # the extra is missing: spark_session() says what to install
    F = T = SparkSession = None

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)
INSTALL_HINT = "the spark warehouse backend needs PySpark: pip install 'parkbrain[spark]' (and Java 17)"
MAX_PARTS = 16  # appends beyond this many parts rewrite the table as one
CATALOG = "_catalog"
# What every session of the backend needs: results as DuckDB gives them, nothing on the network.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",  # NULL on x/0 as Ibis expects, not an error
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",  # readable by DuckDB and pyarrow too
}


def spark_session(master: str = "local[2]", *, driver_memory: str = "4g",
                  conf: dict[str, str] | None = None) -> SparkSession:
    """The process's SparkSession (started on first use: the JVM lives as long as the process)."""
    if SparkSession is None:
        raise ImportError(INSTALL_HINT)
    builder = SparkSession.builder.master(master).appName("parkbrain")
    settings = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                "spark.driver.memory": driver_memory, "spark.sql.shuffle.partitions": "8",
                **SESSION_CONF}
    if master.startswith("local"):
        settings |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    for key, value in (settings | (conf or {})).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@cache
def _ibis_backend() -> type:
    """Ibis's PySpark backend with what ParkBrain needs added (built on first use: it imports PySpark)."""
    from ibis.backends.pyspark import Backend
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    ibis.pyspark  # noqa: B018 - loading the backend registers its options (ibis.options.pyspark)

    class Compiler(PySparkCompiler):
        """Spark SQL with the aggregates Ibis lacks for it and Spark has."""

        __slots__ = ()

        def visit_BitXor(self, op, *, arg, where):
            return self.agg.bit_xor(arg, where=where)

    class IbisSpark(Backend):
        """In-memory tables handed to Spark as arrow (not through pandas); timestamps in UTC."""

        compiler = Compiler()

        def _register_in_memory_table(self, op: ops.InMemoryTable) -> None:
            data = _plain(op.data.to_pyarrow(op.schema))
            self._session.createDataFrame(data, schema=_struct(data.schema)).createOrReplaceTempView(op.name)

        def get_schema(self, table_name: str, *, catalog: str | None = None, database: str | None = None):
            # Spark keeps instants (shown in the session's UTC); DuckDB calls the same TIMESTAMPTZ.
            schema = super().get_schema(table_name, catalog=catalog, database=database)
            return ibis.schema({name: dt.Timestamp(timezone="UTC", nullable=t.nullable)
                                if t.is_timestamp() and t.timezone is None else t for name, t in schema.items()})

        def _make_memtable_finalizer(self, name: str):
            catalog = self._session.catalog
            return lambda: catalog.dropTempView(name)

    return IbisSpark


def _spark_type(arrow_type: pa.DataType) -> T.DataType:
    plain = {pa.string(): T.StringType(), pa.large_string(): T.StringType(), pa.float64(): T.DoubleType(),
             pa.int64(): T.LongType(), pa.int32(): T.IntegerType(), pa.date32(): T.DateType(),
             pa.bool_(): T.BooleanType()}
    if arrow_type in plain:
        return plain[arrow_type]
    if pa.types.is_timestamp(arrow_type):
        return T.TimestampType()
    if pa.types.is_dictionary(arrow_type):
        return _spark_type(arrow_type.value_type)
    if pa.types.is_integer(arrow_type):
        return T.LongType()
    if pa.types.is_floating(arrow_type):
        return T.DoubleType()
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return T.ArrayType(_spark_type(arrow_type.value_type))
    if pa.types.is_struct(arrow_type):
        return T.StructType([T.StructField(f.name, _spark_type(f.type)) for f in arrow_type])
    raise TypeError(f"no Spark type for arrow {arrow_type}")


def _plain(table: pa.Table) -> pa.Table:
    """The table with dictionary-encoded columns decoded (Spark takes plain arrays)."""
    if not any(pa.types.is_dictionary(f.type) for f in table.schema):
        return table
    return table.cast(pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                                 for f in table.schema]))


def _struct(schema: pa.Schema) -> T.StructType:
    return T.StructType([T.StructField(f.name, _spark_type(f.type)) for f in schema])


@dataclass(frozen=True)
class Part:
    """One parquet directory of a table and its row count."""

    path: str
    rows: int


Parts = tuple[Part, ...]


class _Files:
    """The few file operations the catalog needs, through Hadoop's FileSystem (any scheme Spark reads)."""

    def __init__(self, session: SparkSession, root: str) -> None:
        self.jvm = session.sparkContext._jvm
        self.root = root.rstrip("/")
        path = self.path(self.root)
        self.fs = path.getFileSystem(session.sparkContext._jsc.hadoopConfiguration())

    def path(self, location: str):
        return self.jvm.org.apache.hadoop.fs.Path(location)

    def names(self, folder: str) -> list[str]:
        p = self.path(folder)
        if not self.fs.exists(p):
            return []
        return sorted(s.getPath().getName() for s in self.fs.listStatus(p))

    def read(self, location: str) -> str:
        stream = self.fs.open(self.path(location))
        try:
            return bytes(self.jvm.org.apache.commons.io.IOUtils.toByteArray(stream)).decode("utf-8")
        finally:
            stream.close()

    def publish(self, location: str, text: str) -> None:
        """Write a file under a temporary name, then rename it into place (refused if it exists)."""
        final = self.path(location)
        if self.fs.exists(final):
            raise RuntimeError(f"{location} exists: another process wrote the warehouse at the same time; "
                               "run the command again")
        temp = self.path(f"{location}.{uuid.uuid4().hex}.tmp")
        out = self.fs.create(temp, False)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()
        if not self.fs.rename(temp, final):
            self.fs.delete(temp, False)
            raise RuntimeError(f"could not publish {location}: another process wrote the warehouse at the "
                               "same time; run the command again")

    def delete(self, location: str) -> None:
        self.fs.delete(self.path(location), True)


class SparkWarehouse(Warehouse):
    """Warehouse of parquet tables under `root`, queried with Spark SQL through Ibis."""

    name = "spark"

    def __init__(self, root: str, session: SparkSession, *, read_only: bool = False) -> None:
        # A session of its own: its temporary views (the tables) do not meet another warehouse's.
        self.session = session.newSession()
        for key, value in SESSION_CONF.items():
            self.session.conf.set(key, value)
        self.root = root.rstrip("/")
        self.read_only = read_only
        self.lock = threading.RLock()
        self.files = _Files(self.session, self.root)
        self.ibis = _ibis_backend()().connect(self.session)
        self._version, self._committed = self._read_catalog()
        self._staged: dict[str, Parts] | None = None  # in a transaction: the tables as they will be
        self._written: list[str] = []  # parts written in the transaction (deleted if it fails)
        self._views: dict[str, Parts] = {}
        self._exprs: dict[str, ir.Table] = {}

    # ---- the catalog -----------------------------------------------------------------------

    def _catalog_names(self) -> list[str]:
        return [n for n in self.files.names(f"{self.root}/{CATALOG}") if n.endswith(".json")]

    def _read_catalog(self) -> tuple[int, dict[str, Parts]]:
        names = self._catalog_names()
        if not names:
            return 0, {name: () for name in TABLES}
        latest = names[-1]
        data = json.loads(self.files.read(f"{self.root}/{CATALOG}/{latest}"))
        tables = {name: tuple(Part(p["path"], p["rows"]) for p in data["tables"].get(name, []))
                  for name in TABLES}
        return int(latest.removesuffix(".json")), tables

    def _refresh(self) -> None:
        """Take up a catalog another process committed since (outside transactions)."""
        names = self._catalog_names()
        if names and int(names[-1].removesuffix(".json")) != self._version:
            self._version, self._committed = self._read_catalog()

    def _parts(self, name: str) -> Parts:
        return (self._staged if self._staged is not None else self._committed)[name]

    def _commit(self) -> None:
        staged = self._staged
        assert staged is not None
        if staged == self._committed:
            return
        version = self._version + 1
        body = {"version": version, "tables": {
            name: [{"path": p.path, "rows": p.rows} for p in parts] for name, parts in staged.items()}}
        self.files.publish(f"{self.root}/{CATALOG}/{version:020d}.json", json.dumps(body, ensure_ascii=False))
        previous = self._committed
        self._version, self._committed = version, staged
        try:  # committed: a part left behind costs disk, never data
            self._collect(previous)
        except Exception as exc:
            log.warning("could not delete old parts under %s (%s); the next commit retries", self.root, exc)

    def _collect(self, previous: dict[str, Parts]) -> None:
        """Delete parts neither of the last two catalogs names, and older catalogs."""
        keep = {p.path for parts in (*previous.values(), *self._committed.values()) for p in parts}
        for name in TABLES:
            for folder in self.files.names(f"{self.root}/{name}"):
                if f"{name}/{folder}" not in keep:
                    self.files.delete(f"{self.root}/{name}/{folder}")
        for old in self._catalog_names()[:-2]:
            self.files.delete(f"{self.root}/{CATALOG}/{old}")

    # ---- reading ---------------------------------------------------------------------------

    def _frame(self, name: str) -> DataFrame:
        """The table as a Spark DataFrame over its current parts."""
        parts = self._parts(name)
        schema = _struct(TABLES[name].schema)
        if not parts:
            return self.session.createDataFrame([], schema)
        return self.session.read.schema(schema).parquet(*(f"{self.root}/{p.path}" for p in parts))

    def _show(self, name: str) -> None:
        """Point the table's view at its current parts."""
        parts = self._parts(name)
        if self._views.get(name) != parts:
            self._frame(name).createOrReplaceTempView(name)
            self._views[name] = parts

    def table(self, name: str):
        if name not in TABLES:
            raise KeyError(f"no warehouse table {name!r}; tables are {', '.join(TABLES)}")
        with self.lock:
            if self._staged is None:
                self._refresh()
            self._show(name)
            if name not in self._exprs:  # the view's name and schema stay; asking Spark costs a query plan
                self._exprs[name] = self.ibis.table(name)
            return self._exprs[name]

    def to_arrow(self, expr) -> pa.Table:
        table_expr = expr.as_table()
        with self.lock:
            self.ibis._run_pre_execute_hooks(table_expr)
            with warnings.catch_warnings():
                # PySpark leaves the socket it collects through to the garbage collector.
                warnings.simplefilter("ignore", ResourceWarning)
                result = self.session.sql(self.ibis.compile(table_expr)).toArrow()
        result = _conform(result, table_expr.schema().to_pyarrow())
        if isinstance(expr, ir.Table):
            return result
        return result.column(0) if isinstance(expr, ir.Column) else result.column(0)[0]

    def scalar(self, expr):
        return self.to_arrow(expr).as_py()

    def count(self, name: str) -> int:
        with self.lock:
            if self._staged is None:
                self._refresh()
            return sum(p.rows for p in self._parts(name))

    # ---- writing ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            if self._staged is not None:  # joins the transaction in progress
                yield
                return
            self._refuse_if_read_only()
            self._refresh()
            self._staged, self._written = dict(self._committed), []
            try:
                yield
                self._commit()
            except BaseException:
                self._rollback()
                raise
            finally:
                touched = [n for n in TABLES if self._views.get(n) not in (None, self._committed[n])]
                self._staged, self._written = None, []
                for name in touched:
                    self._show(name)

    def _rollback(self) -> None:
        for path in self._written:
            self.files.delete(f"{self.root}/{path}")

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise PermissionError(f"the warehouse at {self.root} was opened read-only; open it for writing")

    def _input(self, name: str, data: pa.Table) -> DataFrame:
        """Rows for a table as a Spark DataFrame (columns in order, dictionaries decoded)."""
        schema = TABLES[name].schema
        data = data.select(schema.names).cast(schema)
        return self.session.createDataFrame(data, schema=_struct(schema))

    def _write(self, name: str, frame: DataFrame, rows: int | None = None) -> Part:
        path = f"{name}/{uuid.uuid4().hex}"
        self._written.append(path)
        frame.write.mode("error").parquet(f"{self.root}/{path}")
        if rows is None:
            rows = self.session.read.schema(_struct(TABLES[name].schema)).parquet(f"{self.root}/{path}").count()
        return Part(path, rows)

    def _set(self, name: str, parts: Parts) -> None:
        assert self._staged is not None
        self._staged[name] = parts
        self._show(name)

    def upsert(self, name: str, data: pa.Table) -> UpsertCounts:
        keys = list(TABLES[name].key)
        with self.transaction():
            if data.num_rows == 0:
                return UpsertCounts(0, 0, 0)
            new = self._input(name, data)
            if not any(p.rows for p in self._parts(name)):
                self._set(name, (self._write(name, new, data.num_rows),))
                return UpsertCounts(inserted=data.num_rows, updated=0, unchanged=0)
            stored = self._frame(name)
            # Rows that differ from what is stored, by value (EXCEPT: NULLs compare equal).
            delta = new.subtract(stored).persist()
            try:
                changed_rows = delta.count()
                if not changed_rows:
                    return UpsertCounts(inserted=0, updated=0, unchanged=data.num_rows)
                changed = delta.join(stored.select(keys), keys, "left_semi").count()
                kept = stored.join(F.broadcast(delta.select(keys)) if changed_rows < 100_000
                                   else delta.select(keys), keys, "left_anti")
                self._set(name, (self._write(name, kept.unionByName(delta)),))
            finally:
                delta.unpersist()
        return UpsertCounts(inserted=changed_rows - changed, updated=changed,
                            unchanged=data.num_rows - changed_rows)

    def append(self, name: str, data: pa.Table) -> None:
        with self.transaction():
            if data.num_rows == 0:
                return
            parts, new = self._parts(name), self._input(name, data)
            if len(parts) < MAX_PARTS:
                self._set(name, (*parts, self._write(name, new, data.num_rows)))
            else:  # one part again: a table read from many small files is slow to plan
                rows = sum(p.rows for p in parts) + data.num_rows
                self._set(name, (self._write(name, self._frame(name).unionByName(new), rows),))

    def delete_where(self, name: str, column: str, values: list) -> int:
        if not values:
            return 0
        with self.transaction():
            stored = self._frame(name)
            field = TABLES[name].schema.field(column)
            keys = self.session.createDataFrame(
                pa.table({column: pa.array(values, field.type)}), schema=_struct(pa.schema([field]))).distinct()
            deleted = stored.join(F.broadcast(keys), column, "left_semi").count()
            if deleted:
                remaining = sum(p.rows for p in self._parts(name)) - deleted
                kept = stored.join(F.broadcast(keys), column, "left_anti")
                self._set(name, (self._write(name, kept, remaining),) if remaining else ())
        return deleted

    def truncate(self, name: str) -> None:
        with self.transaction():
            self._set(TABLES[name].name, ())

    def close(self) -> None:
        """Drop the session's views; the JVM stays for the process's other sessions."""
        with self.lock:
            for name in self._views:
                self.session.catalog.dropTempView(name)
            self._views, self._exprs = {}, {}


def _conform(result: pa.Table, schema: pa.Schema) -> pa.Table:
    """Spark's arrow result in the types Ibis promised; timestamps stay in UTC as DuckDB gives them."""
    fields = []
    for field, got in zip(schema, result.schema, strict=True):
        want = field.type
        if pa.types.is_timestamp(want) and want.tz is None and pa.types.is_timestamp(got.type):
            want = pa.timestamp(want.unit, tz="UTC")
        fields.append(pa.field(field.name, want))
    return result.rename_columns(schema.names).cast(pa.schema(fields))


def copy_to_duckdb(root: str | Path, target: Path) -> dict[str, int]:
    """Copy the tables a Spark warehouse has committed into a DuckDB file, without a JVM.

    For the web app: it reads the copy, the cluster keeps the heavy jobs. `root` must be a local
    or mounted path (the parquet parts are read by DuckDB). Returns the rows per table.
    """
    from parkbrain.warehouse.duckdb import DuckDBWarehouse

    folder = Path(root)
    if "://" in str(root) or not folder.is_dir():
        raise ValueError(f"{root} is not a local folder: mount the Spark warehouse's storage here, "
                         "or copy its folder, then copy from that path")
    catalogs = sorted((folder / CATALOG).glob("*.json"))
    tables = json.loads(catalogs[-1].read_text(encoding="utf-8"))["tables"] if catalogs else {}
    copy = DuckDBWarehouse(target)
    counts = {}
    try:
        with copy.transaction():
            for name, spec in TABLES.items():
                copy.truncate(name)
                files = [str(f) for part in tables.get(name, [])
                         for f in sorted((folder / part["path"]).glob("*.parquet"))]
                if files:
                    cols = ", ".join(f'"{c}"' for c in spec.schema.names)
                    copy.con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM read_parquet(?)', [files])
                counts[name] = copy.count(name)
    finally:
        copy.close()
    return counts
