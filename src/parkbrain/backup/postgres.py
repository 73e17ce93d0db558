"""The PostgreSQL operational database: pg_dump (custom format) and pg_restore, found and version-checked.

The dump and the manifest's checksums read one snapshot: a REPEATABLE READ transaction exports
it and pg_dump imports it (``--snapshot``), so the checksums describe exactly what was dumped.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from parkbrain.backup.errors import BackupError

# Debian and Ubuntu keep every installed major version here; PATH may hold an older one.
_VERSIONED_BINS = "/usr/lib/postgresql/*/bin"


@dataclass(frozen=True)
class Tool:
    """A PostgreSQL client program and its version."""

    path: str
    version: str

    @property
    def major(self) -> int:
        """The major version (15 for 15.20)."""
        return int(self.version.split(".")[0])


def _version_of(path: str) -> str | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)*)", out)
    return found.group(1) if found else None


def find_tool(name: str, *, at_least: int) -> Tool:
    """The newest `name` (pg_dump, pg_restore) on PATH or in /usr/lib/postgresql/*/bin, of major ≥ at_least."""
    candidates = [p for p in [shutil.which(name), *sorted(glob.glob(f"{_VERSIONED_BINS}/{name}"))] if p]
    tools = [Tool(p, v) for p in dict.fromkeys(candidates) if (v := _version_of(p))]
    if not tools:
        raise BackupError("tool_missing", tool=name, major=at_least)
    best = max(tools, key=lambda t: tuple(int(x) for x in t.version.split(".")))
    if best.major < at_least:
        raise BackupError("tool_too_old", tool=name, path=best.path, version=best.version, major=at_least)
    return best


def server_major(conn: Connection) -> int:
    """The server's major version."""
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, and the environment carrying its password (not the command line)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(tool: Tool, args: list[str], url: URL) -> None:
    conninfo, env = _libpq(url)
    done = subprocess.run([tool.path, *args, f"--dbname={conninfo}"], capture_output=True, text=True, env=env)
    if done.returncode:
        raise BackupError("tool_failed", tool=Path(tool.path).name, code=done.returncode,
                          detail=done.stderr.strip()[-2000:])


def dump(conn: Connection, url: URL, target: Path) -> Tool:
    """pg_dump the database into `target`, reading the snapshot of `conn`'s REPEATABLE READ transaction."""
    tool = find_tool("pg_dump", at_least=server_major(conn))
    snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    _run(tool, ["--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}"], url)
    return tool


def user_tables(engine: Engine) -> int:
    """How many tables the database holds outside PostgreSQL's own schemas."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_catalog.pg_tables "
                                 "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")).scalar_one()


def restore(engine: Engine, source: Path, *, dump_major: int, clean: bool) -> Tool:
    """pg_restore `source` into the engine's database in one transaction (all or nothing).

    With `clean`, what the dump holds is dropped first (``--clean --if-exists``); objects the
    dump does not know are left alone.
    """
    tool = find_tool("pg_restore", at_least=dump_major)  # it must read what that pg_dump wrote
    args = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--no-password"]
    _run(tool, [*args, *(["--clean", "--if-exists"] if clean else []), str(source)], engine.url)
    return tool
