"""Re-embedding after the embedder changed: it says how much first, embeds chunks, memories, turns and topic
items again (Chroma collections made again at the new width, SQLite copies rewritten), and is resumable: a
cancelled or killed run is finished by the next one without embedding a finished row twice."""
from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from core.documents import DocumentService
from core.documents.store import COLLECTION as CHUNKS
from core.errors import Cancelled, EmbedderError
from core.jobs import CancelToken, Progress
from core.memory.reranker import Reranker
from core.memory.retrieval import Retriever
from core.memory.store import MEMORIES, TURNS, MemoryStore, TurnIn
from core.persona.topics import COLLECTION as TOPIC_ITEMS, TopicStore
from core.settings import SettingsStore
from core.store.db import Database, scalar
from core.store.embedding import VectorSpaces
from core.store.reembed import Reembedder
from core.store.vectors import VectorIndex
from tests.fakes import FakeEmbedder

REPO = Path(__file__).resolve().parents[2]


class Recording(FakeEmbedder):
    """A FakeEmbedder that remembers every text it embedded."""

    def __init__(self, dim: int, name: str) -> None:
        super().__init__(dim=dim, name=name)
        self.texts: list[str] = []

    def embed(self, texts):
        self.texts.extend(texts)
        return super().embed(texts)


class Setting:
    """The embedder setting: tests swap what it returns, as a changed model.embedder_path does."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder

    def __call__(self):
        return self.embedder


def _build(home: Path, setting: Setting) -> dict:
    """A data folder with documents, memories, turns and topic items, all embedded by ``setting()``."""
    db = Database(home / "mnemo.sqlite3")
    vectors = VectorIndex(home / "vectors")
    settings = SettingsStore(home / "settings.json")
    settings.set("retrieval.chunk_chars", 200)
    settings.set("retrieval.chunk_overlap", 20)
    docs_dir = home / "docs"
    docs_dir.mkdir(parents=True)
    (docs_dir / "fjord.md").write_text("\n\n".join(
        f"Day {i}: we sailed along the fjord number {i} and counted {i + 3} seals near the rocks." for i in range(8)))
    (docs_dir / "kayak.txt").write_text("The kayak rental by the harbour opens at nine and closes at six.")
    docs = DocumentService(db, vectors, setting, settings)
    docs.import_paths([docs_dir])
    store = MemoryStore(db, vectors, setting)
    store.add_turns(1, [TurnIn(f"msg:{i}", "User", f"turn {i}: Clara teaches music in Porto, year {2020 + i}",
                               "1 May 2024") for i in range(3)])
    store.add_many([("Clara teaches music in Porto.", ["msg:0"], ["User: Clara teaches in Porto."], 1, "1 May 2024", {}),
                    ("Clara likes kayaking.", ["msg:1"], ["User: Clara likes kayaking."], 1, "2 May 2024", {})])
    topics = TopicStore(db, vectors, setting, None)
    chunks = list(docs.iter_chunks())
    topics.add_items([(f"chunk:{c.id}", c.text, c.document_id) for c in chunks[:4]] +
                     [("memory:1", "Clara teaches music in Porto, at the conservatory near the river.", None)])
    return {"db": db, "vectors": vectors, "docs": docs, "store": store, "topics": topics, "chunks": chunks}


def _counts(f: dict) -> dict[str, int]:
    with f["db"].read() as conn:
        n = {t: scalar(conn, f"SELECT count(*) FROM {t}") for t in
             ("chunk", "memory", "memory_turn", "persona_topic_item")}
    return {CHUNKS: n["chunk"], MEMORIES: n["memory"], TURNS: n["memory_turn"], TOPIC_ITEMS: n["persona_topic_item"]}


def _all_at(f: dict, name: str, dim: int) -> None:
    """Every collection is recorded, stored and indexed at ``dim`` by ``name``."""
    spaces = VectorSpaces.of(f["db"]).all()
    for coll in (CHUNKS, MEMORIES, TURNS, TOPIC_ITEMS):
        assert (spaces[coll].embedder, spaces[coll].dim, spaces[coll].reembedding) == (name, dim, False), coll
        assert f["vectors"].width(coll) == dim, coll
    counts = _counts(f)
    for coll in (CHUNKS, MEMORIES, TURNS, TOPIC_ITEMS):
        assert f["vectors"].count(coll) == counts[coll], coll
    with f["db"].read() as conn:
        assert {r[0] for r in conn.execute("SELECT length(vector) FROM chunk")} == {2 * dim}
        assert {r[0] for r in conn.execute("SELECT vector_state FROM chunk")} == {1}
        assert {r[0] for r in conn.execute("SELECT length(vector) FROM memory")} == {4 * dim}
        assert {r[0] for r in conn.execute("SELECT length(vector) FROM memory_turn")} == {4 * dim}


def test_changing_the_embedder_reembeds_everything_and_says_so_first(tmp_path):
    setting = Setting(FakeEmbedder(dim=16, name="small"))
    f = _build(tmp_path, setting)
    assert f["docs"].search("fjord seals", k=3)
    retriever = Retriever(f["store"], setting, Reranker(lambda: setting().dim))
    assert retriever.retrieve("Where does Clara teach?", k=5).candidates

    wide = Recording(dim=32, name="wide")
    setting.embedder = wide                                       # model.embedder_path changed
    with pytest.raises(EmbedderError, match="mnemo reembed"):
        f["docs"].search("fjord seals", k=3)
    with pytest.raises(EmbedderError, match="mnemo reembed"):
        retriever.retrieve("Where does Clara teach?", k=5)

    wide.texts.clear()                                            # (the two queries)
    job = Reembedder(f["db"], f["vectors"], setting, batch=3)
    plan = job.plan()
    assert plan.counts == _counts(f) and plan.total == sum(_counts(f).values())
    assert plan.describe().startswith(f"Re-embedding {plan.total} items with wide (32 wide)")
    reports: list[Progress] = []
    report = job.run(progress=reports.append)
    assert report.total == plan.total == len(wide.texts)         # each item embedded once
    assert reports[-1].done == reports[-1].total == plan.total
    _all_at(f, "wide", 32)
    assert job.plan().total == 0 and "nothing to re-embed" in job.plan().describe()

    hits = f["docs"].search("fjord seals", k=3)                   # searches work again, at the new width
    assert hits and "fjord" in hits[0].text
    assert retriever.retrieve("Where does Clara teach?", k=5).candidates
    assert retriever.reranker.dim == 32
    f["topics"].update()
    assert f["topics"].add_items([("message:9", "A brand new note about sailing boats on the fjord.", None)]) == 1
    # a topic item is embedded again from the text it stands for, not from its (shortened, redacted) snippet
    first = f["chunks"][0]
    got = f["vectors"].collection(TOPIC_ITEMS).get(ids=[f"chunk:{first.id}"], include=["embeddings"])
    assert np.allclose(got["embeddings"][0], wide.embed([first.text])[0], atol=1e-5)


def test_a_cancelled_run_is_finished_by_the_next_without_redoing_rows(tmp_path):
    setting = Setting(FakeEmbedder(dim=16, name="small"))
    f = _build(tmp_path, setting)
    first = Recording(dim=32, name="wide")
    setting.embedder = first
    job = Reembedder(f["db"], f["vectors"], setting, batch=2)
    total = job.plan().total
    cancel = CancelToken()

    def progress(p: Progress) -> None:
        if p.done >= 4:
            cancel.cancel()

    with pytest.raises(Cancelled, match="mnemo reembed"):
        job.run(progress=progress, cancel=cancel)
    assert len(first.texts) == 4                                  # two batches of the five chunks
    n_first = len(first.texts)
    with pytest.raises(EmbedderError, match="not finished"):      # half done: searches say so
        f["docs"].search("fjord seals", k=3)

    again = Recording(dim=32, name="wide")
    setting.embedder = again
    plan = job.plan()
    assert plan.total == total - 4 and plan.resumed == [CHUNKS] and "where the last run stopped" in plan.describe()
    assert job.run().total == total - 4
    # one embedding per row over both runs, and every row at the new width: no finished row was done twice
    assert n_first + len(again.texts) == total
    _all_at(f, "wide", 32)
    assert f["docs"].search("fjord seals", k=3)


KILLED_RUN = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[2])
    from core.store.db import Database
    from core.store.reembed import Reembedder
    from core.store.vectors import VectorIndex
    from tests.fakes import FakeEmbedder

    class Dying(FakeEmbedder):
        calls = 0
        def embed(self, texts):
            Dying.calls += 1
            if Dying.calls == 4:
                os._exit(9)                       # killed mid-job: no cleanup, no finally
            with open(sys.argv[3], "a") as f:
                f.writelines(t.replace("\\n", " ") + "\\n" for t in texts)
            return super().embed(texts)

    home = sys.argv[1]
    emb = Dying(dim=32, name="wide")
    Reembedder(Database(f"{home}/mnemo.sqlite3"), VectorIndex(f"{home}/vectors"), lambda: emb, batch=3).run()
""")


