"""Alembic environment: batch mode so that SQLite can alter tables too."""
from alembic import context
from sqlalchemy import create_engine

from core.models import Base

config = context.config
url = config.attributes.get("connection_url") or config.get_main_option("sqlalchemy.url")
connection = config.attributes.get("connection")


def run(conn) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    with create_engine(url).connect() as conn:
        run(conn)
