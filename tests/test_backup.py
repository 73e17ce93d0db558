"""`parkbrain backup` / `parkbrain restore`: a round trip into a new home that compares everything (SQLite
and PostgreSQL), a backup taken while requests are being filed, damaged archives, occupied targets."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from conftest import (
    FAST_HASH,
    PASSWORD,
    POSTGRES_URL,
    create_accounts,
    load_park,
    log_in,
    people_of,
    small_tables,
)
from factories import rows, write_csv
from parkbrain.accounts.sessions import SessionPolicy, login
from parkbrain.app import ParkBrain
from parkbrain.audit import SYSTEM, verify
from parkbrain.backup import BackupError, Manifest, create_backup, restore_backup
from parkbrain.bulletins.store import ingest_text
from parkbrain.chains import reports, store
from parkbrain.cli import app as cli
from parkbrain.desk import actions, service
from parkbrain.desk.routing import load_routing
from parkbrain.desk.schemas import DeskAction, RequestCreate
from parkbrain.opdb import migrate
from parkbrain.settings import Settings
from parkbrain.warehouse import TABLES
from parkbrain.web import create_app

ROOT = Path(__file__).resolve().parents[1]
RULES = load_routing()
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 40
NOTES = "officer's chain notes 链主备注\n".encode()
TITLE = "扩产需要厂房"


# ---- building a source park ------------------------------------------------------------------

def fill_warehouse(park: ParkBrain, tmp: Path) -> None:
    """What the demo leaves empty: an import, a bulletin's facts, an officer's chain override."""
    park.import_file(write_csv(tmp / "firms.csv", rows(4)))
    text_ = (ROOT / "tests" / "data" / "bulletins" / "linping_report.txt").read_text(encoding="utf-8")
    ingest_text(park.warehouse, text_, doc="linping_report.txt", doc_sha256=hashlib.sha256(text_.encode()).hexdigest())
    catalogue = reports.ChainContext.of(park.warehouse, park.settings.home).catalogue
    uscc = park.warehouse.to_pylist(park.warehouse.table("enterprises").order_by("uscc").limit(1))[0]["uscc"]
    store.record_override(park.warehouse, catalogue, uscc=uscc, link=None, action="exclude", officer="officer1",
                          note="不在园区")


def as_principal(park: ParkBrain, account):
    """Log an account in through the core (it records the session, the attempt and the audit entry)."""
    return login(park.db, username=account.username, password=PASSWORD, ip="10.1.2.3", user_agent="pytest",
                 policy=SessionPolicy(), hasher=park.hasher)[1]


def file_request(park: ParkBrain, firm, files=(("申请.pdf", PDF), ("现场.png", PNG)), title=TITLE) -> int:
    with park.db.write() as session:
        return service.file_request(session, viewer=firm, enterprise_name="杭州甲公司", files=list(files),
                                    policy=service.DeskPolicy.from_settings(park.settings), rules=RULES,
                                    ip="10.1.2.3", data=RequestCreate(category="land_space", title=title,
                                                                      description="需要2000平方米厂房")).id


def act(park: ParkBrain, who, request_id: int, **action) -> None:
    with park.db.write() as session:
        actions.apply_action(session, viewer=who, request_id=request_id, rules=RULES, ip="10.1.2.4",
                             action=TypeAdapter(DeskAction).validate_python(action))


def fill_opdb(park: ParkBrain, people: dict) -> int:
    """Accounts, logins, a request with two attachments, accepted, answered, escalated to a meeting."""
    create_accounts(park, people)
    firm, officer = as_principal(park, people["enterprise"]), as_principal(park, people["officer"])
    rid = file_request(park, firm)
    act(park, officer, rid, action="accept", classification="key_issue")
    act(park, firm, rid, action="reply", text="补充：需要双回路供电")
    act(park, officer, rid, action="escalate", meeting_title="厂房协调会", held_on=dt.date(2024, 3, 8))
    return rid


def people_in(park: ParkBrain) -> dict:
    """One account per role, bound to enterprises and experts of the park's warehouse."""
    w = park.warehouse
    return people_of({name: w.to_arrow(w.table(table)) for name, table in
                      (("enterprises", "enterprise_years"), ("experts", "experts"), ("tech_needs", "tech_needs"),
                       ("talents", "talents"))})


