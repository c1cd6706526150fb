"""Storage: SQLite (the source of truth, via SQLModel + alembic), Chroma vectors, the folder lock."""
