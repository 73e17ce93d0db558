"""The operational database (accounts, service desk, audit): SQLAlchemy 2 + Alembic."""

from parkbrain.opdb.engine import OperationalDB, make_engine, normalise_url

__all__ = ["OperationalDB", "make_engine", "normalise_url"]
