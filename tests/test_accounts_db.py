"""The operational database: migrations are the schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from parkbrain.opdb import OperationalDB, normalise_url
from parkbrain.opdb.migrate import current, differences, downgrade, head, metadata, upgrade

TABLES = {"users", "login_sessions", "login_attempts", "audit_log", "audit_head", "desk_requests",
          "desk_messages", "desk_attachments", "desk_meetings", "desk_reminders", "alembic_version"}


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
