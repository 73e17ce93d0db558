"""The service desk under load: concurrent enterprise clients filing and reading requests on loopback.

Starts ParkBrain with `parkbrain serve --workers N` (in a subprocess, 127.0.0.1 only) over a fresh
home, creates one enterprise account per client, logs each in, then for `--seconds` every client
loops: file a request (POST /api/desk/requests), read its list (GET /api/desk/requests), read the
new request (GET /api/desk/requests/{id}). Prints, per backend and worker count: requests per
second, latency percentiles (as the clients see them), errors, and the CPU the server, the
clients and (on this machine) PostgreSQL's processes spent per request. Goal: 0 errors and p95 <= 300 ms with 50 clients, on SQLite and on
PostgreSQL.

The clients are cheap on purpose: each keeps one HTTP/1.1 keep-alive connection and speaks just
enough HTTP for JSON (httpx costs several times more CPU per call, and the benchmark shares the
machine's cores with the server it measures). Logging in uses httpx and is not timed.

    .venv/bin/python benchmarks/bench_desk.py [--seconds 60] [--clients 50] [--backend sqlite|postgres|both]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--workers 1,2] [--think 0] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

HOST = "127.0.0.1"  # loopback only
PASSWORD = "Bench-password-2024"
DEFAULT_PG = os.environ.get("PARKBRAIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GOAL_P95_MS = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def uscc(i: int) -> str:
    from parkbrain.uscc import check_character

    first = f"91330108MB{i:07d}"
    return first + check_character(first)


def create_database(server_url: str) -> tuple[str, callable]:
    """A fresh PostgreSQL database for one run, and the function that drops it."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"parkbrain_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.set(database=name).render_as_string(hide_password=False), drop


def prepare(home: Path, database_url: str | None, clients: int) -> list[str]:
    """Create the home, its operational database and one enterprise account per client."""
    from parkbrain.accounts.roles import Role
    from parkbrain.accounts.service import NewUser, create_user
    from parkbrain.app import ParkBrain
    from parkbrain.audit import Actor
    from parkbrain.settings import Settings

    names = [f"bench{i:03d}" for i in range(clients)]
    with ParkBrain(Settings(home=home, database_url=database_url)) as park, park.db.write() as session:
        for i, name in enumerate(names):
            create_user(session, new=NewUser(name, PASSWORD, Role.ENTERPRISE, f"压测企业{i}", uscc=uscc(i)),
                        hasher=park.hasher, actor=Actor("bench", "admin", "-"))
    return names


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    """`parkbrain serve --workers N` as production runs it; waits until every worker answers."""
    command = [sys.executable, "-c", "from parkbrain.cli import app; app(prog_name='parkbrain')", "serve",
               "--host", HOST, "--port", str(port)] + (["--workers", str(workers)] if workers > 1 else [])
    with log.open("ab") as sink:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200 and \
                    len(process_tree(server.pid)) > (workers if workers > 1 else 0):
                time.sleep(1 if workers > 1 else 0)  # the last worker to start is still importing
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start within 120 s")


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc; just the process elsewhere)."""
    tree, i = [pid], 0
    while i < len(tree):
        try:
            tree += [int(c) for c in Path(f"/proc/{tree[i]}/task/{tree[i]}/children").read_text().split()]
        except OSError:
            pass
        i += 1
    return tree


def cpu_seconds(pid: int) -> float:
    """CPU (user + system) spent so far by a process and its descendants (the workers); NaN without /proc."""
    total = 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Client:
    """One logged-in enterprise on one keep-alive connection: HTTP/1.1 with JSON bodies, nothing more."""

    def __init__(self, port: int, cookie: str, csrf: str) -> None:
        self.port = port
        self.fixed = (f"Host: {HOST}:{port}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n"
                      "Accept: application/json\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, payload: object = None) -> tuple[int, bytes]:
        """Send one request and read its answer (status, body); reconnects when the server closed."""
        if self.reader is None or self.reader.at_eof():
            await self.close()
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        kind = b"Content-Type: application/json\r\n" if payload is not None else b""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n".encode() + self.fixed + kind
                          + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = next((int(line.split(b":", 1)[1]) for line in lines[1:] if line.lower().startswith(b"content-length:")),
                      None)
        if length is None:
            raise ValueError(f"no Content-Length in the answer to {method} {path}")
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def log_in(port: int, name: str) -> Client:
    """Log in through the JSON API (httpx, not timed); the client with the session's cookie and CSRF token."""
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=60) as client:
        token = (await client.get("/api/login")).json()["csrf_token"]
        answer = await client.post("/api/login", json={"username": name, "password": PASSWORD},
                                   headers={"X-CSRF-Token": token})
        answer.raise_for_status()
        return Client(port, f"pb_session={client.cookies['pb_session']}", answer.json()["csrf_token"])


