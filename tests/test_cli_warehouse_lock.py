"""Commands beside a process that holds the DuckDB warehouse (a running `parkbrain serve`).

DuckDB lets one process write the file, or several read it. Commands that never touch the warehouse
(accounts, the desk, the audit log) do not open it, so they run beside a web app that writes it (one
worker); commands that only read it open it read-only and run beside web workers that read it;
anything else stops with a message that says who holds it and what to do, not a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from parkbrain.app import ParkBrain
from parkbrain.settings import Settings

PARKBRAIN = [sys.executable, "-c", "from parkbrain.cli import app; app(prog_name='parkbrain')"]


@contextmanager
def holder(home: Path, *, read_only: bool) -> Iterator[subprocess.Popen]:
    """Another process holding the home's warehouse (as `serve` does) for the block."""
    code = ("import sys, time, duckdb; held = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
            "print('held', flush=True); time.sleep(600)")
    with subprocess.Popen([sys.executable, "-c", code, str(home / "warehouse.duckdb"), "ro" if read_only else "rw"],
                          stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout.readline().strip() == "held"
            yield process
        finally:
            process.kill()


@pytest.fixture
def home(tmp_path, fast_hash):
    home = tmp_path / "home"
    with ParkBrain(Settings(home=home, **fast_hash)) as park:
        park.warehouse  # noqa: B018 - an empty warehouse (and operational database)
    return home


def command(home: Path, *args: str, fast_hash: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKBRAIN_")}
    env |= {"PARKBRAIN_HOME": str(home), "PARKBRAIN_LANG": "en"}
    env |= {f"PARKBRAIN_{k.upper()}": str(v) for k, v in fast_hash.items()}
    return subprocess.run([*PARKBRAIN, *args], capture_output=True, text=True, env=env, timeout=120,
                          input="a-long-admin-password\n")


def test_account_and_desk_commands_run_beside_a_writer_of_the_warehouse(home, fast_hash):
    with holder(home, read_only=False):
        made = command(home, "admin", "create", "root", "--password-stdin", fast_hash=fast_hash)
        listed = command(home, "admin", "users", fast_hash=fast_hash)
        verified = command(home, "audit", "verify", fast_hash=fast_hash)
        overdue = command(home, "desk", "overdue", fast_hash=fast_hash)
    assert made.returncode == 0, made.stderr
    assert listed.returncode == 0 and "root" in listed.stdout
    assert verified.returncode == 0, verified.stderr
    assert overdue.returncode == 0, overdue.stderr


def test_a_command_that_needs_the_held_warehouse_says_who_holds_it(home, fast_hash):
    with holder(home, read_only=False) as held:
        started = time.monotonic()
        refused = command(home, "status", fast_hash=fast_hash)
    assert refused.returncode == 3
    assert f"PID {held.pid}" in refused.stderr and "parkbrain serve" in refused.stderr
    assert "Traceback" not in refused.stderr + refused.stdout
    assert time.monotonic() - started < 60
    assert command(home, "status", fast_hash=fast_hash).returncode == 0  # free again


def test_reading_commands_run_beside_readers_and_writing_ones_do_not(home, fast_hash, tmp_path):
    with holder(home, read_only=True):  # what `serve --workers 2` does
        status = command(home, "status", fast_hash=fast_hash)
        exported = command(home, "export", "--out", str(tmp_path / "out"), "--kind", "parks", fast_hash=fast_hash)
        imported = command(home, "import", str(tmp_path / "out" / "parks.csv"), fast_hash=fast_hash)
    assert status.returncode == 0, status.stderr
    assert "enterprises" in status.stdout
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "out" / "parks.csv").read_text(encoding="utf-8-sig").startswith(("park_id", "园区"))
    assert imported.returncode == 3 and "cannot write" in imported.stderr


def test_a_backup_runs_beside_readers_and_stops_cleanly_beside_a_writer(home, fast_hash, tmp_path):
    with holder(home, read_only=True):
        beside_readers = command(home, "backup", "--to", str(tmp_path / "a.tar"), fast_hash=fast_hash)
    with holder(home, read_only=False) as held:
        beside_writer = command(home, "backup", "--to", str(tmp_path / "b.tar"), fast_hash=fast_hash)
    assert beside_readers.returncode == 0, beside_readers.stderr
    assert (tmp_path / "a.tar").stat().st_size > 0
    assert beside_writer.returncode == 1 and f"PID {held.pid}" in beside_writer.stderr
    assert "parkbrain serve" in beside_writer.stderr and "Traceback" not in beside_writer.stderr
    assert not (tmp_path / "b.tar").exists() and list(tmp_path.glob("b.tar*")) == []


def test_a_read_only_open_of_an_older_warehouse_adds_the_tables_it_lacks(tmp_path):
    """A file written before a table was added (an upgrade): a reading command (`status`, opening it
    read-only) first creates the missing table, then reads; the data already there is untouched."""
    import duckdb

    from parkbrain.warehouse.duckdb import DuckDBWarehouse

    path = tmp_path / "warehouse.duckdb"
    DuckDBWarehouse(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO parks (park_id, name) VALUES ('P1', '滨江园区')")
        con.execute("DROP TABLE experts")
    reader = DuckDBWarehouse(path, read_only=True)
    try:
        assert reader.count("experts") == 0 and reader.count("parks") == 1
        with pytest.raises(duckdb.Error, match="read-only"):
            reader.con.execute("DELETE FROM parks")
    finally:
        reader.close()


def test_serve_beside_a_writer_stops_at_once_with_what_to_do(home, fast_hash):
    with holder(home, read_only=False) as held:
        served = command(home, "serve", "--port", "1", fast_hash=fast_hash)  # stops before listening
    assert served.returncode == 3
    assert f"PID {held.pid}" in served.stderr and "Traceback" not in served.stderr + served.stdout
    assert "http://" not in served.stdout  # no address printed for a server that never started
