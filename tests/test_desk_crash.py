"""Kill the server (SIGKILL) in the middle of a burst of filings: after a restart every acknowledged
request is there, the database passes its integrity check and the audit chain is intact."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from parkbrain.app import ParkBrain
from parkbrain.audit import verify
from parkbrain.settings import Settings

pytestmark = pytest.mark.slow
THREADS = 6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as sink:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "parkbrain.web.app:app_from_env", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("the server did not start within 60 s")


def logged_in(base: str, account) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    token = client.get("/api/login").json()["csrf_token"]
    answer = client.post("/api/login", json={"username": account.username, "password": account.password},
                         headers={"X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def test_acknowledged_requests_survive_a_kill(tmp_path: Path, opdb_url: str, fast_hash, make_accounts):
    home = tmp_path / "home"
    with ParkBrain(Settings(home=home, database_url=opdb_url, **fast_hash)) as park:
        firm = make_accounts(park)["enterprise"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKBRAIN_")}
    env |= {"PARKBRAIN_HOME": str(home), "PARKBRAIN_DATABASE_URL": opdb_url, "PARKBRAIN_LANG": "zh"}
    env |= {f"PARKBRAIN_{k.upper()}": str(v) for k, v in fast_hash.items()}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    server = start(env, port, log)
    acknowledged: dict[int, str] = {}
    lock, stop = threading.Lock(), threading.Event()

    def burst(k: int) -> None:
        with closing(logged_in(base, firm)) as client:
            i = 0
            while not stop.is_set():
                title = f"突发诉求 {k}-{i}"
                try:
                    answer = client.post("/api/desk/requests", json={"category": "approval", "title": title,
                                                                     "description": f"第{k}组第{i}件：审批材料补正"})
                except httpx.HTTPError:
                    return  # the server is gone
                if answer.status_code == 201:
                    with lock:
                        acknowledged[answer.json()["id"]] = title
                i += 1

    try:
        workers = [threading.Thread(target=burst, args=(k,)) for k in range(THREADS)]
        for w in workers:
            w.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(server.pid, signal.SIGKILL)  # mid-burst: requests are in flight
        server.wait(timeout=10)
        stop.set()
        for w in workers:
            w.join(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
    assert len(acknowledged) >= 40

    server = start(env, port, log)
    try:
        with closing(logged_in(base, firm)) as client:
            found: dict[int, str] = {}
            page = 1
            while True:
                body = client.get("/api/desk/requests", params={"page": page, "per_page": 200}).json()
                found |= {item["id"]: item["title"] for item in body["items"]}
                if page >= body["pages"]:
                    break
                page += 1
        missing = {i: t for i, t in acknowledged.items() if found.get(i) != t}
        assert missing == {}, f"{len(missing)} acknowledged requests lost"
    finally:
        server.terminate()
        server.wait(timeout=20)
    with ParkBrain(Settings(home=home, database_url=opdb_url, **fast_hash)) as park:
        assert park.db.integrity_check() == []  # PRAGMA integrity_check on SQLite
        with park.db.read() as session:
            report = verify(session)
        assert report.ok, report.problems
        assert report.entries >= len(acknowledged)
