"""The SQLite database of a data folder: engine (WAL), migrations on open, sessions.

Migrations are alembic revisions under ``migrations/versions``. Each concern's first
revision branches from ``0001`` with its own branch label, and Mnemo upgrades to
``heads``, so independent features never fight over one linear chain.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from core.errors import StorageError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _alembic_config(connection: object):  # -> alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    cfg.attributes["connection"] = connection
    return cfg


class Database:
    """One SQLite file, migrated to the newest schema when opened."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.engine: Engine = create_engine(
            f"sqlite:///{self.path}", connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(self.engine, "connect", _on_connect)
        self.migrate()

    def migrate(self) -> list[str]:
        """Apply every pending migration; return the heads the database is at."""
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        self._check_integrity()
        # pysqlite runs DDL outside any transaction by default, so a crash mid-migration left a half-made
        # schema that never migrated again ("table ... already exists"). This engine issues BEGIN itself:
        # all of an upgrade commits at once or not at all (SQLite's DDL is transactional).
        engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": 30, "isolation_level": None})
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        try:
            with engine.begin() as conn:
                command.upgrade(_alembic_config(conn), "heads")
                heads = list(MigrationContext.configure(conn).get_current_heads())
        except Exception as exc:  # sqlalchemy / alembic errors of any kind
            raise StorageError(
                f"The database {self.path} could not be migrated: {exc}.",
                "Restore it from a backup (mnemo restore) or move it aside to start empty.") from exc
        finally:
            engine.dispose()
        return heads

    def _check_integrity(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        try:
            con = sqlite3.connect(str(self.path), timeout=30)
            try:
                row = con.execute("PRAGMA quick_check").fetchone()
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            raise StorageError(
                f"The database {self.path} is damaged or not a database ({exc}).",
                "Restore your data with 'mnemo restore BACKUP', or move the file aside to start empty.") from exc
        if row is None or row[0] != "ok":
            raise StorageError(
                f"The database {self.path} failed its integrity check ({row[0] if row else 'no answer'}).",
                "Restore your data with 'mnemo restore BACKUP', or move the file aside to start empty.")

    def current_heads(self) -> list[str]:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return list(MigrationContext.configure(conn).get_current_heads())

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose changes commit together at the end, or roll back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()