@dataclass
class Source:
    home: Path
    people: dict
    request_id: int


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Source:
    """A 200-enterprise demo park with every warehouse table filled, accounts, a desk request with attachments
    and an officer's file in the home (closed: the CLI opens it)."""
    tmp = tmp_path_factory.mktemp("backup-source")
    with ParkBrain(Settings(home=tmp / "home", lang="zh", **FAST_HASH)) as park:
        park.build_demo(enterprises=200, seed=1)
        fill_warehouse(park, tmp)
        people = people_in(park)
        rid = fill_opdb(park, people)
    (tmp / "home" / "chains").mkdir()
    (tmp / "home" / "chains" / "notes.md").write_bytes(NOTES)
    return Source(tmp / "home", people, rid)


# ---- reading everything back, independently of the backup's own checksums ---------------------

def warehouse_rows(home: Path, **settings) -> dict[str, list]:
    with ParkBrain(Settings(home=home, **FAST_HASH, **settings), read_only=True) as park:
        w = park.warehouse
        return {name: sorted(w.to_pylist(w.table(name)), key=repr) for name in TABLES}


def opdb_rows(url: str) -> dict[str, list]:
    """Every table's rows as the database driver gives them (audit_log in order of seq)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for name in inspect(conn).get_table_names():
                order = " ORDER BY seq" if name == "audit_log" else ""
                found = [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}"{order}'))]
                out[name] = found if order else sorted(found, key=repr)
            return out
    finally:
        engine.dispose()


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{(home / 'parkbrain.sqlite3').as_posix()}"


def run_cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["--lang", "zh", *args], env=env)


def assert_same_park(before_wh: dict, before_ops: dict, restored_home: Path, restored_url: str, **settings) -> None:
    """Every warehouse table and every operational table equal; the audit log is the source's plus the restore."""
    assert warehouse_rows(restored_home, **settings) == before_wh
    after = opdb_rows(restored_url)
    assert set(after) == set(before_ops)
    for name in set(before_ops) - {"audit_log", "audit_head"}:
        assert after[name] == before_ops[name], name
    assert after["audit_log"][:-1] == before_ops["audit_log"]
    restore_entry = after["audit_log"][-1]
    assert restore_entry[0] == len(before_ops["audit_log"]) + 1 and restore_entry[4] == "backup.restore"
    assert after["audit_head"][0][1] == restore_entry[0]  # (id, seq, hash)


def assert_usable(home: Path, people: dict, request_id: int, **settings) -> None:
    """In the restored home the chain verifies, accounts log in and the attachment downloads byte for byte."""
    with ParkBrain(Settings(home=home, **FAST_HASH, **settings)) as park:
        with park.db.read() as session:
            report = verify(session)
        assert report.ok, report.problems
        with TestClient(create_app(park)) as client:
            log_in(client, people["enterprise"])
            assert client.get("/api/me").json()["user"]["username"] == people["enterprise"].username
            mine = client.get("/api/desk/requests").json()
            assert [r["title"] for r in mine["items"]] == [TITLE]
            detail = client.get(f"/api/desk/requests/{request_id}").json()
            names = {a["filename"]: a for a in detail["attachments"]}
            assert set(names) == {"申请.pdf", "现场.png"} and detail["meeting"]["title"] == "厂房协调会"
            pdf = client.get(names["申请.pdf"]["url"])
            assert pdf.status_code == 200 and pdf.content == PDF
        with TestClient(create_app(park)) as client:
            log_in(client, people["admin"])
            assert client.get("/api/me").json()["user"]["role"] == "admin"


# ---- the round trip --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def archive(source: Source, tmp_path_factory) -> tuple[Path, dict, dict]:
    """The source backed up through the CLI, with the source's rows as they were at that moment."""
    before_wh, before_ops = warehouse_rows(source.home), opdb_rows(sqlite_url(source.home))
    folder = tmp_path_factory.mktemp("archives")
    done = run_cli("--home", str(source.home), "backup", "--to", str(folder))
    assert done.exit_code == 0, done.output
    [path] = folder.glob("parkbrain-*.tar")
    assert f"备份完成：{path}" in done.output
    return path, before_wh, before_ops


