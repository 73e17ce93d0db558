"""`parkbrain backup` and `parkbrain restore`: thin shells over parkbrain.backup."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.app import ParkBrain
from parkbrain.audit import Actor
from parkbrain.backup import BackupError, create_backup, restore_backup
from parkbrain.cli.common import console, err, progress_bar, settings_or_exit
from parkbrain.i18n import translate
from parkbrain.settings import Settings
from parkbrain.warehouse import WarehouseBusy

HomeOption = Annotated[Path | None, typer.Option("--home", help="Data directory (same as the global --home).")]


def _actor() -> Actor:
    """The person at the terminal, as the audit log names them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor(f"cli:{name}"[:64], "admin", "cli")


def _fail(exc: BackupError, lang: str) -> None:
    err.print(exc.message(lang), style="red", markup=False, highlight=False)
    raise typer.Exit(1)


def _open_read_only(settings: Settings) -> ParkBrain:
    """The park with its warehouse opened for reading (a server reading it may go on)."""
    lang = settings.language
    if settings.warehouse_backend == "duckdb" and not settings.warehouse_path.exists():
        _fail(BackupError("no_warehouse", home=settings.home), lang)
    park = ParkBrain(settings, read_only=True)
    try:
        park.warehouse  # noqa: B018 - opened now: another process writing it stops the backup before it starts
    except WarehouseBusy as exc:
        park.close()
        _fail(BackupError("warehouse_in_use", path=settings.warehouse_path, detail=exc.holder), lang)
    return park


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def backup(to: Annotated[Path, typer.Option("--to", help="Archive to write (.tar, .tar.gz, .tgz) or a folder "
                                                         "(a dated parkbrain-<UTC>.tar is written in it).")],
           home: HomeOption = None) -> None:
    """Back up the home: warehouse, operational database (SQLite online backup or pg_dump), officers' files."""
    settings = settings_or_exit(home=home)
    lang = settings.language
    park = _open_read_only(settings)
    try:
        with progress_bar() as bar:
            task = bar.add_task("备份 backup", total=None)

            def show(what: str, done: int, total: int) -> None:
                bar.update(task, description=f"备份 backup: {what}", completed=done, total=total)

            report = create_backup(park, to, actor=_actor(), progress=show)
    except BackupError as exc:
        _fail(exc, lang)
    finally:
        park.close()
    console.print(translate("backup.cli.backup_done", lang, path=report.path, size=_size(report.bytes),
                            sha256=report.sha256))


def restore(from_: Annotated[Path, typer.Option("--from", help="Archive written by parkbrain backup.")],
            home: HomeOption = None,
            force: Annotated[bool, typer.Option("--force",
                                                help="Replace a home or database that holds data.")] = False) -> None:
    """Restore an archive into the home (and the database PARKBRAIN_DATABASE_URL names), verified."""
    settings = settings_or_exit(home=home)
    lang = settings.language
    try:
        with progress_bar() as bar:
            task = bar.add_task("恢复 restore", total=None)

            def show(what: str, done: int, total: int) -> None:
                bar.update(task, description=f"恢复 restore: {what}", completed=done, total=total)

            report = restore_backup(from_, settings, actor=_actor(), force=force, progress=show)
    except BackupError as exc:
        _fail(exc, lang)
    tables = report.manifest.warehouse
    table = Table()
    table.add_column(translate("backup.cli.table", lang))
    table.add_column(translate("backup.cli.rows", lang), justify="right")
    for name, entry in tables.items():
        table.add_row(f"warehouse.{name}", f"{entry['rows']:,}")
    for name, entry in report.manifest.opdb["tables"].items():
        table.add_row(f"opdb.{name}", f"{entry['rows']:,}")
    console.print(table)
    console.print(translate("backup.cli.restore_done", lang, home=report.home, revision=report.revision,
                            rows=f"{sum(e['rows'] for e in tables.values()):,}"))
