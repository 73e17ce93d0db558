"""Alembic migrations of the operational database (run from code: parkbrain.opdb.migrate)."""
