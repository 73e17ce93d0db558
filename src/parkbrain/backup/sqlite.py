"""The SQLite operational database: a consistent copy of the live file by the online backup API."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from parkbrain.backup.errors import BackupError


def database_path(url: str) -> Path:
    """The file of a sqlite:/// URL."""
    return Path(make_url(url).database)


def snapshot(source: Path, target: Path, *, timeout_seconds: float = 15.0) -> None:
    """Copy the live database `source` into `target` as one consistent read.

    All pages are copied in one step under one read transaction: in WAL mode the app's writers
    carry on meanwhile, and the copy is the database as it was when the step began. The copy is
    switched to a rollback journal (one self-contained file) and checked.
    """
    with closing(sqlite3.connect(source, timeout=timeout_seconds)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    check(target)


def check(path: Path) -> None:
    """Raise a BackupError unless SQLite's own integrity check finds the file sound."""
    with closing(sqlite3.connect(path)) as con:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError("sqlite_damaged", path=path, detail="; ".join(problems[:5]))


def engine_on(path: Path):
    """A plain engine on a database file (no pragmas: it only reads)."""
    return create_engine(f"sqlite:///{path.as_posix()}")
