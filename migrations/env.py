"""Alembic environment: batch mode so that SQLite can alter tables too.

The target metadata is the kernel's tables plus those of every module the composition root
installs (each module's models register on the same Base), so `alembic revision
--autogenerate` sees the whole schema."""
from alembic import context
from sqlalchemy import create_engine

import app
from core.models import Base

app.install_modules()
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
