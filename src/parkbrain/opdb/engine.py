"""The operational database: one engine, sessions for reading and for writing, migrations at start.

SQLite (the default, a file in the home) runs in WAL mode with foreign keys on and a busy
timeout; write transactions begin IMMEDIATE so that two writers queue instead of failing.
PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

BEGIN_OPTION = "parkbrain_sqlite_begin"


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
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", f"busy_timeout={busy_timeout_ms}",
                       "synchronous=FULL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        mode = connection.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str | URL, *, busy_timeout_ms: int = 15_000, pool_size: int = 10) -> Engine:
    """An engine for the operational database at `url` (SQLite file or PostgreSQL)."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError("the operational database needs a file (sqlite:///path), not :memory:")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, pool_size=pool_size, max_overflow=2 * pool_size,
                               connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
        _sqlite_events(engine, busy_timeout_ms)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported operational database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    return create_engine(parsed, pool_size=pool_size, max_overflow=2 * pool_size, pool_pre_ping=True)


class OperationalDB:
    """Accounts, service requests and audit: short transactions through `read()` and `write()`."""

    def __init__(self, url: str | URL, *, busy_timeout_ms: int = 15_000, upgrade: bool = True) -> None:
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
        writer = self.engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(writer, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue here in order instead of
        # polling the busy handler (whose growing sleeps make latency jump under load); other
        # processes still wait through the busy timeout.
        self._write_turn = threading.RLock() if self.backend == "sqlite" else nullcontext()
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
    def write(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on an exception."""
        with self._write_turn, self._writer.begin() as session:
            yield session

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
