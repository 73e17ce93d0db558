"""The operational database: migrations are the schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

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

def test_sqlite_commits_without_waiting_for_the_disk_and_write_flushes_the_log(tmp_path, monkeypatch):
    """synchronous=NORMAL: the commit itself does not wait for the disk; `write` flushes the log after it."""
    db = OperationalDB(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with db.read() as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        flushed = []
        original = engine_module.flush_to_disk
        monkeypatch.setattr(engine_module, "flush_to_disk", lambda log: flushed.append(log) or original(log))
        with db.write() as session:
            session.execute(text("UPDATE audit_head SET seq = seq"))
        with pytest.raises(RuntimeError), db.write() as session:
            raise RuntimeError("rolled back: nothing to flush")
        assert flushed == [tmp_path / "x.sqlite3-wal"]
        original(tmp_path / "no-such.sqlite3-wal")  # a checkpointed, removed log: nothing to do
    finally:
        db.close()


def grouped(db, names: list[str], failing: str | None = None) -> tuple[dict, dict, dict]:
    """Write work from threads: the first holds its group open until the others wait behind it.

    What each thread got, the session each piece last ran in, and how many times each piece ran.
    """
    first_started, release = threading.Event(), threading.Event()
    outcomes, sessions, runs = {}, {}, {}

    def work(name: str):
        def run(session):
            sessions[name], runs[name] = session.info.setdefault("tx", uuid.uuid4()), runs.get(name, 0) + 1
            record(session, actor=Actor(name, "officer", "-"), action="test.grouped", target=name)
            if name == names[0]:
                first_started.set()
                release.wait(10)
            if name == failing:
                raise LookupError(f"{name} refused")
            return name.upper()
        return run

    def call(name: str) -> None:
        try:
            outcomes[name] = db.write_grouped(work(name))
        except LookupError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=call, args=(name,)) for name in names]
    threads[0].start()
    assert first_started.wait(10)
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + 10
    while len(db._groups._waiting) < len(names) - 1 and time.monotonic() < deadline:
        time.sleep(0.01)  # the others queue behind the running group
    release.set()
    for t in threads:
        t.join(10)
    return outcomes, sessions, runs


def committed_targets(db) -> list[str]:
    with db.read() as session:
        assert verify(session).ok
        return session.scalars(select(AuditEntry.target).where(AuditEntry.action == "test.grouped")
                               .order_by(AuditEntry.seq)).all()


def test_work_arriving_while_a_group_commits_is_committed_together(opdb_url):
    db = OperationalDB(opdb_url)
    try:
        outcomes, sessions, runs = grouped(db, ["first", "b", "c", "d"])
        assert outcomes == {"first": "FIRST", "b": "B", "c": "C", "d": "D"}
        assert sessions["b"] == sessions["c"] == sessions["d"] != sessions["first"]  # one transaction for b, c, d
        assert runs == {"first": 1, "b": 1, "c": 1, "d": 1}
        assert committed_targets(db)[0] == "first" and sorted(committed_targets(db)) == ["b", "c", "d", "first"]
    finally:
        db.close()


def test_a_failing_piece_of_a_group_fails_alone(opdb_url):
    """The group is rolled back and each piece runs again alone: the others are committed, the
    failing one gets its exception and leaves nothing (not even its audit entry)."""
    db = OperationalDB(opdb_url)
    try:
        outcomes, sessions, runs = grouped(db, ["first", "b", "c", "d"], failing="c")
        assert (outcomes["first"], outcomes["b"], outcomes["d"]) == ("FIRST", "B", "D")
        assert isinstance(outcomes["c"], LookupError) and str(outcomes["c"]) == "c refused"
        assert runs["first"] == 1 and runs["c"] == 2  # b or d ran twice when it came before c in the group
        assert {runs["b"], runs["d"]} <= {1, 2}
        assert len({sessions["b"], sessions["c"], sessions["d"]}) == 3  # at last each ran alone
        targets = committed_targets(db)
        assert targets[0] == "first" and sorted(targets) == ["b", "d", "first"]
    finally:
        db.close()


def _terminate_backends(db: OperationalDB) -> int:
    """Kill every other server process of this test's PostgreSQL schema user (what a server restart does to the pool)."""
    import psycopg

    conninfo = db.engine.url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                            "AND application_name = 'pool-under-test'").fetchone()[0]


