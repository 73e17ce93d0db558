"""The operational database: migrations are the schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from parkbrain.audit import Actor, record, verify
from parkbrain.audit.models import AuditEntry
from parkbrain.opdb import OperationalDB, normalise_url
from parkbrain.opdb import engine as engine_module
from parkbrain.opdb.migrate import current, differences, downgrade, head, metadata, upgrade

TABLES = {"users", "login_sessions", "login_attempts", "audit_log", "audit_head", "desk_requests",
          "desk_messages", "desk_attachments", "desk_meetings", "desk_reminders", "policy_notifications",
          "alembic_version"}


def test_models_and_migrations_agree(opdb_url):
    """What `alembic check` does: autogenerate finds nothing to change after upgrading to head."""
    db = OperationalDB(opdb_url)
    try:
        assert current(db.engine) == head()
        assert differences(db.engine) == []
        assert set(inspect(db.engine).get_table_names()) == TABLES
    finally:
        db.close()


def test_a_model_change_without_a_migration_is_caught(opdb_url):
    db = OperationalDB(opdb_url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE desk_meetings ADD COLUMN stray INTEGER"))
        found = differences(db.engine)
        assert any(d[0] == "remove_column" and d[3].name == "stray" for d in found), found
    finally:
        db.close()


def test_upgrade_is_idempotent_and_downgrade_empties(opdb_url):
    db = OperationalDB(opdb_url)
    try:
        upgrade(db.engine)  # a second start-up changes nothing
        with db.read() as session:
            assert session.execute(text("SELECT seq, hash FROM audit_head")).all() == [(0, "0" * 64)]
        downgrade(db.engine)
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(db.engine)
        assert differences(db.engine) == []
    finally:
        db.close()


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(tmp_path):
    db = OperationalDB(f"sqlite:///{tmp_path / 'x.sqlite3'}", busy_timeout_ms=4321)
    try:
        with db.read() as session:
            pragma = lambda name: session.execute(text(f"PRAGMA {name}")).scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 4321
        assert db.integrity_check() == []
        with pytest.raises(Exception, match="FOREIGN KEY"), db.write() as session:
            session.execute(text("INSERT INTO login_sessions (token_hash, user_id, csrf_token, created_at, "
                                 "last_seen_at, expires_at, ip, user_agent) VALUES ('x', 999, 'c', '2024-01-01', "
                                 "'2024-01-01', '2024-01-01', '', '')"))
    finally:
        db.close()


def test_postgres_urls_use_psycopg_3():
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="needs a file"):
        OperationalDB("sqlite:///:memory:")
    with pytest.raises(ValueError, match="unsupported"):
        OperationalDB("mysql://u@h/db")


def test_every_table_has_a_migration():
    assert set(metadata().tables) == TABLES - {"alembic_version"}


@pytest.mark.slow
def test_an_unreachable_postgres_fails_the_postgres_tests_with_a_clear_message(tmp_path):
    env = os.environ | {"PARKBRAIN_TEST_POSTGRES_URL": "postgresql+psycopg://postgres@127.0.0.1:9/none"}
    here = Path(__file__).resolve()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{here}::test_models_and_migrations_agree",
         "-k", "postgres", "--rootdir", str(here.parents[1])],
        capture_output=True, text=True, env=env, cwd=here.parents[1], timeout=120)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "unreachable" in result.stdout and "PARKBRAIN_TEST_POSTGRES_URL" in result.stdout
    assert "skipped" not in result.stdout


# ---- writers: queued in turn, committed in groups, on disk when acknowledged ----------------------

def test_sqlite_commits_without_waiting_for_the_disk_and_write_flushes_the_log(tmp_path):
    """synchronous=NORMAL: the commit itself does not wait for the disk; `write` flushes the log after it."""
    db = OperationalDB(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with db.read() as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        flushed = []
        original = engine_module.flush_to_disk
        engine_module.flush_to_disk = lambda log: flushed.append(log) or original(log)
        try:
            with db.write() as session:
                session.execute(text("UPDATE audit_head SET seq = seq"))
            with pytest.raises(RuntimeError), db.write() as session:
                raise RuntimeError("rolled back: nothing to flush")
        finally:
            engine_module.flush_to_disk = original
        assert flushed == [tmp_path / "x.sqlite3-wal"]
        engine_module.flush_to_disk(tmp_path / "no-such.sqlite3-wal")  # a checkpointed, removed log: nothing to do
    finally:
        db.close()


def test_concurrent_work_is_committed_in_groups_and_a_failing_piece_stays_alone(opdb_url):
    """While one group commits, work arriving meanwhile waits and is then committed together, in one
    transaction; the piece that fails is rolled back alone and its thread gets its exception."""
    db = OperationalDB(opdb_url)
    first_started, release = threading.Event(), threading.Event()
    sessions: dict[str, int] = {}
    outcomes: dict[str, object] = {}

    def work(name: str, fail: bool = False):
        def run(session):
            sessions[name] = id(session)
            record(session, actor=Actor(name, "officer", "-"), action="test.grouped", target=name)
            if name == "first":
                first_started.set()
                release.wait(10)
            if fail:
                raise LookupError(f"{name} refused")
            return name.upper()
        return run

    def call(name: str, fail: bool = False) -> None:
        try:
            outcomes[name] = db.write_grouped(work(name, fail))
        except LookupError as exc:
            outcomes[name] = exc

    try:
        leader = threading.Thread(target=call, args=("first",))
        leader.start()
        assert first_started.wait(10)
        others = [threading.Thread(target=call, args=(name, name == "c")) for name in ("b", "c", "d")]
        for t in others:
            t.start()
        deadline = time.monotonic() + 10
        while len(db._groups._waiting) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # b, c and d queue behind the running group
        release.set()
        for t in [leader, *others]:
            t.join(10)
        assert outcomes["first"] == "FIRST" and outcomes["b"] == "B" and outcomes["d"] == "D"
        assert isinstance(outcomes["c"], LookupError) and str(outcomes["c"]) == "c refused"
        assert sessions["b"] == sessions["c"] == sessions["d"] != sessions["first"]  # one transaction for b, c, d
        with db.read() as session:
            kept = session.scalars(select(AuditEntry.target).where(AuditEntry.action == "test.grouped")
                                   .order_by(AuditEntry.seq)).all()
            assert kept == ["first", "b", "d"]
            assert verify(session).ok
    finally:
        release.set()
        db.close()


WRITER = """
import sys, threading
from parkbrain.audit import Actor, record
from parkbrain.opdb import OperationalDB

