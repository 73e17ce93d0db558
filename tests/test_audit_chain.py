"""The audit log: hash-chained, append-only, written in the transaction of the change; tampering is found."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from sqlalchemy import select, text

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
