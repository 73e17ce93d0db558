"""`create_backup`: the warehouse, the operational database and the officers' files in one archive."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext

from parkbrain.audit import Actor, record
from parkbrain.backup import postgres, sqlite
from parkbrain.backup.archive import is_archive_name, pack
from parkbrain.backup.checksums import opdb_checksums
from parkbrain.backup.errors import BackupError
from parkbrain.backup.manifest import Manifest, file_sha256
from parkbrain.backup.tables import export_tables, member
from parkbrain.warehouse import TABLES

# (what is being done, steps done, steps in all): drawn as a progress bar by the CLI.
Progress = Callable[[str, int, int], None]
# Folders of the home that hold data of their own (the officers' chain files); caches are rebuilt.
HOME_FOLDERS = ("chains",)
SQLITE_MEMBER = "opdb/parkbrain.sqlite3"
PGDUMP_MEMBER = "opdb/parkbrain.pgdump"


def _quiet(_what: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class BackupReport:
    """A finished archive: where, its size and SHA-256, and its manifest."""

    path: Path
    bytes: int
    sha256: str
    manifest: Manifest


def archive_path(target: Path, home: Path) -> Path:
    """The archive to write: `target` itself (.tar, .tar.gz, .tgz) or a dated name in the folder `target`."""
    if target.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"parkbrain-{stamp}.tar"
    elif not is_archive_name(target):
        raise BackupError("bad_name", path=target)
    if target.exists():
        raise BackupError("exists", path=target)
    if target.resolve().is_relative_to(home.resolve()):
        raise BackupError("inside_home", path=target, home=home)
    return target


def _home_files(home: Path, folder: Path) -> list[str]:
    """Copy the home's own data folders into the archive's folder; their members."""
    members = []
    for name in HOME_FOLDERS:
        for path in sorted((home / name).rglob("*")) if (home / name).is_dir() else []:
            if path.is_file() and not path.is_symlink():
                name = f"home/{path.relative_to(home).as_posix()}"
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, folder / name)
                members.append(name)
    return members


def _operational(park, folder: Path, manifest: Manifest) -> str:
    """Snapshot the operational database into the folder; its member. Fills manifest.opdb."""
    (folder / "opdb").mkdir()
    if park.db.backend == "sqlite":
        copy = folder / SQLITE_MEMBER
        sqlite.snapshot(sqlite.database_path(park.settings.operational_url), copy,
                        timeout_seconds=park.settings.database_busy_timeout_seconds)
        engine = sqlite.engine_on(copy)
        try:
            with engine.connect() as conn:
                manifest.opdb = {"backend": "sqlite", "member": SQLITE_MEMBER, "tables": opdb_checksums(conn)}
                manifest.alembic_revision = MigrationContext.configure(conn).get_current_revision()
        finally:
            engine.dispose()
        return SQLITE_MEMBER
    with park.db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            tool = postgres.dump(conn, park.db.engine.url, folder / PGDUMP_MEMBER)
            manifest.opdb = {"backend": "postgresql", "member": PGDUMP_MEMBER, "pg_dump_version": tool.version,
                             "tables": opdb_checksums(conn)}
            manifest.alembic_revision = MigrationContext.configure(conn).get_current_revision()
    return PGDUMP_MEMBER


def create_backup(park, target: Path, *, actor: Actor, progress: Progress = _quiet) -> BackupReport:
    """Write one archive of `park` (a ParkBrain) to `target`; audit it. Nothing is left behind on failure."""
    home = park.settings.home
    target = archive_path(Path(target), home)
    target.parent.mkdir(parents=True, exist_ok=True)
    total = len(TABLES) + 3
    manifest = Manifest.new({"warehouse_backend": park.warehouse.name, "database_backend": park.db.backend,
                             "home": str(home.resolve())}, None)
    folder = target.with_name(f".{target.name}.staging-{secrets.token_hex(4)}")
    folder.mkdir()
    try:
        done = iter(range(total))
        manifest.warehouse = export_tables(park.warehouse, folder,
                                           lambda name: progress(f"warehouse {name}", next(done), total))
        progress("operational database", len(TABLES), total)
        members = [*(member(name) for name in TABLES), _operational(park, folder, manifest)]
        progress("home files", len(TABLES) + 1, total)
        members += _home_files(home, folder)
        for name in members:
            manifest.add_file(folder, name)
        manifest.write(folder)
        progress(f"archive {target.name}", len(TABLES) + 2, total)
        pack(folder, members, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report = BackupReport(target, target.stat().st_size, file_sha256(target), manifest)
    with park.db.write() as session:
        record(session, actor=actor, action="backup.create", target=f"backup:{target.name}"[:128],
               detail={"path": str(target.resolve()), "bytes": report.bytes, "sha256": report.sha256,
                       "warehouse_rows": sum(t["rows"] for t in manifest.warehouse.values()),
                       "opdb": manifest.opdb["backend"], "revision": manifest.alembic_revision})
    progress("done", total, total)
    return report