url, name, rounds, busy = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = OperationalDB(url, busy_timeout_ms=busy, upgrade=False)
print("ready", flush=True)
sys.stdin.readline()  # everyone starts together

def writer(t):
    for i in range(rounds):
        actor = Actor(f"{name}-{t}", "officer", "-")
        if i % 2:
            db.write_grouped(lambda session: record(session, actor=actor, action="test.race", target=f"{name}:{t}:{i}"))
        else:
            with db.write() as session:
                record(session, actor=actor, action="test.race", target=f"{name}:{t}:{i}")

threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
db.close()
"""


def race(url: str, processes: int, rounds: int, busy_timeout_ms: int) -> list[subprocess.CompletedProcess]:
    """Writers in several processes (three threads each) appending to the audit log at the same moment."""
    children = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"p{k}", str(rounds), str(busy_timeout_ms)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for k in range(processes)]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    return [subprocess.CompletedProcess(c.args, c.wait(120), *c.communicate()) for c in children]


@pytest.mark.slow
def test_writers_of_several_processes_take_turns_without_polling_sqlite(tmp_path):
    """Processes queue for SQLite's one writer on a file lock: with a busy timeout of 1 ms, which
    SQLite's own waiting could not meet under this contention, no writer is refused."""
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    OperationalDB(url).close()
    results = race(url, processes=3, rounds=20, busy_timeout_ms=1)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-2000:] for r in results]
    db = OperationalDB(url)
    try:
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(AuditEntry)) == 3 * 3 * 20
            assert verify(session).ok
    finally:
        db.close()
