"""Shared fixtures: one ParkBrain loaded with a 2,000-enterprise demo park (seed fixed) per session;
the operational database on SQLite and on PostgreSQL; accounts of every role and logged-in clients."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from parkbrain.app import ParkBrain
from parkbrain.importing.service import write_batch
from parkbrain.importing.templates import load_templates
from parkbrain.settings import Settings

DEMO_ENTERPRISES = 2000
DEMO_SEED = 1
# Argon2 at its cheapest: the tests hash many passwords; the cost itself is the settings' business.
FAST_HASH = {"password_hash_time_cost": 1, "password_hash_memory_kib": 8, "password_hash_parallelism": 1}
POSTGRES_URL = os.environ.get("PARKBRAIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Test-password-42"


@dataclass
class LoadedPark:
    """The fixture park and the tables it was loaded from (for independent expectations)."""

    park: ParkBrain
    tables: dict[str, pa.Table]


def demo_tables(n: int, seed: int) -> dict[str, pa.Table]:
    """The demo generator's tables (template id -> arrow table)."""
    from parkbrain.demo import generate_park

    return dict(generate_park(enterprises=n, seed=seed).tables)


def load_park(home: Path, tables: dict[str, pa.Table], **settings: object) -> ParkBrain:
    """A ParkBrain on `home` holding `tables` (template id -> validated arrow table)."""
    park = ParkBrain(Settings(home=home, lang="zh", **(FAST_HASH | settings)))
    templates = load_templates()
    with park.warehouse.transaction():
        for tid, table in tables.items():
            write_batch(park.warehouse, templates[tid], table)
        park.warehouse.set_meta({"demo": "true", "demo_seed": str(DEMO_SEED)})
    return park


@pytest.fixture(scope="session")
def demo_park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedPark]:
    """A ParkBrain loaded with the 2,000-enterprise demo park (seed 1), shared by the session."""
    tables = demo_tables(DEMO_ENTERPRISES, DEMO_SEED)
    park = load_park(tmp_path_factory.mktemp("demo-park"), tables)
    yield LoadedPark(park, tables)
    park.close()


# ---- the operational database on both backends ---------------------------------------------

