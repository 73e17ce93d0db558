"""The audit log: hash-chained, append-only, written in the transaction of the change; tampering is found."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading

import pytest
from sqlalchemy import event, func, select, text

from parkbrain.audit import GENESIS, Actor, record, verify
from parkbrain.audit.models import AuditEntry, AuditHead
from parkbrain.opdb import OperationalDB

WHO = Actor("alice", "officer", "10.1.2.3", 7)


@pytest.fixture
def db(opdb_url):
    database = OperationalDB(opdb_url)
    yield database
    database.close()


def fill(db, n: int = 5) -> None:
    for i in range(n):
        with db.write() as session:
            record(session, actor=WHO, action="desk.reply", target=f"desk_request:{i}", detail={"n": i, "文": "中"})


def tamper(db, *statements: str) -> None:
    """What someone with write access to the database could do: lift the append-only guard and edit."""
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        for statement in statements:
            conn.execute(text(statement))


def check(db):
    with db.read() as session:
        return verify(session)


def test_each_hash_covers_the_previous_hash_and_the_entry(db):
    fill(db, 3)
    with db.read() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        head = session.get(AuditHead, 1)
    prev = GENESIS
    for entry in entries:  # recomputed here by hand, not with the module's own function
        fields = {"seq": entry.seq, "at": entry.at, "actor": "alice", "role": "officer", "action": "desk.reply",
                  "target": entry.target, "detail": entry.detail, "ip": "10.1.2.3"}
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert entry.prev_hash == prev
        assert entry.hash == hashlib.sha256((prev + canonical).encode()).hexdigest()
        prev = entry.hash
    assert entries[0].detail == '{"n":0,"文":"中"}' and entries[0].at.endswith("Z")
    assert (head.seq, head.hash) == (3, prev)
    report = check(db)
    assert report.ok and report.entries == 3 and report.head_hash == prev


def test_the_log_refuses_updates_and_deletes(db):
    fill(db, 2)
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log WHERE seq = 1"):
        with pytest.raises(Exception, match="append-only"), db.write() as session:
            session.execute(text(statement))
    assert check(db).ok


def test_a_modified_entry_is_found(db):
    fill(db)
    tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    report = check(db)
    assert not report.ok
    assert any("entry 3 was modified" in p for p in report.problems), report.problems


def test_a_deleted_entry_is_found(db):
    fill(db)
    tamper(db, "DELETE FROM audit_log WHERE seq = 2")
    report = check(db)
    assert any("2..2 are missing" in p for p in report.problems), report.problems
    assert any("entry 3 does not follow" in p for p in report.problems)


def test_a_deleted_last_entry_is_found(db):
    fill(db)
    tamper(db, "DELETE FROM audit_log WHERE seq = 5")
    assert any("head says 5" in p for p in check(db).problems)


def test_an_inserted_entry_is_found(db):
    fill(db, 4)
    with db.read() as session:
        second = session.get(AuditEntry, 2)
        forged = {"seq": 3, "at": second.at, "actor": "mallory", "role": "admin", "action": "account.create",
                  "target": "user:mallory", "detail": "{}", "ip": "10.6.6.6"}
    from parkbrain.audit.chain import entry_hash

    digest = entry_hash(second.hash, forged)  # a well-formed entry chained to entry 2 ...
    columns = ", ".join(forged) + ", prev_hash, hash"
    values = ", ".join(f":{k}" for k in forged) + ", :prev_hash, :hash"
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.execute(text("UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3"))  # ... squeezed in
        conn.execute(text("UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103"))
        conn.execute(text(f"INSERT INTO audit_log ({columns}) VALUES ({values})"),
                     forged | {"prev_hash": second.hash, "hash": digest})
    problems = check(db).problems
    assert any("entry 4 does not follow" in p for p in problems), problems
    assert any("entry 4 was modified" in p for p in problems)


def test_an_entry_appended_behind_the_heads_back_is_found(db):
    fill(db, 2)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (seq, at, actor, role, action, target, detail, ip, prev_hash, hash) "
                          "SELECT 3, at, actor, role, action, target, detail, ip, hash, hash FROM audit_log WHERE seq = 2"))
    problems = check(db).problems
    assert any("entry 3 was modified" in p for p in problems) and any("head says 2" in p for p in problems)


def test_the_entry_is_written_in_the_transaction_of_the_change(db):
    fill(db, 1)
    with pytest.raises(RuntimeError), db.write() as session:
        record(session, actor=WHO, action="desk.file", target="desk_request:9")
        raise RuntimeError("the change fails after its audit entry was written")
    with db.read() as session:
        assert session.scalar(select(AuditHead.seq)) == 1
        assert session.scalars(select(AuditEntry.action)).all() == ["desk.reply"]
    assert check(db).ok


def test_concurrent_writers_keep_one_chain(db):
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(8):
                with db.write() as session:
                    record(session, actor=Actor(f"user{k}", "officer", "-"), action="x", target=f"{k}:{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = check(db)
    assert report.ok and report.entries == 32, report.problems


def test_a_transaction_reads_the_head_once_and_a_rolled_back_savepoint_is_forgotten(db):
    """Entries of one transaction chain onto the head it wrote (one read of the head row); after a
    savepoint is rolled back the head is read again, so the chain goes on from what was kept."""
    heads_read = []
    listen = lambda conn, cursor, statement, *rest: heads_read.append(1) if "FROM audit_head" in statement else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        with db.write() as session:
            for i in range(3):
                record(session, actor=WHO, action="desk.reply", target=f"kept:{i}")
            assert len(heads_read) == 1
            with pytest.raises(RuntimeError), session.begin_nested():
                record(session, actor=WHO, action="desk.reply", target="rolled back")
                raise RuntimeError("the savepoint is rolled back")
            record(session, actor=WHO, action="desk.reply", target="kept:3")
        with db.write() as session:
            record(session, actor=WHO, action="desk.reply", target="kept:4")
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    with db.read() as session:
        entries = session.execute(select(AuditEntry.seq, AuditEntry.target).order_by(AuditEntry.seq)).all()
    assert [tuple(e) for e in entries] == [(i + 1, f"kept:{i}") for i in range(5)]
    assert check(db).ok


WRITER = """
import sys, threading
from parkbrain.audit import Actor, record
from parkbrain.opdb import OperationalDB

