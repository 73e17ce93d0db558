"""`restore_backup`: an archive back into a home, verified, and swapped in only when complete.

Everything is first built beside the home (``.<home>.restore-<random>``): the warehouse loaded
and checked against the manifest, the SQLite database copied and checked. Only then is the new
home renamed into place, so a damaged archive or a failed step leaves the target as it was.
What lives outside the home is replaced in place, each in one transaction: PostgreSQL by
pg_restore, a Spark warehouse directory of its own by the backend's transaction.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import URL

from parkbrain.audit import Actor, record
from parkbrain.backup import postgres, sqlite
from parkbrain.backup.archive import unpack
from parkbrain.backup.checksums import opdb_checksums
from parkbrain.backup.errors import BackupError
from parkbrain.backup.manifest import Manifest
from parkbrain.backup.tables import check_compatible, import_tables, member, total_rows
from parkbrain.opdb import OperationalDB, make_engine, normalise_url
from parkbrain.opdb.migrate import alembic_config
from parkbrain.settings import Settings
from parkbrain.warehouse import WarehouseBusy, open_warehouse

Progress = Callable[[str, int, int], None]


def _quiet(_what: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class RestoreReport:
    """A finished restore: the home, the archive's manifest, the revision before and after upgrading."""

    home: Path
    manifest: Manifest
    revision: str | None


@dataclass(frozen=True)
class _Target:
    """Where the restore goes: the home, the operational database's URL and, for SQLite, its file."""

    home: Path
    url: URL
    sqlite_file: Path | None

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def file_in_home(self) -> bool:
        return self.sqlite_file is not None and self.sqlite_file.is_relative_to(self.home)


def _target(settings: Settings) -> _Target:
    url = normalise_url(settings.operational_url)
    home = settings.home.absolute()
    file = Path(url.database).absolute() if url.get_backend_name() == "sqlite" else None
    return _Target(home, url, file)


def warehouse_in_place(settings: Settings) -> bool:
    """True when the warehouse lives outside the home (a Spark directory of its own): it is restored
    in place, in one of its transactions, rather than built beside the home and swapped in."""
    return settings.warehouse_backend == "spark" and bool(settings.spark_dir)


def _refuse_occupied(target: _Target, archive: Path, settings: Settings, force: bool) -> None:
    """Refuse a non-empty target without --force, an archive inside the home, a home in use."""
    if archive.absolute().is_relative_to(target.home):
        raise BackupError("archive_in_home", archive=archive, home=target.home)
    entries = sorted(p.name for p in target.home.iterdir()) if target.home.is_dir() else []
    if entries and not force:
        raise BackupError("home_not_empty", home=target.home, entries=", ".join(entries[:5]))
    if target.sqlite_file and not target.file_in_home and target.sqlite_file.exists() and not force:
        raise BackupError("database_not_empty", database=target.sqlite_file)
    if target.backend == "postgresql":
        engine = make_engine(target.url)
        try:
            tables = postgres.user_tables(engine)
        finally:
            engine.dispose()
        if tables and not force:
            raise BackupError("database_not_empty", database=target.url.render_as_string(hide_password=True))
    if warehouse_in_place(settings):
        warehouse = open_warehouse(settings)
        try:
            rows = total_rows(warehouse)
        finally:
            warehouse.close()
        if rows and not force:
            raise BackupError("warehouse_not_empty", where=settings.spark_dir, rows=rows)
    elif settings.warehouse_path.exists():  # a server holding the warehouse would keep the old one open
        try:
            open_warehouse(settings).close()
        except WarehouseBusy as exc:
            raise BackupError("home_in_use", home=target.home, detail=exc.holder) from None
        except Exception as exc:  # noqa: BLE001 - the backend's own "in use" error, whatever its class
            raise BackupError("home_in_use", home=target.home, detail=str(exc).splitlines()[0]) from None


def _check_revision(manifest: Manifest, archive: Path) -> None:
    """Refuse an operational database from a newer ParkBrain (a migration this one does not have)."""
    if manifest.alembic_revision is None:
        return
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(manifest.alembic_revision)
    except CommandError:
        raise BackupError("newer_revision", archive=archive, revision=manifest.alembic_revision,
                          version=manifest.parkbrain_version) from None


def _verify_opdb(conn, manifest: Manifest, archive: Path) -> None:
    found = opdb_checksums(conn)
    for name, entry in manifest.opdb["tables"].items():
        got = found.get(name, {"rows": 0, "sha256": ""})
        if got != entry:
            raise BackupError("checksum_mismatch", archive=archive, table=f"opdb.{name}", rows=got["rows"],
                              expected=entry["rows"])


def _restore_sqlite(unpacked: Path, staged: Path, manifest: Manifest, archive: Path) -> None:
    staged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(unpacked / manifest.opdb["member"], staged)
    sqlite.check(staged)
    engine = sqlite.engine_on(staged)
    try:
        with engine.connect() as conn:
            _verify_opdb(conn, manifest, archive)
    finally:
        engine.dispose()


def _restore_postgres(unpacked: Path, target: _Target, manifest: Manifest, archive: Path, force: bool) -> None:
    engine = make_engine(target.url)
    try:
        postgres.restore(engine, unpacked / manifest.opdb["member"], clean=force,
                         dump_major=int(str(manifest.opdb["pg_dump_version"]).split(".")[0]))
        with engine.connect() as conn:
            _verify_opdb(conn, manifest, archive)
    finally:
        engine.dispose()