@pytest.mark.parametrize("rested_after", [0.0, float("inf")])
def test_a_rested_postgres_connection_that_died_is_replaced_before_use(postgres_database, monkeypatch, rested_after):
    """Connections are checked on checkout only after resting (`IDLE_PING_AFTER`), not on every checkout.

    A pooled connection whose server process died (a restart) is replaced before the read that would
    have failed, when it rested longer than the limit; with no check (limit infinite) the read fails,
    which shows the test can see the difference.
    """
    monkeypatch.setattr(engine_module, "IDLE_PING_AFTER", rested_after)
    url = engine_module.normalise_url(postgres_database).update_query_dict({"application_name": "pool-under-test"})
    db = OperationalDB(url, upgrade=False)
    try:
        with db.query() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        assert _terminate_backends(db) == 1
        if rested_after == 0.0:
            with db.query() as connection:
                assert connection.execute(text("SELECT 2")).scalar() == 2
        else:
            with pytest.raises(Exception, match="terminat|closed|server"), db.query() as connection:
                connection.execute(text("SELECT 2"))
    finally:
        db.close()


@pytest.mark.parametrize(("rested_after", "pinged"), [(engine_module.IDLE_PING_AFTER, 0), (0.0, 4)])
def test_a_busy_postgres_connection_is_not_pinged_on_checkout(postgres_database, monkeypatch, rested_after, pinged):
    """A connection back in the pool a moment ago is handed out without a round trip (no per-request
    ping); one that rested longer than the limit is pinged (the first checkout opens a fresh one)."""
    monkeypatch.setattr(engine_module, "IDLE_PING_AFTER", rested_after)
    db = OperationalDB(postgres_database, upgrade=False)
    pings = []
    original = db.engine.dialect.do_ping
    db.engine.dialect.do_ping = lambda connection: pings.append(1) or original(connection)
    try:
        for _ in range(5):
            with db.query() as connection:
                connection.execute(text("SELECT 1"))
        assert len(pings) == pinged
    finally:
        db.close()


@pytest.mark.parametrize("pool_size", [engine_module.POOL_SIZE, 4])
def test_the_pool_keeps_as_many_connections_as_the_threads_use(opdb_url, pool_size):
    """8 threads reading at once, then all at rest, 20 times over (a web app's bursts): with the default
    pool the 8 connections stay open (8 opened in all); with a pool of 4, the 4 beyond it are closed at
    each rest and opened again at the next burst (4 × 19 more: the churn the default avoids; SQLite runs
    its pragmas and PostgreSQL starts a server process for each)."""
    from sqlalchemy import event

    threads_at_once = 8
    assert threads_at_once <= 4 + engine_module.POOL_OVERFLOW  # else some would wait for a connection forever
    db = OperationalDB(opdb_url, pool_size=pool_size)
    idle = db.engine.pool.checkedin()  # the connection the migrations used, back in the pool
    opened = []
    event.listen(db.engine, "connect", lambda *_: opened.append(1))
    together = threading.Barrier(threads_at_once, timeout=60)

    def reader() -> None:
        for _ in range(20):
            together.wait()
            with db.query() as connection:
                connection.execute(text("SELECT 1"))
                together.wait()  # all of them hold a connection here
            together.wait()  # all of them gave theirs back

    try:
        threads = [threading.Thread(target=reader) for _ in range(threads_at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = threads_at_once if pool_size >= threads_at_once else threads_at_once + (threads_at_once - 4) * 19
        assert len(opened) + idle == expected
    finally:
        db.close()


def test_the_settings_default_pool_is_the_engines():
    from parkbrain.settings import Settings

    assert Settings.model_fields["database_pool_size"].default == engine_module.POOL_SIZE
