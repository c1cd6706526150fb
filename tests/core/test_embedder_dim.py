"""The embedder's width comes from the embedder, and a wrong one fails loudly (an EmbedderError that says what
to do), never silently: a lying embedder, stored vectors of another embedder, a Chroma collection of another
width; plus the one place that sets torch's thread count."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from core.documents.model import ChunkDraft
from core.documents.search import HybridSearch
from core.documents.store import COLLECTION as CHUNKS, DocumentStore
from core.errors import EmbedderError, MnemoError
from core.memory.reranker import Reranker
from core.memory.retrieval import Retriever
from core.memory.store import MEMORIES, MemoryStore, TurnIn
from core.persona.topics import COLLECTION as TOPIC_ITEMS, TopicStore
from core.store.db import Database
from core.store.embedding import VectorSpaces, embed_texts
from core.store.vectors import VectorIndex
from tests.fakes import FakeEmbedder


@pytest.fixture
def folder(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    yield db, VectorIndex(tmp_path / "vectors")
    db.close()


class Holder:
    """The embedder setting: tests swap what it returns, as a changed model.embedder_path does."""

    def __init__(self, embedder: FakeEmbedder) -> None:
        self.embedder = embedder

    def __call__(self) -> FakeEmbedder:
        return self.embedder


def _loud(exc: pytest.ExceptionInfo) -> None:
    assert isinstance(exc.value, MnemoError)
    assert "mnemo reembed" in str(exc.value) or "model.embedder_path" in str(exc.value)


def test_an_embedder_that_lies_about_its_dimension_fails_loudly(folder):
    db, vectors = folder
    liar = FakeEmbedder(dim=384, width=768)          # says 384, returns 768-wide vectors
    with pytest.raises(EmbedderError) as exc:
        embed_texts(liar, ["a sentence"])
    assert "[1, 384]" in str(exc.value) and "model.embedder_path" in str(exc.value)
    store = MemoryStore(db, vectors, lambda: liar)
    with pytest.raises(EmbedderError):
        store.add("Clara teaches in Porto.", ["msg:1"], ["User: Clara teaches in Porto."], 1)
    assert store.count() == 0                        # nothing half-written


def test_memories_of_another_embedder_are_not_searched_silently(folder):
    db, vectors = folder
    setting = Holder(FakeEmbedder(dim=16, name="small"))
    store = MemoryStore(db, vectors, setting)
    store.add("Clara teaches in Porto.", ["msg:1"], ["User: Clara teaches in Porto."], 1)
    store.add_turns(1, [TurnIn("msg:1", "User", "Clara teaches in Porto.", "1 May 2024")])
    space = VectorSpaces.of(db).get(MEMORIES)
    assert (space.embedder, space.dim) == ("small", 16)           # the record: who made the vectors

    retriever = Retriever(store, setting, Reranker(lambda: setting().dim))
    assert retriever.retrieve("Where does Clara teach?", k=5).candidates
    setting.embedder = FakeEmbedder(dim=32, name="wide")          # model.embedder_path changed
    with pytest.raises(EmbedderError) as exc:
        retriever.retrieve("Where does Clara teach?", k=5)
    _loud(exc)
    assert "small (16 wide)" in str(exc.value) and "wide (32 wide)" in str(exc.value)
    with pytest.raises(EmbedderError):                            # writes too: no mixed vectors
        store.add("Clara moved to Lisbon.", ["msg:2"], ["User: Clara moved to Lisbon."], 1)

    setting.embedder = FakeEmbedder(dim=16, name="other16")       # same width, another model: still refused
    with pytest.raises(EmbedderError):
        store.dense(MEMORIES, np.ones(16, np.float32) / 4, 5)


def test_document_search_raises_instead_of_falling_back_to_keywords(folder):
    db, vectors = folder
    store = DocumentStore(db)
    setting = Holder(FakeEmbedder(dim=16, name="small"))
    drafts = [ChunkDraft("a boat on the lake", "a.txt line 1", {}), ChunkDraft("kayak rental prices", "a.txt line 2", {})]
    doc_id, rows, _, _ = store.save(path="/a.txt", name="a.txt", fmt="text", content_hash="h", size=1, mtime=0,
                                    meta={}, chunks=drafts)
    ids = [r[0] for r in rows]
    vecs = setting().embed([d.text for d in drafts])
    vectors.upsert(CHUNKS, ids, vecs, [{"document_id": doc_id}] * 2)
    store.mark_embedded(ids, vecs)
    search = HybridSearch(store, vectors, setting)
    assert search.search("boat", k=5)
    setting.embedder = FakeEmbedder(dim=32, name="wide")
    with pytest.raises(EmbedderError) as exc:
        search.search("boat", k=5)
    _loud(exc)
    with pytest.raises(EmbedderError):                            # the import's write path checks the width
        store.mark_embedded(ids, np.ones((2, 32), np.float32))


def test_a_data_folder_older_than_the_record_is_checked_by_the_width_it_holds(folder):
    db, vectors = folder
    old = FakeEmbedder(dim=16, name="small")
    store = MemoryStore(db, vectors, lambda: old)
    store.add("Clara teaches in Porto.", ["msg:1"], ["User: Clara teaches in Porto."], 1)
    with db.write() as conn:                      # as before the vector_space table existed
        conn.execute("DELETE FROM vector_space")
    VectorSpaces.of(db).changed()
    wide = MemoryStore(db, vectors, lambda: FakeEmbedder(dim=32, name="wide"))
    with pytest.raises(EmbedderError):
        wide.dense(MEMORIES, np.ones(32, np.float32), 5)
    assert store.dense(MEMORIES, old.embed(["Clara Porto"])[0], 5)  # the same width: adopted


def test_chroma_refuses_another_width_with_an_error_that_says_what_to_do(folder):
    _, vectors = folder
    vectors.upsert("test_col", [1], np.ones((1, 8), np.float32))
    with pytest.raises(EmbedderError) as exc:
        vectors.upsert("test_col", [2], np.ones((1, 4), np.float32))
    _loud(exc)
    with pytest.raises(EmbedderError):
        vectors.query("test_col", np.ones(4, np.float32), 3)
    vectors.delete("test_col", [1])                               # empty, but still 8 wide in Chroma
    vectors.upsert("test_col", [2], np.ones((1, 4), np.float32))   # made again for the new width
    assert vectors.width("test_col") == 4 and vectors.count("test_col") == 1


def test_topic_items_of_another_embedder_are_refused(folder):
    db, vectors = folder
    setting = Holder(FakeEmbedder(dim=16, name="small"))
    topics = TopicStore(db, vectors, setting, None)
    assert topics.add_items([("chunk:1", "We sailed along the fjord and counted seals all day.", 1)]) == 1
    assert vectors.width(TOPIC_ITEMS) == 16
    setting.embedder = FakeEmbedder(dim=32, name="wide")
    with pytest.raises(EmbedderError) as exc:
        topics.add_items([("chunk:2", "The kayak rental near the harbour opens at nine.", 1)])
    _loud(exc)


def test_the_reranker_takes_its_width_from_the_embedder(folder, tmp_path):
    from core.memory.service import MemoryService

    db, vectors = folder
    embedder = FakeEmbedder(dim=24)

    class Conversations:
        def on_message(self, fn):
            pass

    mem = MemoryService(db, vectors, Conversations(), None, None, lambda: embedder, tmp_path / "models")
    assert mem.reranker.dim == 24
    with pytest.raises(EmbedderError):
        Reranker(24).scores(np.ones(12, np.float32), np.ones((3, 12), np.float32))
    r = Reranker(lambda: embedder.dim)
    embedder._dim = 12                                            # the embedder changed and everything was re-embedded
    assert r.scores(np.ones(12, np.float32), np.ones((3, 12), np.float32)).shape == (3,)
    assert r.dim == 12


def test_one_thread_sections_nest_overlap_and_restore():
    """torch's count is per thread (OpenMP): each section's thread goes to 1 and back to the normal count,
    whatever order sections of different threads end in (the old per-module locks could leave 1 behind)."""
    import torch

    from models.threads import active_sections, one_thread

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen: dict[str, int] = {}
    try:
        inside, release = threading.Event(), threading.Event()

        def worker():  # started inside main's section: it inherits 1 and must not take 1 for the normal count
            with one_thread():
                seen["worker"] = torch.get_num_threads()
                inside.set()
                release.wait(5)
            seen["worker_after"] = torch.get_num_threads()

        t = threading.Thread(target=worker)
        with one_thread():
            assert torch.get_num_threads() == 1
            with one_thread():                                    # nested
                assert torch.get_num_threads() == 1
            assert torch.get_num_threads() == 1                   # the inner exit did not restore
            t.start()
            inside.wait(5)
            assert active_sections() == 2
        assert torch.get_num_threads() == 2                       # main left first, the worker is still inside
        release.set()
        t.join(5)
        assert seen == {"worker": 1, "worker_after": 2}
        assert active_sections() == 0

        def fresh():
            seen["fresh"] = torch.get_num_threads()

        t2 = threading.Thread(target=fresh)
        t2.start()
        t2.join(5)
        assert seen["fresh"] == 2                                 # threads started now are not left on one
    finally:
        torch.set_num_threads(before)