def test_a_killed_run_is_finished_by_the_next(tmp_path):
    setting = Setting(FakeEmbedder(dim=16, name="small"))
    f = _build(tmp_path, setting)
    total = sum(_counts(f).values())
    f["db"].close()
    log = tmp_path / "embedded-before-kill.txt"
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, str(tmp_path), str(REPO), str(log)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 9, proc.stderr[-2000:]
    before_kill = log.read_text().splitlines()
    assert len(before_kill) == 3 + 2 + 2                          # the chunks' two batches and the memories' one

    db = Database(tmp_path / "mnemo.sqlite3")
    vectors = VectorIndex(tmp_path / "vectors")
    again = Recording(dim=32, name="wide")
    job = Reembedder(db, vectors, lambda: again, batch=3)
    plan = job.plan()
    assert plan.total == total - 7 and plan.counts[CHUNKS] == plan.counts[MEMORIES] == 0
    job.run()
    assert len(again.texts) == total - 7                          # only what the killed run had not finished
    _all_at({"db": db, "vectors": vectors}, "wide", 32)
    db.close()


def test_the_cli_says_how_many_items_then_reembeds(services, capsys):
    from app.cli import reembed_cmd

    services.set_embedder(FakeEmbedder(dim=16, name="small"))
    services.memory.store.add("Clara teaches music in Porto.", ["msg:1"], ["User: Clara teaches in Porto."], 1)
    services.set_embedder(FakeEmbedder(dim=24, name="medium"))   # what a changed model.embedder_path loads
    args = argparse.Namespace(check=True, force=False, json=False)
    assert reembed_cmd.run(args, services) == 1                   # --check: needed
    assert "Re-embedding 1 items with medium (24 wide): 1 memories." in capsys.readouterr().out
    args.check = False
    assert reembed_cmd.run(args, services) == 0
    out = capsys.readouterr().out
    assert out.startswith("Re-embedding 1 items") and "Re-embedded 1 items with medium." in out
    assert services.memory.search("Where does Clara teach?", k=3)
    assert reembed_cmd.run(args, services) == 0 and "nothing to re-embed" in capsys.readouterr().out
    assert reembed_cmd.settings_notice("model.embedder_path") and reembed_cmd.settings_notice("model.path") is None
    assert "mnemo vectors migrate" in reembed_cmd.settings_notice("storage.vectors")


def test_settings_set_of_the_embedder_says_a_reembed_is_needed(home, capsys):
    from app.cli.main import main

    assert main(["settings", "set", "model.embedder_path", str(home / "other-embedder")]) == 0
    out = capsys.readouterr().out
    assert "model.embedder_path = " in out and "mnemo reembed" in out
    assert main(["settings", "set", "generation.temperature", "0.3"]) == 0
    assert "reembed" not in capsys.readouterr().out