def _finish_opdb(url: URL | str, manifest: Manifest, archive: Path, actor: Actor) -> str | None:
    """Upgrade the restored database to this ParkBrain's schema and audit the restore; its revision."""
    db = OperationalDB(url)
    try:
        with db.write() as session:
            record(session, actor=actor, action="backup.restore", target=f"backup:{archive.name}"[:128],
                   detail={"archive": str(archive.absolute()), "created_at": manifest.created_at,
                           "parkbrain_version": manifest.parkbrain_version,
                           "revision_in_archive": manifest.alembic_revision})
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        db.close()


def _swap(staged: Path, final: Path) -> None:
    """Put `staged` where `final` is (a folder or a file), removing what was there."""
    old = final.with_name(f".{final.name}.replaced-{secrets.token_hex(4)}") if final.exists() else None
    if old:
        final.rename(old)
    try:
        staged.rename(final)
    except BaseException:
        if old:
            old.rename(final)
        raise
    if old and old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    elif old:
        old.unlink()


def _unpacked(archive: Path, folder: Path, target: _Target) -> Manifest:
    """Unpack the archive and check it before anything is written: files, tables, revision, backend."""
    unpack(archive, folder)
    manifest = Manifest.read(folder, archive)
    manifest.verify_files(folder, archive)
    needed = [manifest.opdb.get("member"), *(member(name) for name in manifest.warehouse)]
    if missing := [str(name) for name in needed if name not in manifest.files]:
        raise BackupError("missing_member", archive=archive, member=", ".join(missing))
    check_compatible(manifest.warehouse, archive)
    _check_revision(manifest, archive)
    if manifest.opdb.get("backend") != target.backend:
        raise BackupError("backend_differs", archive=archive, held=manifest.opdb.get("backend"),
                          target=target.backend)
    return manifest


def _restore_opdb(unpacked: Path, home: Path, target: _Target, manifest: Manifest, archive: Path, actor: Actor,
                  force: bool) -> tuple[Path | None, str | None]:
    """Restore, check, upgrade and audit the operational database; the staged SQLite file and the revision."""
    if target.sqlite_file is None:
        _restore_postgres(unpacked, target, manifest, archive, force)
        return None, _finish_opdb(target.url, manifest, archive, actor)
    staged = (home / target.sqlite_file.relative_to(target.home) if target.file_in_home else
              target.sqlite_file.with_name(f".{target.sqlite_file.name}.restore-{secrets.token_hex(4)}"))
    _restore_sqlite(unpacked, staged, manifest, archive)
    return staged, _finish_opdb(f"sqlite:///{staged.as_posix()}", manifest, archive, actor)


def restore_backup(archive: Path, settings: Settings, *, actor: Actor, force: bool = False,
                   progress: Progress = _quiet) -> RestoreReport:
    """Restore `archive` into the home and operational database `settings` name; verify; audit."""
    archive, target = Path(archive), _target(settings)
    _refuse_occupied(target, archive, settings, force)
    target.home.parent.mkdir(parents=True, exist_ok=True)
    folder = target.home.with_name(f".{target.home.name}.restore-{secrets.token_hex(4)}")
    unpacked, home, staged_db = folder / "archive", folder / "home", None
    try:
        progress("unpack, verify", 0, 5)
        manifest = _unpacked(archive, unpacked, target)
        home.mkdir()
        _copy_home_files(unpacked, home, manifest)
        if not warehouse_in_place(settings):
            _restore_warehouse(unpacked, settings.model_copy(update={"home": home}), manifest, archive, progress)
        progress("operational database", 3, 5)
        staged_db, revision = _restore_opdb(unpacked, home, target, manifest, archive, actor, force)
        if warehouse_in_place(settings):
            _restore_warehouse(unpacked, settings, manifest, archive, progress)
        progress("swap", 4, 5)
        if staged_db and not target.file_in_home:
            for suffix in ("-wal", "-shm", "-journal"):  # the old database's, never to be replayed on the new
                target.sqlite_file.with_name(target.sqlite_file.name + suffix).unlink(missing_ok=True)
            _swap(staged_db, target.sqlite_file)
        _swap(home, target.home)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if staged_db is not None and not staged_db.is_relative_to(folder):
            staged_db.unlink(missing_ok=True)
    progress("done", 5, 5)
    return RestoreReport(target.home, manifest, revision)


def _restore_warehouse(unpacked: Path, settings: Settings, manifest: Manifest, archive: Path,
                       progress: Progress) -> None:
    """Load the archive's tables into the warehouse `settings` name, checked before it commits."""
    warehouse = open_warehouse(settings)
    try:
        import_tables(warehouse, unpacked, manifest.warehouse, archive,
                      lambda name: progress(f"warehouse {name}", 2, 5))
    finally:
        warehouse.close()


def _copy_home_files(unpacked: Path, home: Path, manifest: Manifest) -> None:
    """The officers' files of the archive's home."""
    for name in manifest.files:
        if name.startswith("home/"):
            (home / name[5:]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(unpacked / name, home / name[5:])
