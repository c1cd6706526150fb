"""The SQLite database of a data folder: engine (WAL), migrations on open, sessions.

Migrations are alembic revisions under ``migrations/versions``. Each concern's first
revision branches from ``0001`` with its own branch label, and Mnemo upgrades to
``heads``, so independent features never fight over one linear chain.

Loading alembic and its scripts costs more than a quick command's whole work, so a stamp
beside the database (``<db>.schema``) records the digest of the migration scripts and the
heads they brought the database to; an open whose scripts and database heads match the
stamp skips alembic. Any other open (new scripts, a restored or older database, no stamp)
migrates as before.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from core.errors import StorageError

if TYPE_CHECKING:
    from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _scripts_digest() -> str:
    """A digest of the migration scripts (names and contents)."""
    h = hashlib.sha256()
    for f in sorted((MIGRATIONS_DIR / "versions").glob("*.py")) + [MIGRATIONS_DIR / "env.py"]:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


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

    @property
    def _stamp(self) -> Path:
        return self.path.with_name(self.path.name + ".schema")

    def _stamped_heads(self, scripts: str) -> list[str] | None:
        """The database's heads if the stamp says the scripts of digest ``scripts`` brought it there, else None."""
        try:
            stamp = json.loads(self._stamp.read_text(encoding="utf-8"))
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            try:
                heads = sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
            finally:
                con.close()
        except (OSError, ValueError, sqlite3.Error):
            return None
        if isinstance(stamp, dict) and stamp.get("scripts") == scripts and stamp.get("heads") == heads and heads:
            return heads
        return None

    def _write_stamp(self, scripts: str, heads: list[str]) -> None:
        tmp = self._stamp.with_name(self._stamp.name + ".tmp")
        try:
            tmp.write_text(json.dumps({"scripts": scripts, "heads": sorted(heads)}), encoding="utf-8")
            os.replace(tmp, self._stamp)
        except OSError:
            tmp.unlink(missing_ok=True)  # only a shortcut: the next open migrates through alembic

    def migrate(self) -> list[str]:
        """Apply every pending migration; return the heads the database is at."""
        self._check_integrity()
        scripts = _scripts_digest()
        heads = self._stamped_heads(scripts)
        if heads is not None:
            return heads
        from alembic import command
        from alembic.runtime.migration import MigrationContext

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
        self._write_stamp(scripts, heads)
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
        with self.engine.connect() as conn:
            return sorted(r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version"))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose changes commit together at the end, or roll back on error."""
        from sqlmodel import Session   # the ORM: not imported by commands that only read raw rows

        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()
