"""kill -9 during the import of a mailbox big enough to be stored in several batches: the mailbox is
a 'partial' document holding only whole batches, and importing again continues from its checkpoint:
the chunks are those of a clean import (none twice, none missing), every one embedded, Chroma and
SQLite agree, and the mailbox is announced once, when it is whole.

The import runs in a subprocess with a deterministic embedder that is slow on purpose (this is about
transactions and recovery; the other documents tests use the real embedder)."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import REPO
from tests.e2e.crash_helpers import signal_when
from tests.fakes import FakeEmbedder

WORDS = "garden invoice holiday project dentist piano river lisbon tea friend mountain budget recipe boat".split()

SCRIPT = r"""
import sys, time
from core.documents import DocumentService
from core.settings import SettingsStore
from core.store.db import Database
from core.store.vectors import VectorIndex

from tests.fakes import FakeEmbedder

class SlowEmbedder(FakeEmbedder):
    def embed(self, texts):
        time.sleep(1.5)
        return super().embed(texts)

home, box = sys.argv[1], sys.argv[2]
db = Database(f"{home}/mnemo.sqlite3")
docs = DocumentService(db, VectorIndex(f"{home}/vectors"), SlowEmbedder, SettingsStore(f"{home}/settings.json"))
print(docs.import_paths([box]).summary())
"""


def _mailbox(path: Path, n: int = 200) -> Path:
    with open(path, "wb") as f:
        for i in range(n):
            m = EmailMessage()
            m["From"], m["To"] = f"friend{i % 5}@example.org", "me@example.org"
            m["Subject"], m["Date"] = f"Note {i}", f"Tue, {1 + i % 28:02d} Oct 2024 10:00:00 +0000"
            m.set_content("\n\n".join(" ".join(WORDS[(i + j * 5 + k) % len(WORDS)] for k in range(150)) + "."
                                      for j in range(3)))
            f.write(b"From friend@example.org Tue Oct  1 10:00:00 2024\n" + bytes(m).replace(b"\r\n", b"\n") + b"\n")
    return path


def _chunks(db: Path) -> list[tuple]:
    con = sqlite3.connect(str(db))
    try:
        return con.execute("SELECT ordinal, text, source, meta FROM chunk ORDER BY ordinal").fetchall()
    finally:
        con.close()


def _service(folder: Path, embedder):
    from core.documents import DocumentService
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.vectors import VectorIndex

    folder.mkdir(exist_ok=True)
    database = Database(folder / "mnemo.sqlite3")
    return DocumentService(database, VectorIndex(folder / "vectors"), lambda: embedder,
                           SettingsStore(folder / "settings.json")), database


def test_kill_during_a_mailbox_import_then_continue(tmp_path: Path) -> None:
    box = _mailbox(tmp_path / "export.mbox")
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(home), str(box)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the first batch (256 chunks) is stored; its vectors take seconds, the next batch is not stored yet
    signal_when(proc, home / "mnemo.sqlite3", "select count(*) from chunk", 1, signal.SIGKILL, timeout=120)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, f"the import ended before it could be killed: {proc.communicate()}"
    con = sqlite3.connect(home / "mnemo.sqlite3")
    status, n_chunks, stored = con.execute(
        "SELECT status, n_chunks, (SELECT count(*) FROM chunk) FROM document").fetchone()
    con.close()
    assert status == "partial" and 0 < stored == n_chunks < 600

    events: list[str] = []
    docs, database = _service(home, FakeEmbedder())
    docs.add_listener(lambda event, doc_id: events.append(event))
    report = docs.import_paths([box])
    assert report.imported == [str(box)] and events == ["imported"], report.summary()
    assert 0 < report.chunks < 600 and docs.store.count_pending() == 0   # continued, not started again
    assert docs.vectors.ids("chunks") == {str(c.id) for c in docs.iter_chunks()}
    doc = docs.list_documents()[0]
    assert doc.status == "ok" and doc.meta["messages"] == 200 and "resume" not in doc.meta
    assert docs.search("dentist piano", k=3)
    database.close()

    clean, cdb = _service(tmp_path / "clean", FakeEmbedder())
    clean.import_paths([box])
    cdb.close()
    assert _chunks(home / "mnemo.sqlite3") == _chunks(tmp_path / "clean" / "mnemo.sqlite3")
