"""Kill an import mid-way (SIGKILL, in a subprocess), run it again, compare with a clean import.

The embedder here is a deterministic fake that is slow on purpose: this test is about
transactions and recovery, not about embeddings (the other documents tests use the real one).
"""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.e2e.crash_helpers import signal_when

SCRIPT = r"""
import sys, time
from core.documents import DocumentService
from core.settings import SettingsStore
from core.store.db import Database
from core.store.vectors import VectorIndex

from tests.fakes import FakeEmbedder

class SlowHashEmbedder(FakeEmbedder):
    def embed(self, texts):
        time.sleep(0.05 * len(texts) ** 0.5)
        return super().embed(texts)

home, corpus = sys.argv[1], sys.argv[2]
db = Database(f"{home}/mnemo.sqlite3")
store = SettingsStore(f"{home}/settings.json")
store.set("retrieval.chunk_chars", 200)
store.set("retrieval.chunk_overlap", 20)
docs = DocumentService(db, VectorIndex(f"{home}/vectors"), SlowHashEmbedder, store)
report = docs.import_paths([corpus])
print(report.summary())
"""


def _run(home: Path, corpus: Path) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(home), str(corpus)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(home: Path) -> tuple[list, int, set]:
    con = sqlite3.connect(home / "mnemo.sqlite3")
    docs = sorted(con.execute("select path, content_hash, n_chunks, status from document"))
    chunks = sorted(con.execute("select d.path, c.ordinal, c.text from chunk c join document d on d.id = c.document_id"))
    pending = con.execute("select count(*) from chunk where vector_state = 0").fetchone()[0]
    n_fts = con.execute("select count(*) from chunk_fts where chunk_fts match 'paragraph'").fetchone()[0]
    ids = {str(r[0]) for r in con.execute("select id from chunk")}
    con.close()
    import chromadb

    client = chromadb.PersistentClient(path=str(home / "vectors"))
    vec_ids = set(client.get_collection("chunks").get(include=[])["ids"])
    assert vec_ids == ids, "every chunk has exactly one vector"
    return [docs, chunks, n_fts], pending, vec_ids


def test_kill_and_resume_matches_clean_import(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        body = "\n\n".join(f"File {i} paragraph {j}: " + "the quick brown fox jumps over the lazy dog " * 4
                           for j in range(6))
        (corpus / f"note{i:02d}.md").write_text(body, encoding="utf-8")

    killed = tmp_path / "killed"
    proc = _run(killed, corpus)
    signal_when(proc, killed / "mnemo.sqlite3", "select count(*) from document", 8, signal.SIGKILL, timeout=60)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, f"the import ended before it could be killed: {proc.communicate()}"
    con = sqlite3.connect(killed / "mnemo.sqlite3")
    partial = con.execute("select count(*) from document").fetchone()[0]
    incomplete = con.execute("select count(*) from document d where n_chunks != "
                             "(select count(*) from chunk c where c.document_id = d.id)").fetchone()[0]
    con.close()
    assert 8 <= partial < 40 and incomplete == 0  # no half-imported document

    resumed = _run(killed, corpus)
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert f"{40 - partial} imported" in out and f"{partial} unchanged" in out

    clean = tmp_path / "clean"
    c = _run(clean, corpus)
    c.communicate(timeout=120)
    assert c.returncode == 0
    got, pending, _ = _state(killed)
    want, _, _ = _state(clean)
    assert pending == 0 and got == want
