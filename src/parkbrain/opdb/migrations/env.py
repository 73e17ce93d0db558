"""Alembic's environment: always run from code with a connection (see parkbrain.opdb.migrate)."""

from alembic import context

from parkbrain.opdb.migrate import metadata


def run_migrations() -> None:
    """Run the migrations on the connection parkbrain.opdb.migrate passed in."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through parkbrain.opdb.migrate (it passes the connection)")
    context.configure(connection=connection, target_metadata=metadata(), compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


# Alembic installs its proxy before running this file; importing it elsewhere (doctests) does nothing.
if getattr(context, "_proxy", None) is not None:
    run_migrations()
