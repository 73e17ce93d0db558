"""`parkbrain serve --workers 2`: two processes over one home. Sessions, login limits, the desk and the
audit chain live in the operational database and hold across the processes; each worker reads the
warehouse (opened read-only, as DuckDB allows several readers but one writer) and refuses to write it.

The test finds which worker owns each of its connections (Linux /proc), so that it can log in through
one worker and go on through the other."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from parkbrain.app import ParkBrain
from parkbrain.audit import verify
from parkbrain.audit.models import AuditEntry
from parkbrain.settings import Settings

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="finds connections' workers in /proc")]
FORM = {"category": "finance", "title": "两个进程", "description": "在一个进程提交，在另一个进程读取。"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The worker processes uvicorn spawned (not multiprocessing's resource tracker)."""
    found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in found if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def owner(workers: list[int], server_port: int, client_port: int) -> int | None:
    """The worker holding the server side of the connection from `client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":"), fields[2].split(":")
        if int(local[1], 16) == server_port and int(remote[1], 16) == client_port:
            inode = fields[9]
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def start(home: Path, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """`parkbrain --home HOME serve --workers 2` (the home given as an option, not in the environment)."""
    command = [sys.executable, "-c", "from parkbrain.cli import app; app(prog_name='parkbrain')", "--home", str(home),
               "serve", "--workers", "2", "--port", str(port)]
    with log.open("ab") as sink:
        server = subprocess.Popen(command, env=env, cwd=log.parent, stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200 and \
                    len(children(server.pid)) >= 2:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise AssertionError("the server did not start within 120 s: " + log.read_text(errors="replace")[-3000:])


def one_per_worker(port: int, workers: list[int]) -> dict[int, httpx.Client]:
    """A keep-alive client on each worker: open connections until each worker holds one."""
    found: dict[int, httpx.Client] = {}
    for _ in range(200):
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                              limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        answer = client.get("/healthz")
        client_port = answer.extensions["network_stream"].get_extra_info("client_addr")[1]
        pid = owner(workers, port, client_port)
        if pid is not None and pid not in found:
            found[pid] = client
            if len(found) == len(workers):
                return found
        else:
            client.close()
    raise AssertionError(f"could not reach every worker: {sorted(found)} of {workers}")


def csrf(client: httpx.Client) -> str:
    return client.get("/api/login").json()["csrf_token"]


def log_in(client: httpx.Client, account, password: str | None = None) -> httpx.Response:
    return client.post("/api/login", json={"username": account.username, "password": password or account.password},
                       headers={"X-CSRF-Token": csrf(client)})


def test_two_workers_share_sessions_limits_desk_and_audit_and_read_the_warehouse(small_park, make_accounts,
                                                                                fast_hash, tmp_path):
    park, tables = small_park.park, small_park.tables
    people = make_accounts(park, tables)
    home, url = park.settings.home, park.settings.operational_url
    some_firm = tables["enterprises"].column("uscc")[0].as_py()
    park.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKBRAIN_")}
    env |= {"PARKBRAIN_DATABASE_URL": url, "PARKBRAIN_LANG": "zh"}
    env |= {f"PARKBRAIN_{k.upper()}": str(v) for k, v in fast_hash.items()}
    port = free_port()
    server = start(home, env, port, tmp_path / "server.log")
    clients: dict[int, httpx.Client] = {}
    try:
        workers = children(server.pid)
        assert len(workers) == 2, workers
        clients = one_per_worker(port, workers)
        a, b = clients.values()

        # Failed logins count in the database: three on one worker, two on the other reach the limit of 5.
        target = people["enterprise_b"]
        for client in (a, a, a, b, b):
            assert log_in(client, target, "Wrong-password-1").status_code == 401
        assert log_in(a, target).status_code == 429

        # A session opened through one worker is good on the other; so is its CSRF token.
        firm = people["enterprise"]
        opened = log_in(a, firm)
        assert opened.status_code == 200, opened.text
        b.cookies = a.cookies
        for client in (a, b):
            client.headers["X-CSRF-Token"] = opened.json()["csrf_token"]
        filed_a = a.post("/api/desk/requests", json=FORM)
        filed_b = b.post("/api/desk/requests", json=FORM | {"title": "第二个进程"})
        assert (filed_a.status_code, filed_b.status_code) == (201, 201), (filed_a.text, filed_b.text)
        assert b.get(f"/api/desk/requests/{filed_a.json()['id']}").json()["title"] == "两个进程"
        assert a.get(f"/api/desk/requests/{filed_b.json()['id']}").json()["title"] == "第二个进程"
        listed = {item["id"] for item in b.get("/api/desk/requests").json()["items"]}
        assert {filed_a.json()["id"], filed_b.json()["id"]} <= listed

        # Each worker reads the warehouse: the enterprise's own file, with its name from the register.
        for client in (a, b):
            own = client.get(f"/api/enterprises/{firm.uscc}")
            assert own.status_code == 200 and own.json()["enterprise"]["uscc"] == firm.uscc
            assert own.json()["enterprise"]["name"] and own.json()["years"]

        # Writing the warehouse is refused with a clear 409 that names the command to use instead.
        assert b.post("/api/logout").status_code == 204
        assert a.get("/api/desk/requests").status_code == 401  # the session ended for both workers
        a.cookies.clear()
        officer = log_in(a, people["officer"])
        assert officer.status_code == 200
        a.headers["X-CSRF-Token"] = officer.json()["csrf_token"]
        refused = a.post("/api/chains/overrides", json={"uscc": some_firm, "action": "exclude"})
        assert refused.status_code == 409, refused.text
        assert "parkbrain chains override" in refused.json()["detail"]

        assert children(server.pid) == workers  # neither worker died or was replaced
    finally:
        for client in clients.values():
            client.close()
        server.terminate()
        server.wait(timeout=60)
    with ParkBrain(Settings(home=home, database_url=url, **fast_hash)) as again:
        assert again.warehouse.count("chain_overrides") == 0
        with again.db.read() as session:
            assert verify(session).ok
            actions = dict(session.execute(select(AuditEntry.action, func.count()).group_by(AuditEntry.action)).all())
    assert actions["login.failure"] == 5 and actions["login.throttled"] == 1 and actions["desk.file"] == 2
    assert actions["logout"] == 1 and "chains.exclude" not in actions
