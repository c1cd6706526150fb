"""``mnemo import`` / ``search`` / ``docs`` end to end: a real subprocess with the embedded embedder,
Ctrl-C (SIGINT) stops cleanly, running again resumes, search shows sources, forget removes."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.fixtures.documents.make import build_broken, build_corpus
from tests.e2e.crash_helpers import signal_when


def _mnemo(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app.cli.main", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_import_ctrl_c_resume_search_forget(home, tmp_path, monkeypatch, shared_embedder, capsys):
    corpus = tmp_path / "docs"
    build_corpus(corpus)
    build_broken(corpus / "broken")
    # More one-chunk files than one embedding batch (128): the first batch (and the model load)
    # comes while files remain, so the Ctrl-C below always lands mid-import.
    journal = corpus / "journal"
    journal.mkdir()
    for i in range(150):
        (journal / f"day{i:03d}.md").write_text(f"Day {i}: walked along the canal and wrote about the weather.")

    proc = _mnemo("import", str(corpus))
    signal_when(proc, home / "mnemo.sqlite3", "select count(*) from document where status = 'ok'", 3, signal.SIGINT,
                timeout=120, poll_s=0.2)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "stopped early" in out and "Stopping after the current file" in err

    again = _mnemo("import", str(corpus))
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "unchanged" in out and "Skipped:" in out and "encrypted" in out and "empty file" in out
    assert "chunks/s" in err and "ETA" in err  # the progress bar

    third = _mnemo("import", str(corpus))
    out, _ = third.communicate(timeout=120)
    assert third.returncode == 0 and "0 imported, 0 updated, 161 unchanged" in out

    # search and docs in-process, sharing the already-loaded embedder
    from app.cli.main import main
    from app.services import Services

    monkeypatch.setattr(Services, "embedder", property(lambda self: shared_embedder))
    # every chunk marked embedded has its vector in Chroma (a missing one would drop out of the dense ranking)
    from core.documents.search import COLLECTION
    from core.store.vectors import VectorIndex

    con = sqlite3.connect(home / "mnemo.sqlite3")
    marked = {str(r[0]) for r in con.execute("select id from chunk where vector_state = 1")}
    con.close()
    in_chroma = VectorIndex(home / "vectors").ids(COLLECTION)
    assert marked and marked <= in_chroma, sorted(marked - in_chroma)[:10]
    assert main(["search", "sailing boat pier"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].startswith(" 1. boat.eml › 'Boat trip' (2024-05-01)"), printed
    assert main(["docs", "list"]) == 0
    listing = capsys.readouterr().out
    assert "manual.pdf" in listing and " failed " in listing and "encrypted" in listing
    doc_id = next(int(line.split()[0]) for line in listing.splitlines() if line.endswith("boat.eml"))
    assert main(["docs", "forget", str(doc_id)]) == 0
    capsys.readouterr()
    assert main(["search", "sailing boat pier", "--json"]) == 0
    assert "Boat trip" not in capsys.readouterr().out
