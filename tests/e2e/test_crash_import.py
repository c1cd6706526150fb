"""kill -9 during ``mnemo import`` at exact points (right after the Nth matching SQL statement,
inside or between transactions): the data folder opens, every stored document is whole, and
running the import again finishes the job with each file imported once and every passage
embedded (Chroma and SQLite agree). MNEMO_CRASH_ALL=1 sweeps many more points."""
from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.crash_helpers import kill_after_sql, run_cli

N_FILES = 12
WORDS = ["alpha", "beta", "gamma", "lisbon", "paris", "tea", "garden", "piano", "river", "mountain", "friend", "dentist"]
POINTS = [
    ("^INSERT INTO chunk ", 3),                # inside the 3rd file's transaction: its row stored, its chunks not
]
if os.environ.get("MNEMO_CRASH_ALL"):
    POINTS += ([("UPDATE chunk SET vector_state = 1", 1)]  # vectors in Chroma, SQLite not yet told
               + [("^INSERT INTO document", n) for n in (1, 4, 8, N_FILES)]
               + [("^INSERT INTO chunk ", n) for n in (1, 7, N_FILES)]
               + [("COMMIT", n) for n in (1, 6, 13, 25, 40)]
               + [("INSERT INTO persona", n) for n in (1, 5)])
IDS = [f"{m.strip('^ ').split()[0].lower()}-{m.split()[2] if 'vector_state' not in m else 'vector_state'}#{n}"
       if m != "COMMIT" else f"commit#{n}" for m, n in POINTS]


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for i in range(N_FILES):
        rng = random.Random(i)
        text = f"# Note {i}\n\n" + " ".join(rng.choice(WORDS) for _ in range(700)) + "\n"
        (folder / f"note{i:02d}.md").write_text(text, encoding="utf-8")
    return folder


def check_whole(db: Path) -> dict[str, int]:
    """Every stored document is complete; return counts."""
    con = sqlite3.connect(str(db))
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunk_fts'").fetchone():
            return {"documents": 0, "chunks": 0, "pending": 0}  # killed before the schema was committed
        con.execute("INSERT INTO chunk_fts(chunk_fts) VALUES('integrity-check')")  # FTS index matches chunks
        docs = con.execute("SELECT id, status, n_chunks FROM document").fetchall()
        for doc_id, status, n in docs:
            have = con.execute("SELECT count(*) FROM chunk WHERE document_id = ?", (doc_id,)).fetchone()[0]
            assert status != "ok" or have == n > 0, (doc_id, status, n, have)
        pending = con.execute("SELECT count(*) FROM chunk WHERE vector_state = 0").fetchone()[0]
        chunks = con.execute("SELECT count(*) FROM chunk").fetchone()[0]
        return {"documents": len(docs), "chunks": chunks, "pending": pending}
    finally:
        con.rollback()
        con.close()


@pytest.mark.parametrize("match,n", POINTS, ids=IDS)
def test_kill_during_import_then_resume(home: Path, tmp_path: Path, shared_embedder, match: str, n: int) -> None:
    docs = _corpus(tmp_path / "docs")
    r = kill_after_sql(home, ["import", str(docs), "--quiet"], n, match=match)
    assert r.returncode == -9, f"the kill point was not reached:\n{r.stdout}\n{r.stderr[-2000:]}"
    before = check_whole(home / "mnemo.sqlite3")
    assert before["documents"] <= N_FILES
    opened = run_cli(home, "doctor", "--no-load")
    assert opened.returncode == 0, opened.stderr
    from app.services import Services

    with Services(home) as s:
        s.set_embedder(shared_embedder)
        report = s.documents.import_paths([docs])
        after = check_whole(home / "mnemo.sqlite3")
        assert after["documents"] == N_FILES and after["pending"] == 0, (report.summary(), after)
        assert len({d.path for d in s.documents.list_documents()}) == N_FILES
        assert s.vectors.count("chunks") == after["chunks"]
        assert s.vectors.ids("chunks") == {str(c.id) for c in s.documents.iter_chunks()}
        assert before["chunks"] <= after["chunks"] or before["documents"] < N_FILES
        hits = s.documents.search("dentist piano", k=3)
        assert hits and all(h.text for h in hits)
        persona = getattr(s, "persona", None)
        if persona is not None:
            persona.flush()