url, name, rounds, busy = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = OperationalDB(url, busy_timeout_ms=busy, upgrade=False)
print("ready", flush=True)
sys.stdin.readline()  # everyone starts together

failures = []

def writer(t):
    for i in range(rounds):
        actor = Actor(f"{name}-{t}", "officer", "-")
        try:
            if i % 2:
                db.write_grouped(lambda s: record(s, actor=actor, action="test.race", target=f"{name}:{t}:{i}"))
            else:
                with db.write() as session:
                    record(session, actor=actor, action="test.race", target=f"{name}:{t}:{i}")
        except Exception as exc:
            failures.append(repr(exc))

threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
db.close()
sys.exit(f"{len(failures)} writes failed, first: {failures[0]}" if failures else 0)
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
def test_writers_in_several_processes_keep_one_chain(db, opdb_url):
    """Three processes of three threads append at once (with and without group commit): the chain
    does not fork, no entry is lost, and `verify` passes."""
    results = race(opdb_url, processes=3, rounds=20, busy_timeout_ms=15_000)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-2000:] for r in results]
    with db.read() as session:
        entries = session.execute(select(AuditEntry.seq, AuditEntry.target).order_by(AuditEntry.seq)).all()
    assert [e.seq for e in entries] == list(range(1, 3 * 3 * 20 + 1))
    assert sorted(e.target for e in entries) == sorted(f"p{k}:{t}:{i}" for k in range(3) for t in range(3)
                                                       for i in range(20))
    assert check(db).ok


@pytest.mark.slow
def test_sqlite_writers_of_several_processes_take_turns_without_polling(tmp_path):
    """Processes queue for SQLite's one writer on a file lock: with a busy timeout of 1 ms, which
    SQLite's own waiting cannot meet under this contention, no writer is refused."""
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
