"""The operational database: one engine, sessions for reading and for writing, migrations at start.

SQLite (the default, a file in the home) runs in WAL mode with foreign keys on and a busy
timeout; write transactions begin IMMEDIATE, and writers of every thread and process take turns
(`WriterTurns`) instead of failing or polling. A write is on disk when `write` returns. Hot writes
(the desk's) go through `write_grouped`: work arriving together is committed together (`CommitGroups`).
PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, Generic, TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: threads still queue, processes use the busy timeout
    fcntl = None

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

BEGIN_OPTION = "parkbrain_sqlite_begin"
T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item of batched work


def normalise_url(url: str | URL) -> URL:
    """The URL with the psycopg 3 driver for PostgreSQL (``postgresql://`` alone means psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_events(engine: Engine, busy_timeout_ms: int) -> None:
    """Pragmas on every new connection; BEGIN emitted by us (DEFERRED or IMMEDIATE)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own
        cursor = dbapi_connection.cursor()
        # synchronous=NORMAL: a commit writes the log without waiting for the disk; `OperationalDB.write`
        # flushes it to disk after the write lock is released, before the change is acknowledged.
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", f"busy_timeout={busy_timeout_ms}",
                       "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


POOL_SIZE = 40  # the web app's threads (anyio's default limit): each may hold one connection at a time
POOL_OVERFLOW = 5  # beyond that, connections opened for the moment and closed when returned
IDLE_PING_AFTER = 10.0  # seconds a pooled PostgreSQL connection may rest before it is checked on checkout


def make_engine(url: str | URL, *, busy_timeout_ms: int = 15_000, pool_size: int = POOL_SIZE) -> Engine:
    """An engine for the operational database at `url` (SQLite file or PostgreSQL).

    The pool keeps `pool_size` connections open: as many as the process uses at once, since a
    connection opened and closed per request (the pool's overflow) costs more than the request's
    queries (SQLite's pragmas; a PostgreSQL server process started and authenticated).
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the operational database needs a file (sqlite:///path), not :memory:")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, pool_size=pool_size, max_overflow=POOL_OVERFLOW,
                               connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
        _sqlite_events(engine, busy_timeout_ms)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported operational database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    engine = create_engine(parsed, pool_size=pool_size, max_overflow=POOL_OVERFLOW)
    _ping_when_idle(engine, IDLE_PING_AFTER)
    return engine


def _ping_when_idle(engine: Engine, after: float) -> None:
    """Check a pooled connection on checkout when it rested more than `after` seconds (a restarted or
    restarting server, a firewall that dropped it); a dead one is replaced before anyone uses it.

    SQLAlchemy's `pool_pre_ping` checks on every checkout, a round trip per request on a busy desk,
    where connections never rest that long. A connection that dies while busy fails its request, and
    SQLAlchemy then retires every connection opened before it (the pool's invalidation).
    """

    @event.listens_for(engine, "checkin")
    def _rested_since(_dbapi_connection, record) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        rested = time.monotonic() - record.info.get("checked_in", float("inf"))  # -inf: opened just now
        if rested <= after:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection is gone: {exc}") from exc


def flush_to_disk(log: Path) -> None:
    """Flush a SQLite write-ahead log to disk (all its committed transactions become durable).

    A missing log was checkpointed into the database file, which the checkpoint flushed itself.
    """
    try:
        descriptor = os.open(log, os.O_RDWR)
    except FileNotFoundError:
        return
    try:
        getattr(os, "fdatasync", os.fsync)(descriptor)
    finally:
        os.close(descriptor)


class WriterTurns:
    """SQLite's one writer at a time, taken in turn: the threads of a process queue on a lock, the
    processes (web workers, the command line) on an exclusive `flock` of a file beside the database.

    Waiters sleep in the kernel and the next one is woken at once. Left to SQLite's busy handler
    they would poll with sleeps growing to 100 ms, and a busy process could starve another.
    """

    def __init__(self, lock_file: Path | None) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._lock_file = lock_file if fcntl is not None else None
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own (flock is per open file)
            self._fd, self._pid = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    def __enter__(self) -> WriterTurns:
        self._lock.acquire()
        if self._depth == 0 and self._lock_file is not None:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            except BaseException:
                self._lock.release()
                raise
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._lock_file is not None:
                fcntl.flock(self._descriptor(), fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def close(self) -> None:
        """Close the lock file (a later turn opens it again)."""
        with self._lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None


@dataclass(frozen=True)
class Batched(Generic[I, T]):
    """Write work that can run together with others of its kind in one call: `many(session, items)`
    returns one result per item, in order (say, one multi-row INSERT for many filings)."""

    many: Callable[[Session, list[I]], list[T]]
    item: I

    def __call__(self, session: Session) -> T:
        """The work alone."""
        return self.many(session, [self.item])[0]


@dataclass(eq=False)
class _Work:
    """One thread's write work waiting for its group's transaction, and what came of it."""

    run: Callable[[Session], Any]
    woken: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    committed: bool = False
    result: Any = None
    error: BaseException | None = None


class CommitGroups:
    """Group commit: the write work of threads arriving together runs in one transaction.

    The first thread to arrive leads: it takes the waiting work (up to `most`), runs it in one
    transaction (consecutive `Batched` work of one kind in one call), commits once and flushes the
    disk once, wakes the others and hands the lead to the next waiting thread. Writes are serialised by the database anyway (SQLite's one writer, the
    audit chain's head row): grouping makes one lock turn, one commit and one flush serve many
    requests. When a piece fails, the group is rolled back and each piece runs again alone, so
    one refusal costs the others a second run, never their result.
    """

    def __init__(self, write: Callable[[], AbstractContextManager[Session]], most: int = 64) -> None:
        self._write, self._most = write, most
        self._lock = threading.Lock()
        self._waiting: list[_Work] = []
        self._leading = False

    def run(self, run: Callable[[Session], T]) -> T:
        """Run `run(session)` in a group's transaction; its result once committed, or its exception."""
        work = _Work(run)
        with self._lock:
            self._waiting.append(work)
            follow, self._leading = self._leading, True
        if follow:
            work.woken.wait()  # finished by a leader, or made the leader
        if not work.finished:
            self._lead()
        if work.error is not None:
            raise work.error
        return work.result

    def _lead(self) -> None:
        with self._lock:
            group, self._waiting = self._waiting[:self._most], self._waiting[self._most:]
        try:
            self._commit(group)
        except BaseException as exc:  # interrupted: what was not committed fails with the reason
            for work in group:
                work.error = work.error or (None if work.committed else exc)
            raise
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].woken.set()  # the next leader (the lead stays taken)
                else:
                    self._leading = False
            for work in group:
                work.finished = True
                work.woken.set()

    def _commit(self, group: list[_Work]) -> None:
        """Run the group in one transaction; when that fails, each piece alone (its error is its own)."""
        if len(group) > 1:
            try:
                self._together(group)
                return
            except Exception:  # noqa: BLE001 - which piece failed is found by running each alone
                pass
        for work in group:
            try:
                self._together([work])
            except Exception as exc:  # noqa: BLE001 - handed to the thread whose work it was
                work.error = exc

    def _together(self, pieces: list[_Work]) -> None:
        with self._write() as session:
            for kind, runs in groupby(pieces, key=lambda w: w.run.many if isinstance(w.run, Batched) else w):
                runs = list(runs)
                if len(runs) == 1:
                    runs[0].result = runs[0].run(session)
                    continue
                for work, result in zip(runs, kind(session, [w.run.item for w in runs]), strict=True):
                    work.result = result
        for work in pieces:
            work.committed = True


class OperationalDB:
    """Accounts, service requests and audit: short transactions through `read()`, `query()` and `write()`."""

    def __init__(self, url: str | URL, *, busy_timeout_ms: int = 15_000, pool_size: int = POOL_SIZE,
                 upgrade: bool = True) -> None:
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size)
        writer = self.engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(writer, expire_on_commit=False)
        # PostgreSQL's READ COMMITTED gives each statement its own snapshot, in a transaction or not:
        # reading outside one spares the BEGIN and ROLLBACK round trips. SQLite's read transaction
        # keeps one snapshot for all its statements, for the price of two calls into the library.
        self._queries = self.engine if self.backend == "sqlite" else \
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
        # PostgreSQL has row locks (the audit head is locked FOR UPDATE); SQLite one writer at a time.
        sqlite = self.backend == "sqlite"
        self._write_turn = WriterTurns(Path(self.engine.url.database + "-writers")) if sqlite else nullcontext()
        self._log = Path(self.engine.url.database + "-wal") if sqlite else None
        self._groups = CommitGroups(self.write)
        if upgrade:
            self.upgrade()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; whatever it did is rolled back at the end."""
        with self._reader() as session:
            yield session

    @contextmanager
    def query(self) -> Iterator[Connection]:
        """A plain connection for reading with Core statements: rows, no ORM objects (the cheap way for
        the hot pages). Not for writing: on PostgreSQL each statement commits on its own."""
        with self._queries.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on an exception.

        On return the commit is on disk. On SQLite the log is flushed after the write lock is
        released: the next writer need not wait for this one's disk, and writers committing
        meanwhile share one flush.
        """
        with self._write_turn, self._writer.begin() as session:
            yield session
        if self._log is not None:
            flush_to_disk(self._log)

    def write_grouped(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a write transaction shared with other threads' work arriving meanwhile
        (see `CommitGroups`; `Batched` work of one kind runs in one call); its result once committed and
        on disk, or its exception (nothing of it stored).

        `work` must not commit, roll back or write through the database otherwise, and must change
        nothing outside the session: when another piece of its group fails, it runs a second time.
        """
        return self._groups.run(work)

    def upgrade(self) -> None:
        """Bring the schema to the latest migration (the schema changes only through migrations)."""
        from parkbrain.opdb.migrate import upgrade

        upgrade(self.engine)

    def integrity_check(self) -> list[str]:
        """Problems found by the database's own checks; empty when sound."""
        with self.engine.connect() as conn:
            if self.backend != "sqlite":
                conn.execute(text("SELECT count(*) FROM audit_log"))  # reads through the table's pages
                return []
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            problems = [p for p in problems if p != "ok"]
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            return problems + [f"foreign key: {tuple(row)}" for row in fk]

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if isinstance(self._write_turn, WriterTurns):
            self._write_turn.close()
