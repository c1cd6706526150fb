"""Alembic environment: Mnemo runs migrations in-process on an open connection."""
from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for the alembic CLI
    raise RuntimeError("Mnemo runs its migrations itself: open the data folder with Mnemo.")

context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
