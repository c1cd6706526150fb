"""Database.read()/write(): raw SQL on stdlib sqlite3, one connection per thread, one transaction per write."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from core.store.db import Database, scalar


@pytest.fixture
def db(tmp_path: Path) -> Database:
    d = Database(tmp_path / "mnemo.sqlite3")
    with d.write() as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)")
    yield d
    d.close()


def _values(db: Database) -> list[str]:
    with db.read() as conn:
        return [r[0] for r in conn.execute("SELECT v FROM t ORDER BY id")]


def test_a_write_commits_as_one_and_rolls_back_whole_on_error(db: Database) -> None:
    with db.write() as conn:
        conn.executemany("INSERT INTO t (v) VALUES (?)", [("a",), ("b",)])
    with pytest.raises(sqlite3.IntegrityError):
        with db.write() as conn:
            conn.execute("INSERT INTO t (v) VALUES ('c')")
            conn.execute("INSERT INTO t (v) VALUES ('a')")   # unique: the whole write goes
    assert _values(db) == ["a", "b"]
    with db.read() as conn:
        assert not conn.in_transaction and scalar(conn, "SELECT count(*) FROM t") == 2
        assert scalar(conn, "SELECT v FROM t WHERE v = 'zz'") is None


def test_the_connection_has_the_pragmas(db: Database) -> None:
    with db.read() as conn:
        assert scalar(conn, "PRAGMA journal_mode") == "wal"
        assert scalar(conn, "PRAGMA foreign_keys") == 1
        assert scalar(conn, "PRAGMA busy_timeout") == 10000
        assert scalar(conn, "PRAGMA synchronous") == 1   # NORMAL


def test_a_nested_write_is_a_savepoint_of_the_outer_one(db: Database) -> None:
    with db.write() as conn:
        conn.execute("INSERT INTO t (v) VALUES ('outer')")
        with pytest.raises(sqlite3.IntegrityError):
            with db.write() as inner:
                inner.execute("INSERT INTO t (v) VALUES ('inner')")
                inner.execute("INSERT INTO t (v) VALUES ('outer')")
        with db.read() as same:
            assert scalar(same, "SELECT count(*) FROM t") == 1   # a read inside sees the write's rows
    assert _values(db) == ["outer"]


def test_each_thread_has_its_own_connection_and_sees_the_others_commits(db: Database) -> None:
    with db.read() as mine:
        pass
    seen: dict[str, object] = {}

    def work() -> None:
        with db.write() as conn:
            seen["other"] = conn is not mine
            conn.execute("INSERT INTO t (v) VALUES ('from a thread')")

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen["other"] is True and _values(db) == ["from a thread"]
    with db.read() as again:
        assert again is mine                                     # kept for the thread, not reopened


def test_orm_sessions_and_raw_writes_see_each_other(db: Database) -> None:
    from sqlalchemy import text

    with db.write() as conn:
        conn.execute("INSERT INTO t (v) VALUES ('raw')")
    with db.session() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 1
        s.execute(text("INSERT INTO t (v) VALUES ('orm')"))
    assert _values(db) == ["raw", "orm"]


def test_a_full_disk_rolls_the_write_back(db: Database) -> None:
    with db.write() as conn:
        conn.execute("INSERT INTO t (v) VALUES ('kept')")
    with db.read() as conn:
        pages = scalar(conn, "PRAGMA page_count")
        conn.execute(f"PRAGMA max_page_count={pages + 1}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        with db.write() as conn:
            conn.executemany("INSERT INTO t (v) VALUES (?)", [(f"{i}" * 2000,) for i in range(200)])
    db.close()                                                   # a later use opens a new connection
    assert _values(db) == ["kept"]


def test_opening_and_a_quick_read_need_no_sqlalchemy(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from core.store.db import Database; "
            f"d = Database(Path({str(tmp_path / 'x.sqlite3')!r})); "
            "print(d.current_heads() != [], 'sqlalchemy' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.run([sys.executable, "-c", code], cwd=root, check=True, capture_output=True,
                           text=True).stdout.split() for _ in range(2)]
    assert runs == [["True", "True"], ["True", "False"]]   # the first open migrates (alembic), the next does not


def test_closing_waits_for_a_connection_in_use(db: Database) -> None:
    with db.read() as conn:
        db.close()
        assert scalar(conn, "SELECT count(*) FROM t") == 0     # still open inside its context
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")                                 # closed when the context ended
    assert _values(db) == []                                     # a new one afterwards