def test_round_trip_into_a_new_home_restores_everything(source, archive, tmp_path):
    path, before_wh, before_ops = archive
    target = tmp_path / "new-home"
    done = run_cli("restore", "--from", str(path), "--home", str(target))
    assert done.exit_code == 0, done.output
    assert f"已恢复到 {target}" in done.output and "校验通过" in done.output
    assert_same_park(before_wh, before_ops, target, sqlite_url(target))
    assert (target / "chains" / "notes.md").read_bytes() == NOTES
    assert_usable(target, source.people, source.request_id)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new-home"]  # no staging folder left behind


def test_the_backup_is_audited_in_the_source_with_the_archives_hash(source, archive):
    path, _, before_ops = archive
    entries = opdb_rows(sqlite_url(source.home))["audit_log"]
    backup_entry = next(e for e in entries if e[4] == "backup.create")
    assert backup_entry[0] == len(before_ops["audit_log"]) + 1  # right after the snapshot
    detail = json.loads(backup_entry[6])
    assert detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert detail["bytes"] == path.stat().st_size and detail["opdb"] == "sqlite"


def test_the_manifest_describes_the_archive(source, archive):
    path, before_wh, before_ops = archive
    with tarfile.open(path) as tar:
        assert tar.getnames()[0] == "manifest.json"  # first: read before anything else
        manifest = json.loads(tar.extractfile("manifest.json").read())
        members = set(tar.getnames())
    assert manifest["format"] == "parkbrain-backup" and manifest["parkbrain_version"] == "0.1.0"
    assert dt.datetime.strptime(manifest["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert manifest["settings"]["warehouse_backend"] == "duckdb"
    assert manifest["settings"]["database_backend"] == "sqlite"
    assert manifest["alembic_revision"] == migrate.head()
    assert {n: t["rows"] for n, t in manifest["warehouse"].items()} == {n: len(r) for n, r in before_wh.items()}
    assert {n: t["rows"] for n, t in manifest["opdb"]["tables"].items()} == {n: len(r) for n, r in before_ops.items()}
    assert all(before_wh[name] for name in TABLES), "every warehouse table should hold rows in this test"
    assert members == {"manifest.json", *manifest["files"]}
    assert "home/chains/notes.md" in members and "opdb/parkbrain.sqlite3" in members


def test_the_archive_can_be_gzipped(source, tmp_path):
    target = tmp_path / "park.tar.gz"
    assert run_cli("--home", str(source.home), "backup", "--to", str(target)).exit_code == 0
    with open(target, "rb") as fh:
        assert fh.read(2) == b"\x1f\x8b"
    assert run_cli("restore", "--from", str(target), "--home", str(tmp_path / "h")).exit_code == 0
    assert warehouse_rows(tmp_path / "h") == warehouse_rows(source.home)


def test_backup_refuses_names_it_would_lose(source, archive, tmp_path):
    path, _, _ = archive
    named = run_cli("--home", str(source.home), "backup", "--to", str(tmp_path / "park.zip"))
    assert named.exit_code == 1 and ".tar、.tar.gz 或 .tgz" in named.output
    exists = run_cli("--home", str(source.home), "backup", "--to", str(path))
    assert exists.exit_code == 1 and "已存在" in exists.output
    inside = run_cli("--home", str(source.home), "backup", "--to", str(source.home / "x.tar"))
    assert inside.exit_code == 1 and "数据目录" in inside.output and not (source.home / "x.tar").exists()
    empty = run_cli("--home", str(tmp_path / "nothing"), "backup", "--to", str(tmp_path / "n.tar"))
    assert empty.exit_code == 1 and "没有数仓" in empty.output


def test_backup_names_the_process_holding_the_warehouse(source, tmp_path):
    """DuckDB lets one process write its file: a backup beside a writer says so and writes nothing."""
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(source.home / "warehouse.duckdb")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        done = run_cli("--home", str(source.home), "backup", "--to", str(tmp_path / "b.tar"))
    finally:
        holder.communicate("")
    assert done.exit_code == 1 and "正被另一进程以写方式打开" in done.output and f"PID {holder.pid}" in done.output
    assert list(tmp_path.iterdir()) == []


# ---- occupied targets and damaged archives ---------------------------------------------------

def listing(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_home_that_holds_data_is_refused_without_force_and_replaced_with_it(source, archive, tmp_path):
    path, before_wh, before_ops = archive
    home = tmp_path / "occupied"
    with ParkBrain(Settings(home=home, **FAST_HASH)) as other:
        create_accounts(other, {"admin": people_of(None)["admin"]})
    (home / "stray.txt").write_text("old")
    was = listing(home)
    refused = run_cli("restore", "--from", str(path), "--home", str(home))
    assert refused.exit_code == 1
    assert f"数据目录 {home} 不为空" in refused.output and "--force" in refused.output
    assert listing(home) == was
    forced = run_cli("restore", "--from", str(path), "--home", str(home), "--force")
    assert forced.exit_code == 0, forced.output
    assert not (home / "stray.txt").exists()
    assert_same_park(before_wh, before_ops, home, sqlite_url(home))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occupied"]


def flip_byte(archive: Path, member: str, copy: Path) -> Path:
    shutil.copyfile(archive, copy)
    with tarfile.open(copy) as tar:
        offset = tar.getmember(member).offset_data + 100
    with copy.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))
    return copy


@pytest.mark.parametrize("damage, message", [
    ("truncated", "已损坏或不完整"),
    ("flipped", "warehouse/enterprise_years.parquet 校验失败"),
    ("not_tar", "已损坏或不完整"),
    ("foreign_tar", "不是园区产业大脑的备份"),
])
def test_a_damaged_archive_is_refused_and_the_target_is_untouched(archive, tmp_path, damage, message):
    path, _, _ = archive
    bad = tmp_path / "bad.tar"
    if damage == "truncated":
        bad.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "flipped":
        flip_byte(path, "warehouse/enterprise_years.parquet", bad)
    elif damage == "not_tar":
        bad.write_bytes(b"PK\x03\x04 not a tar at all" * 100)
    else:
        with tarfile.open(bad, "w") as tar:
            (tmp_path / "readme.txt").write_text("hello")
            tar.add(tmp_path / "readme.txt", arcname="readme.txt")
    home = tmp_path / "target"
    home.mkdir()
    (home / "keep.txt").write_text("keep me")
    was = listing(home)
    done = run_cli("restore", "--from", str(bad), "--home", str(home), "--force")
    assert done.exit_code == 1 and message in done.output
    assert damage == "foreign_tar" or "未作任何改动" in done.output
    assert listing(home) == was
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def forge(archive: Path, tmp: Path, change) -> Path:
    """A copy of the archive whose unpacked folder and manifest `change(folder, manifest)` altered; the
    manifest's file hashes are made to match again, so only the deeper checks can notice."""
    folder = tmp / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    manifest = Manifest.read(folder, archive)
    change(folder, manifest)
    for name in manifest.files:
        manifest.add_file(folder, name)
    manifest.write(folder)
    forged = tmp / "forged.tar"
    with tarfile.open(forged, "w") as tar:
        for name in ["manifest.json", *manifest.files]:
            tar.add(folder / name, arcname=name)
    return forged


def future_revision(folder: Path, manifest: Manifest) -> None:
    with sqlite3.connect(folder / "opdb" / "parkbrain.sqlite3") as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.close()
    manifest.alembic_revision = "9999_future"


def test_an_archive_from_a_newer_parkbrain_is_refused(archive, tmp_path):
    """An operational database at a migration this ParkBrain does not have would not open: refused by name."""
    forged = forge(archive[0], tmp_path, future_revision)
    done = run_cli("restore", "--from", str(forged), "--home", str(tmp_path / "h"))
    assert done.exit_code == 1 and "9999_future" in done.output and "请升级" in done.output
    assert not (tmp_path / "h").exists()


def wrong_rows(table: str):
    """Drop one row from a table's data in the archive, as a bug writing the archive would."""
    def change(folder: Path, manifest: Manifest) -> None:
        if table == "warehouse.parks":
            parquet = folder / "warehouse" / "parks.parquet"
            pq.write_table(pq.read_table(parquet).slice(1), parquet)
        else:
            with sqlite3.connect(folder / "opdb" / "parkbrain.sqlite3") as con:
                con.execute("DELETE FROM users WHERE username = 'analyst1'")
            con.close()
    return change


@pytest.mark.parametrize("table", ["warehouse.parks", "opdb.users"])
def test_restored_tables_are_checked_against_the_manifest(archive, tmp_path, table):
    home = tmp_path / "h"
    home.mkdir()
    (home / "keep.txt").write_text("keep me")
    done = run_cli("restore", "--from", str(forge(archive[0], tmp_path, wrong_rows(table))), "--home", str(home),
                   "--force")
    assert done.exit_code == 1 and f"恢复后的 {table} 与备份清单不符" in done.output and "目标未被替换" in done.output
    assert listing(home) == {"keep.txt": hashlib.sha256(b"keep me").hexdigest()}


def test_an_archive_at_an_older_migration_is_upgraded_on_restore(tmp_path):
    with ParkBrain(Settings(home=tmp_path / "old", **FAST_HASH)) as park:
        create_accounts(park, {"admin": people_of(None)["admin"]})
        migrate.downgrade(park.db.engine, "0001")
        report = create_backup(park, tmp_path / "old.tar", actor=SYSTEM)
    assert report.manifest.alembic_revision == "0001"
    restored = restore_backup(tmp_path / "old.tar", Settings(home=tmp_path / "new", **FAST_HASH), actor=SYSTEM)
    assert restored.revision == migrate.head()
    with ParkBrain(Settings(home=tmp_path / "new", **FAST_HASH)) as park:
        assert migrate.differences(park.db.engine) == []
        with park.db.read() as session:
            assert verify(session).ok


# ---- a backup taken while the desk is busy ---------------------------------------------------

def test_a_backup_taken_while_requests_are_filed_holds_a_consistent_prefix(tmp_path):
    park = ParkBrain(Settings(home=tmp_path / "live", **FAST_HASH))
    people = create_accounts(park, people_of(None))
    firm = as_principal(park, people["enterprise"])
    filed: list[int] = []
    stop, failures = threading.Event(), []

    def writer() -> None:
        try:
            while not stop.is_set():
                filed.append(file_request(park, firm, files=[("a.pdf", PDF)], title=f"请求{len(filed) + 1}"))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(filed) < 5 and thread.is_alive():
            stop.wait(0.01)
        before = len(filed)
        create_backup(park, tmp_path / "busy.tar", actor=SYSTEM)
    finally:
        stop.set()
        thread.join()
        park.close()
    assert not failures and before >= 5
    restore_backup(tmp_path / "busy.tar", Settings(home=tmp_path / "restored", **FAST_HASH), actor=SYSTEM)
    db = tmp_path / "restored" / "parkbrain.sqlite3"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        ids = [r[0] for r in con.execute("SELECT id FROM desk_requests ORDER BY id")]
        titles = [r[0] for r in con.execute("SELECT title FROM desk_requests ORDER BY id")]
        per_request = con.execute("SELECT count(DISTINCT m.request_id), count(DISTINCT a.request_id), count(*) "
                                  "FROM desk_messages m JOIN desk_attachments a ON a.request_id = m.request_id").fetchone()
        filed_entries = con.execute("SELECT count(*) FROM audit_log WHERE action = 'desk.file'").fetchone()[0]
    con.close()
    assert before <= len(ids) <= len(filed)
    assert ids == filed[: len(ids)] and titles == [f"请求{i}" for i in range(1, len(ids) + 1)]
    assert per_request == (len(ids), len(ids), len(ids))  # each: one message, one attachment, nothing torn
    assert filed_entries == len(ids)
    with ParkBrain(Settings(home=tmp_path / "restored", **FAST_HASH)) as restored, restored.db.read() as session:
        assert verify(session).ok


# ---- PostgreSQL ------------------------------------------------------------------------------

@pytest.fixture
def pg_databases():
    """`make()`: a fresh, empty PostgreSQL database's URL (with a password the trusting server ignores);
    all dropped at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRES_URL)
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    made: list[str] = []

    def make() -> str:
        name = f"parkbrain_backup_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            pytest.fail(f"PostgreSQL at {server.render_as_string()} is unreachable ({exc})", pytrace=False)
        made.append(name)
        return server.set(database=name, password="s3cret-pw").render_as_string(hide_password=False)

    yield make
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_round_trip(pg_databases, tmp_path):
    source_url, target_url = pg_databases(), pg_databases()
    park = load_park(tmp_path / "source", small_tables(), database_url=source_url)
    try:
        fill_warehouse(park, tmp_path)
        people = people_in(park)
        rid = fill_opdb(park, people)
    finally:
        park.close()
    before_wh, before_ops = warehouse_rows(tmp_path / "source"), opdb_rows(source_url)
    done = run_cli("--home", str(tmp_path / "source"), "backup", "--to", str(tmp_path / "pg.tar"),
                   env={"PARKBRAIN_DATABASE_URL": source_url})
    assert done.exit_code == 0, done.output
    with tarfile.open(tmp_path / "pg.tar") as tar:
        assert "opdb/parkbrain.pgdump" in tar.getnames()
        manifest_text = tar.extractfile("manifest.json").read().decode()
    assert json.loads(manifest_text)["opdb"]["backend"] == "postgresql" and "s3cret-pw" not in manifest_text

    restored = run_cli("restore", "--from", str(tmp_path / "pg.tar"), "--home", str(tmp_path / "target"),
                       env={"PARKBRAIN_DATABASE_URL": target_url})
    assert restored.exit_code == 0, restored.output
    assert_same_park(before_wh, before_ops, tmp_path / "target", target_url)
    assert_usable(tmp_path / "target", people, rid, database_url=target_url)

    # The target database now holds data: refused without --force, replaced with it.
    again = run_cli("restore", "--from", str(tmp_path / "pg.tar"), "--home", str(tmp_path / "third"),
                    env={"PARKBRAIN_DATABASE_URL": target_url})
    assert again.exit_code == 1 and "已有数据" in again.output and "--force" in again.output
    assert not (tmp_path / "third").exists()
    forced = run_cli("restore", "--from", str(tmp_path / "pg.tar"), "--home", str(tmp_path / "third"), "--force",
                     env={"PARKBRAIN_DATABASE_URL": target_url})
    assert forced.exit_code == 0, forced.output
    assert_same_park(before_wh, before_ops, tmp_path / "third", target_url)


def test_a_sqlite_archive_is_not_restored_into_postgresql(archive, pg_databases, tmp_path):
    path, _, _ = archive
    with pytest.raises(BackupError) as refused:
        restore_backup(path, Settings(home=tmp_path / "h", database_url=pg_databases(), **FAST_HASH), actor=SYSTEM)
    assert refused.value.key == "backend_differs" and "PARKBRAIN_DATABASE_URL" in refused.value.message("en")
    assert not (tmp_path / "h").exists()


def test_postgresql_tools_are_found_and_version_checked():
    from parkbrain.backup.postgres import find_tool

    found = find_tool("pg_dump", at_least=1)
    printed = subprocess.run([found.path, "--version"], capture_output=True, text=True).stdout
    assert Path(found.path).name == "pg_dump" and f"(PostgreSQL) {found.version}" in printed
    with pytest.raises(BackupError) as too_old:
        find_tool("pg_dump", at_least=found.major + 1)
    assert too_old.value.key == "tool_too_old" and f"postgresql-client-{found.major + 1}" in too_old.value.message("zh")
    with pytest.raises(BackupError) as missing:
        find_tool("pg_no_such_tool", at_least=15)
    assert missing.value.key == "tool_missing" and "apt-get install postgresql-client-15" in missing.value.message("en")
