"""The SQLite database of a data folder: raw SQL on stdlib sqlite3, ORM sessions, migrations on open.

Raw SQL (every store's queries) runs on the standard library's ``sqlite3`` through
``Database.read()`` and ``Database.write()``: one connection per thread, opened on first use
with the same PRAGMAs as the ORM's (WAL, foreign keys, busy timeout, synchronous=NORMAL) and in
autocommit mode, so a transaction is exactly what ``write()`` opens: ``BEGIN IMMEDIATE`` … commit,
rolled back on error. Its errors are sqlite3's (``sqlite3.OperationalError``, ``IntegrityError``).
A thread keeps its connection (opening one costs ~30x a small query), so the Qt jobs' and the
prefill server's threads each have their own. SQLAlchemy, which costs a quick command ~0.3 s to
import, is imported only when an ORM session (``Database.session()``) or a migration needs it:
``Database.engine`` is lazy. ORM sessions and raw writes use separate connections; each commits,
so each sees the other's committed rows (WAL).

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
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from core.errors import StorageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000",
           "PRAGMA synchronous=NORMAL")

# The class of the raw connections (``sqlite3.connect(factory=...)``); tests/e2e/killer.py swaps in one that
# counts statements, to kill the process at an exact point.
CONNECTION_FACTORY: type[sqlite3.Connection] = sqlite3.Connection


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    for pragma in PRAGMAS:
        cur.execute(pragma)
    cur.close()


def scalar(conn: sqlite3.Connection, sql: str, params: Any = ()) -> Any:
    """The first column of the first row of ``sql``, or None if it returns no row."""
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


class _Held:
    """A thread's raw connection, how deep its write() contexts are nested and how many contexts use it;
    the connection closes when the thread ends (its thread-local goes) or the database closes (once the
    contexts using it end)."""

    __slots__ = ("conn", "depth", "busy", "closing", "__weakref__")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.depth = 0
        self.busy = 0
        self.closing = False

    def release(self) -> None:
        self.busy -= 1
        if self.closing and self.busy == 0:
            self.close()

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    def __del__(self) -> None:
        self.close()


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
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()
        self._local = threading.local()
        self._held: weakref.WeakSet[_Held] = weakref.WeakSet()  # every thread's connection, for close()
        self._held_lock = threading.Lock()
        self.migrate()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine of the ORM sessions, made (and SQLAlchemy imported) on first use."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    from sqlalchemy import create_engine, event

                    engine = create_engine(
                        f"sqlite:///{self.path}", connect_args={"check_same_thread": False, "timeout": 30})
                    event.listen(engine, "connect", _on_connect)
                    self._engine = engine
        return self._engine

    # ---- raw SQL ----------------------------------------------------------------------------------
    def _held_conn(self) -> _Held:
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False,
                                   factory=CONNECTION_FACTORY)
            _on_connect(conn, None)
            held = _Held(conn)
            self._local.held = held
            with self._held_lock:
                self._held.add(held)
        return held

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, in autocommit mode: for queries (each statement sees the latest commit).

        Inside a ``write()`` of the same thread it is that transaction's connection (it sees its writes)."""
        held = self._held_conn()
        held.busy += 1
        try:
            yield held.conn
        finally:
            held.release()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection inside one transaction (``BEGIN IMMEDIATE``): committed when the block
        ends, rolled back if it raises. A write nested in another is a savepoint of the outer one."""
        held = self._held_conn()
        held.busy += 1
        try:
            yield from self._transaction(held)
        finally:
            held.release()

    @staticmethod
    def _transaction(held: _Held) -> Iterator[sqlite3.Connection]:
        conn = held.conn
        depth = held.depth
        conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT w{depth}")
        held.depth = depth + 1
        try:
            yield conn
        except BaseException:
            held.depth = depth
            if depth == 0:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            else:
                conn.execute(f"ROLLBACK TO w{depth}")
                conn.execute(f"RELEASE w{depth}")
            raise
        held.depth = depth
        if depth:
            conn.execute(f"RELEASE w{depth}")
            return
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

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
        from sqlalchemy import create_engine, event

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
        with self.read() as conn:
            return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))

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
        """Close every thread's raw connection (one in use when its context ends) and the ORM's pool;
        a later use opens new ones."""
        with self._held_lock:
            held, self._held = list(self._held), weakref.WeakSet()
        self._local = threading.local()
        for h in held:
            h.closing = True
            if h.busy == 0:
                h.close()
        if self._engine is not None:
            self._engine.dispose()
