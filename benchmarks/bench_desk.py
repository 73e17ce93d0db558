"""The service desk under load: concurrent enterprise clients filing and reading requests on loopback.

Starts ParkBrain (uvicorn, in a subprocess, 127.0.0.1 only) over a fresh home, creates one
enterprise account per client, logs each in, then for `--seconds` every client loops: file a
request (POST /api/desk/requests), read its list (GET /api/desk/requests), read the new request
(GET /api/desk/requests/{id}). Prints requests per second, latency percentiles and errors per
backend. Goal: 0 errors and p95 <= 300 ms with 50 clients, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/bench_desk.py [--seconds 60] [--clients 50] [--backend sqlite|postgres|both]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--workers 1] [--think 0] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
    with log.open("ab") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "parkbrain.web.app:app_from_env", "--host", HOST,
             "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
             "--timeout-keep-alive", "120"],
            env=env, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start within 90 s")


async def log_in(client: httpx.AsyncClient, name: str) -> None:
    token = (await client.get("/api/login")).json()["csrf_token"]
    answer = await client.post("/api/login", json={"username": name, "password": PASSWORD},
                               headers={"X-CSRF-Token": token})
    answer.raise_for_status()
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]


async def one_client(client: httpx.AsyncClient, k: int, stop_at: float, samples: dict, errors: list,
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
                answer = await client.request(method, url, json=payload)
                ok = answer.status_code < 400
            except httpx.HTTPError as exc:
                ok, answer = False, exc
            samples.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            if not ok:
                errors.append(f"{kind}: {getattr(answer, 'status_code', answer)!r}")
            elif kind == "file":
                calls.append(("read", "GET", f"/api/desk/requests/{answer.json()['id']}", None))
        i += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


async def load(base: str, names: list[str], seconds: float, think: float = 0.0) -> dict:
    """Log every client in (not timed: Argon2 is slow on purpose), then run them together for `seconds`."""
    samples: dict[str, list[float]] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, timeout=30, limits=limits) for _ in names]
    try:
        for batch in range(0, len(names), 10):
            await asyncio.gather(*(log_in(c, n) for c, n in zip(clients[batch:batch + 10], names[batch:batch + 10],
                                                                 strict=True)))
        started = time.perf_counter()
        await asyncio.gather(*(one_client(c, k, started + seconds, samples, errors, think)
                               for k, c in enumerate(clients)))
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    every = [v for values in samples.values() for v in values]
    return {"requests": len(every), "seconds": round(elapsed, 1), "rps": round(len(every) / elapsed, 1),
            "p50_ms": round(percentile(every, 50), 1), "p95_ms": round(percentile(every, 95), 1),
            "p99_ms": round(percentile(every, 99), 1), "errors": len(errors), "first_errors": errors[:5],
            "by_kind": {k: {"n": len(v), "p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 95), 1)}
                        for k, v in samples.items()}}


def run(backend: str, args: argparse.Namespace) -> dict:
    """One backend: prepare, serve, load, stop, tidy up."""
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
            server = start_server(env, port, args.workers, Path(folder) / "server.log")
            try:
                result = asyncio.run(load(f"http://{HOST}:{port}", names, args.seconds, args.think))
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
        finally:
            if drop:
                drop()
    return {"backend": backend, "clients": args.clients, "workers": args.workers, "think_s": args.think} | result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the clients run (default 60).")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients (default 50).")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_PG, help="A PostgreSQL server (a database is created).")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1).")
    parser.add_argument("--think", type=float, default=0.0,
                        help="Seconds each client pauses between cycles (default 0: back to back).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object per backend.")
    args = parser.parse_args()
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        result = run(backend, args)
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
            continue
        goal = "met" if result["errors"] == 0 and result["p95_ms"] <= 300 else "NOT met"
        print(f"{backend:9s} {result['clients']} clients (think {args.think} s), {result['workers']} worker(s), "
              f"{result['seconds']} s: "
              f"{result['requests']} requests, {result['rps']} req/s, p50 {result['p50_ms']} ms, "
              f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, errors {result['errors']} "
              f"(goal 0 errors, p95 <= 300 ms: {goal})")
        for kind, figures in result["by_kind"].items():
            print(f"          {kind:5s} n={figures['n']} p50 {figures['p50_ms']} ms p95 {figures['p95_ms']} ms")
        for error in result["first_errors"]:
            print(f"          error: {error}")


if __name__ == "__main__":
    main()