@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test session on the PostgreSQL server (dropped at the end).

    An unreachable server fails the PostgreSQL tests: they must run (CI starts a server).
    """
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRES_URL)
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"parkbrain_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {server.render_as_string()} is unreachable ({str(exc).strip()}). "
                    "Start one (see .ci/run) or point PARKBRAIN_TEST_POSTGRES_URL at one.", pytrace=False)
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL at {server.render_as_string()} refused to create a test database "
                    f"({str(exc).strip()}): the user needs CREATEDB.", pytrace=False)
    yield server.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_schema_url(database_url: str, schema: str) -> str:
    """The URL of one schema of the session's database (through the connection's search_path)."""
    from sqlalchemy.engine import make_url

    # Commits need not wait for the disk in tests (the server's durability is not what is tested).
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    url = make_url(database_url).update_query_dict({"options": options})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
def opdb_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty operational database: a SQLite file, or a fresh schema on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'ops.sqlite3').as_posix()}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    database = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield postgres_schema_url(database, schema)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@dataclass
class Ops:
    """The operational database alone, with a hasher: what the accounts, desk and audit cores need."""

    db: object
    hasher: object


_TABLES_IN_ORDER = ("policy_notifications", "desk_reminders", "desk_attachments", "desk_messages", "desk_requests", "desk_meetings",
                    "login_sessions", "login_attempts", "users", "audit_log")


@pytest.fixture(scope="session")
def shared_postgres_schema(postgres_database: str) -> str:
    """One migrated schema for the session; `ops` empties it after each test (faster than migrating anew)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from parkbrain.opdb import OperationalDB

    conninfo = make_url(postgres_database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA shared")
    url = postgres_schema_url(postgres_database, "shared")
    OperationalDB(url).close()
    return url


def _empty(db) -> None:
    """Empty every table of a PostgreSQL schema and restart the audit chain (the test's own trace)."""
    from sqlalchemy import text

    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for table in _TABLES_IN_ORDER:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_head SET seq = 0, hash = :genesis"), {"genesis": "0" * 64})


@pytest.fixture(params=["sqlite", "postgres"])
def ops(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ops]:
    """An empty operational database on each backend, without a warehouse."""
    from parkbrain.accounts.passwords import hasher_from_settings
    from parkbrain.opdb import OperationalDB

    hasher = hasher_from_settings(Settings(home=tmp_path, **FAST_HASH))
    if request.param == "sqlite":
        db = OperationalDB(f"sqlite:///{(tmp_path / 'ops.sqlite3').as_posix()}")
        yield Ops(db, hasher)
        db.close()
        return
    db = OperationalDB(request.getfixturevalue("shared_postgres_schema"), upgrade=False)
    try:
        yield Ops(db, hasher)
    finally:
        _empty(db)
        db.close()


@pytest.fixture
def park(tmp_path: Path, opdb_url: str) -> Iterator[ParkBrain]:
    """An empty park whose operational database is on the parametrised backend."""
    with ParkBrain(Settings(home=tmp_path / "home", lang="zh", database_url=opdb_url, **FAST_HASH)) as built:
        yield built


@pytest.fixture
def small_park(tmp_path: Path, opdb_url: str) -> Iterator[LoadedPark]:
    """A 200-enterprise demo park whose operational database is on the parametrised backend."""
    tables = small_tables()
    built = load_park(tmp_path / "home", tables, database_url=opdb_url)
    yield LoadedPark(built, tables)
    built.close()


_SMALL: dict[str, pa.Table] = {}


def small_tables() -> dict[str, pa.Table]:
    """The 200-enterprise demo park's tables (generated once per session)."""
    if not _SMALL:
        _SMALL.update(demo_tables(200, DEMO_SEED))
    return _SMALL


# ---- accounts --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    """A test account: its name, role and binding (all share one password)."""

    username: str
    role: str
    uscc: str | None = None
    expert_id: str | None = None
    department: str | None = None
    password: str = PASSWORD


def firms_and_experts(tables: dict[str, pa.Table]) -> tuple[list[dict], list[dict]]:
    """The park's enterprises (latest row each, by code) and experts, for binding accounts."""
    latest: dict[str, dict] = {}
    for row in tables["enterprises"].to_pylist():
        if row["uscc"] not in latest or row["year"] > latest[row["uscc"]]["year"]:
            latest[row["uscc"]] = row
    return sorted(latest.values(), key=lambda r: r["uscc"]), sorted(tables["experts"].to_pylist(),
                                                                    key=lambda r: r["expert_id"])


def people_of(tables: dict[str, pa.Table] | None) -> dict[str, Account]:
    """One account per role, plus a second enterprise, a second expert and an officer of another department."""
    firms, experts = firms_and_experts(tables) if tables else ([], [])
    from parkbrain.uscc import check_character

    # The second enterprise (the "other tenant" of the leak test) is one with technology needs and
    # talents, so routes about needs and talents have its rows to (not) show.
    needing = {r["uscc"] for r in tables["tech_needs"].to_pylist()} if tables else set()
    employing = {r["employer_uscc"] for r in tables["talents"].to_pylist()} if tables else set()
    others = [f["uscc"] for f in firms if f["uscc"] in needing & employing] or [f["uscc"] for f in firms[1:2]]
    second_uscc = others[0] if others else "91330108MA0000002" + check_character("91330108MA0000002")
    first_uscc = next((f["uscc"] for f in firms if f["uscc"] != second_uscc), None) or \
        "91330108MA0000001" + check_character("91330108MA0000001")
    return {
        "admin": Account("admin1", "admin"), "leader": Account("leader1", "leader"),
        "analyst": Account("analyst1", "analyst"),
        "officer": Account("officer1", "officer", department="enterprise_service"),
        "officer_finance": Account("officer2", "officer", department="finance"),
        "enterprise": Account("firm_a", "enterprise", uscc=first_uscc),
        "enterprise_b": Account("firm_b", "enterprise", uscc=second_uscc),
        "expert": Account("expert_a", "expert", expert_id=experts[0]["expert_id"] if experts else "E0001"),
        "expert_b": Account("expert_b", "expert", expert_id=experts[1]["expert_id"] if experts else "E0002"),
    }


def create_accounts(park: ParkBrain, people: dict[str, Account]) -> dict[str, Account]:
    """Create the accounts in the park's operational database."""
    from parkbrain.accounts.roles import Role
    from parkbrain.accounts.service import NewUser, create_user
    from parkbrain.audit import Actor

    with park.db.write() as session:
        for a in people.values():
            create_user(session, new=NewUser(a.username, a.password, Role(a.role), a.username, a.department,
                                             a.uscc, a.expert_id), hasher=park.hasher, actor=Actor("test", "admin", "-"))
    return people


@pytest.fixture(scope="session")
def demo_people(demo_park: LoadedPark) -> dict[str, Account]:
    """Accounts of every role in the session's demo park."""
    return create_accounts(demo_park.park, people_of(demo_park.tables))


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def log_in(client, account: Account) -> str:
    """Log a TestClient in through the JSON API; the session's CSRF token (also set as a default header)."""
    token = client.get("/api/login").json()["csrf_token"]
    response = client.post("/api/login", json={"username": account.username, "password": account.password},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text
    csrf = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = csrf
    return csrf


@pytest.fixture
def login() -> Callable:
    """`login(client, account)`: log a TestClient in; returns the session's CSRF token."""
    return log_in


@pytest.fixture
def make_accounts() -> Callable[..., dict[str, Account]]:
    """`make_accounts(park, tables=None)`: create one account per role (bound to the tables' firms and experts)."""
    return lambda park, tables=None: create_accounts(park, people_of(tables))


@pytest.fixture
def fast_hash() -> dict[str, int]:
    """Settings for the cheapest Argon2 (tests hash many passwords)."""
    return dict(FAST_HASH)


# ---- a web app over a small park, on each backend --------------------------------------------

@dataclass
class WebPark:
    """A small park with one account per role, its app, and its tables."""

    park: ParkBrain
    tables: dict[str, pa.Table]
    people: dict[str, Account]
    app: object


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def web_park(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebPark]:
    """A 200-enterprise park with accounts and its web app, once per test module and backend."""
    import psycopg
    from sqlalchemy.engine import make_url

    from parkbrain.web import create_app

    home = tmp_path_factory.mktemp("web-park")
    url = schema = None
    if request.param == "postgres":
        database = request.getfixturevalue("postgres_database")
        schema = f"m_{uuid.uuid4().hex[:12]}"
        conninfo = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = postgres_schema_url(database, schema)
    tables = small_tables()
    # Many logins from one test client: the per-address limit is tested elsewhere.
    park = load_park(home, tables, login_max_failures_per_ip=100_000, **({"database_url": url} if url else {}))
    people = create_accounts(park, people_of(tables))
    yield WebPark(park, tables, people, create_app(park))
    park.close()
    if schema:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def client_for(web_park: WebPark) -> Iterator[Callable]:
    """`client_for(role)`: a TestClient over the web park, logged in as that role (None: anonymous)."""
    from fastapi.testclient import TestClient

    opened = []

    def make(role: str | None):
        client = TestClient(web_park.app)
        client.__enter__()
        opened.append(client)
        if role:
            log_in(client, web_park.people[role])
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def principal_of() -> Callable:
    """`principal_of(park, username)`: the account as the core sees a logged-in user (no session needed)."""
    from sqlalchemy import select

    from parkbrain.accounts.models import User
    from parkbrain.accounts.roles import Role
    from parkbrain.accounts.sessions import Principal

    def build(park, username: str) -> Principal:
        with park.db.read() as session:
            u = session.scalar(select(User).where(User.username == username))
        return Principal(u.id, u.username, u.display_name, Role(u.role), u.department, u.uscc, u.expert_id,
                         "csrf", "session")

    return build


@pytest.fixture(autouse=True)
def _fresh_cli_options() -> Iterator[None]:
    """The CLI's global options live on a class for one invocation; a test that runs a
    capability's Typer app on its own must not inherit the --home of an earlier test's run."""
    from parkbrain.cli.common import State

    State.home, State.lang = None, None
    yield
    State.home, State.lang = None, None
