"""Storage: migrations on empty and existing databases, WAL, restart survival, the folder lock."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from core.errors import DataFolderLocked, StorageError
from core.store.db import Database
from core.store.lock import FolderLock


def test_migrations_on_empty_database(tmp_path):
    from alembic.script import ScriptDirectory

    from core.store.db import _alembic_config

    db = Database(tmp_path / "m.sqlite3")
    script = ScriptDirectory.from_config(_alembic_config(None))
    assert set(db.current_heads()) == set(script.get_heads())  # every feature's branch is at its head
    con = sqlite3.connect(tmp_path / "m.sqlite3")
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert {"conversation", "message", "alembic_version"} <= tables
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_migrations_on_existing_database_keep_data(tmp_path):
    from core.chat.store import ConversationStore

    path = tmp_path / "m.sqlite3"
    db = Database(path)
    store = ConversationStore(db)
    c = store.create("kept")
    store.add_message(c.id, "user", "hello")
    db.close()
    again = Database(path)  # runs the migrations again: nothing pending, nothing lost
    assert ConversationStore(again).messages(c.id)[0].content == "hello"
    again.close()


def test_corrupt_database_detected(tmp_path):
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    with pytest.raises(StorageError) as err:
        Database(path)
    assert "restore" in str(err.value).lower()


def test_second_process_gets_clear_message(tmp_path):
    a = FolderLock(tmp_path)
    a.acquire()
    # flock is per open file description: a second open in this process conflicts like another process.
    b = FolderLock(tmp_path)
    with pytest.raises(DataFolderLocked) as err:
        b.acquire()
    assert "Another Mnemo" in str(err.value)
    a.release()
    b.acquire()
    b.release()


def test_data_survives_restart(home):
    from app.services import Services

    with Services(home) as s:
        c = s.conversations.create("trip")
        s.conversations.add_message(c.id, "user", "Remember Lisbon")
        s.settings_store.set("generation.max_tokens", "64")
    with Services(home) as s:
        assert s.conversations.messages(c.id)[0].content == "Remember Lisbon"
        assert s.settings.generation.max_tokens == 64
        assert s.conversations.list("lisbon")[0].id == c.id


def test_data_folder_is_private(home):
    from app.services import Services

    with Services(home):
        pass
    assert (home.stat().st_mode & 0o777) == 0o700


def test_vector_index_round_trip_and_rebuild(tmp_path):
    from core.store.vectors import VectorIndex

    vi = VectorIndex(tmp_path / "v")
    vecs = np.eye(4, dtype=np.float32)
    vi.upsert("chunks", [1, 2, 3, 4], vecs, [{"doc": 1}] * 4)
    hits = vi.query("chunks", vecs[2], 2)
    assert hits[0].id == "3" and hits[0].distance < 1e-4
    vi.delete("chunks", [3])
    assert vi.count("chunks") == 3
    n = vi.rebuild("chunks", [(i + 1, vecs[i], None) for i in range(4)])
    assert n == 4 and vi.ids("chunks") == {"1", "2", "3", "4"}