async def one_client(client: Client, k: int, stop_at: float, samples: dict, errors: list,
                     think: float = 0.0) -> None:
    """File, list, read, again and again until `stop_at`; record each call's latency (ms) by kind."""
    i = 0
    while time.perf_counter() < stop_at:
        if think and i:
            await asyncio.sleep(think)
        body = {"category": ("finance", "talent", "land_space", "approval")[i % 4],
                "title": f"压测诉求 {k}-{i}", "description": f"第{k}号客户第{i}件诉求：需要协调解决。"}
        calls = [("file", "POST", "/api/desk/requests", body), ("list", "GET", "/api/desk/requests?per_page=20", None)]
        for kind, method, url, payload in calls:
            started = time.perf_counter()
            try:
                status, answer = await client.request(method, url, payload)
            except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                status, answer = 0, repr(exc).encode()
                await client.close()
            samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            if not 200 <= status < 400:
                errors.append(f"{kind}: {status} {answer[:200].decode(errors='replace')}")
            elif kind == "file":
                calls.append(("read", "GET", f"/api/desk/requests/{json.loads(answer)['id']}", None))
        i += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def postgres_cpu() -> float:
    """CPU spent so far by the PostgreSQL server's processes on this machine (comm `postgres`; 0 without any)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, fields = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        if comm.split("(", 1)[1] == "postgres":
            fields = fields.split()
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return total


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def load(port: int, server_pid: int, names: list[str], seconds: float, think: float = 0.0) -> dict:
    """Log every client in (not timed: Argon2 is slow on purpose), then run them together for `seconds`."""
    samples: dict[str, list[float]] = {}
    errors: list[str] = []
    clients = []
    for batch in range(0, len(names), 10):
        clients += await asyncio.gather(*(log_in(port, n) for n in names[batch:batch + 10]))
    server_cpu, client_cpu, database_cpu = cpu_seconds(server_pid), own_cpu(), postgres_cpu()
    started = time.perf_counter()
    try:
        await asyncio.gather(*(one_client(c, k, started + seconds, samples, errors, think)
                               for k, c in enumerate(clients)))
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu, own_cpu() - client_cpu
        database_cpu = postgres_cpu() - database_cpu
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    every = [v for values in samples.values() for v in values]
    return {"requests": len(every), "seconds": round(elapsed, 1), "rps": round(len(every) / elapsed, 1),
            "p50_ms": round(percentile(every, 50), 1), "p95_ms": round(percentile(every, 95), 1),
            "p99_ms": round(percentile(every, 99), 1), "errors": len(errors), "first_errors": errors[:5],
            "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(every)), 2),
            "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(every)), 2),
            "postgres_cpu_ms_per_request": round(1000 * database_cpu / max(1, len(every)), 2),
            "server_cores_busy": round(server_cpu / elapsed, 2),
            "by_kind": {k: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 95), 1),
                            "p99_ms": round(percentile(v, 99), 1)} for k, v in samples.items()}}


def run(backend: str, workers: int, args: argparse.Namespace) -> dict:
    """One backend and worker count: prepare, serve, load, stop, tidy up."""
    drop = None
    with tempfile.TemporaryDirectory(prefix=f"bench-desk-{backend}-") as folder:
        home = Path(folder) / "home"
        database_url = None
        if backend == "postgres":
            database_url, drop = create_database(args.postgres_url)
        try:
            names = prepare(home, database_url, args.clients)
            env = {k: v for k, v in os.environ.items() if not k.startswith("PARKBRAIN_")}
            env |= {"PARKBRAIN_HOME": str(home), "PARKBRAIN_LANG": "zh",
                    # every client logs in from 127.0.0.1: not what the per-address limit is for
                    "PARKBRAIN_LOGIN_MAX_FAILURES_PER_IP": "100000"}
            if database_url:
                env["PARKBRAIN_DATABASE_URL"] = database_url
            port = free_port()
            server = start_server(env, port, workers, Path(folder) / "server.log")
            try:
                result = asyncio.run(load(port, server.pid, names, args.seconds, args.think))
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=60)
        finally:
            if drop:
                drop()
    return {"backend": backend, "clients": args.clients, "workers": workers, "think_s": args.think,
            "load_average": round(os.getloadavg()[0], 1)} | result


def report(result: dict) -> None:
    """The figures of one run, as lines of text."""
    goal = "met" if result["errors"] == 0 and result["p95_ms"] <= GOAL_P95_MS else "NOT met"
    print(f"{result['backend']:9s} {result['clients']} clients (think {result['think_s']} s), "
          f"{result['workers']} worker(s), {result['seconds']} s: {result['requests']} requests, "
          f"{result['rps']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
          f"errors {result['errors']} (goal 0 errors, p95 <= {GOAL_P95_MS} ms: {goal})")
    print(f"          CPU per request: server {result['server_cpu_ms_per_request']} ms "
          f"({result['server_cores_busy']} cores busy), clients {result['client_cpu_ms_per_request']} ms, "
          f"PostgreSQL's processes {result['postgres_cpu_ms_per_request']} ms; "
          f"load average at the end {result['load_average']}")
    for kind, figures in result["by_kind"].items():
        print(f"          {kind:5s} n={figures['n']} p50 {figures['p50_ms']} ms p95 {figures['p95_ms']} ms "
              f"p99 {figures['p99_ms']} ms")
    for error in result["first_errors"]:
        print(f"          error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the clients run (default 60).")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients (default 50).")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_PG, help="A PostgreSQL server (a database is created).")
    parser.add_argument("--workers", default="1,2",
                        help="Worker processes of `parkbrain serve`, one run each (default 1,2).")
    parser.add_argument("--think", type=float, default=0.0,
                        help="Seconds each client pauses between cycles (default 0: back to back).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object per run.")
    args = parser.parse_args()
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        for workers in (int(w) for w in args.workers.split(",")):
            result = run(backend, workers, args)
            if args.json:
                print(json.dumps(result, ensure_ascii=False), flush=True)
            else:
                report(result)


if __name__ == "__main__":
    main()
