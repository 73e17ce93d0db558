"""Alembic, run from code: the scripts live in parkbrain/opdb/migrations, the models are the target."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text

from parkbrain.opdb.engine import BEGIN_OPTION

# Any 64-bit number of our own: the PostgreSQL advisory lock that serialises concurrent upgrades.
_UPGRADE_LOCK = 0x7061726B62726169


def metadata() -> MetaData:
    """The metadata of every table (importing the models registers them)."""
    import parkbrain.accounts.models
    import parkbrain.audit.models
    import parkbrain.desk.models
    import parkbrain.notify.models  # noqa: F401
    from parkbrain.opdb.base import Base

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration over the packaged migrations, bound to `connection`."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("parkbrain.opdb") / "migrations"))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The latest migration's revision id."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the database is at (None when empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade to `revision` in one transaction; concurrent start-ups wait for each other."""
    if current(engine) == head() and revision == "head":
        return
    with engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade to `revision` (for tests of the migrations)."""
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def differences(engine: Engine) -> list:
    """What autogenerate would change to make the database match the models (empty: they agree)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata())
