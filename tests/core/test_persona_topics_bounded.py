"""Topics stay bounded on a big import: items are embedded a batch at a time from a stream, and beyond
``CLUSTER_AT_MOST`` unplaced items a spread sample forms the topics that the other items then join."""
from __future__ import annotations

import pytest

import core.persona.topics as topics_mod
from core.persona.topics import TopicStore
from core.store.db import Database
from core.store.vectors import VectorIndex
from tests.core.test_persona_topics import COOKING, CYCLING, NamingLLM


class CountingEmbedder:
    """The real embedder, counting how many texts each call embeds."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[int] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed(self, texts):
        self.calls.append(len(texts))
        return self.inner.embed(texts)


@pytest.fixture
def counted(tmp_path, shared_embedder):
    db = Database(tmp_path / "m.sqlite3")
    emb = CountingEmbedder(shared_embedder)
    yield TopicStore(db, VectorIndex(tmp_path / "vectors"), lambda: emb, lambda: NamingLLM("Gravel cycling")), emb
    db.close()


def test_a_stream_of_items_is_embedded_a_batch_at_a_time(counted, monkeypatch):
    store, emb = counted
    monkeypatch.setattr(topics_mod, "ADD_BATCH", 4)
    texts = (CYCLING + COOKING) * 2
    items = ((f"chunk:{i}", f"{t} (note {i})", 1) for i, t in enumerate(texts))   # a generator, as an import gives
    assert store.add_items(items) == 12
    assert emb.calls == [4, 4, 4]
    assert store.add_items([("chunk:0", texts[0], 1)]) == 0   # already stored


def test_beyond_the_cluster_limit_a_sample_forms_topics_and_the_rest_joins_them(counted, monkeypatch):
    store, _ = counted
    monkeypatch.setattr(topics_mod, "CLUSTER_AT_MOST", 6)
    texts = [f"{t} (note {i})" for i, t in enumerate((CYCLING + COOKING) * 3)]   # 18 items: sample of 6
    store.add_items([(f"chunk:{i}", t, 1) for i, t in enumerate(texts)])
    store.update()
    topics = store.list()
    assert len(topics) == 2   # cycling and cooking, formed from the 6 sampled notes
    # the sample's 6 and the near-copies of them outside it joined; a note far from both centroids stays loose
    assert 12 <= sum(t.size for t in topics) <= 18


def test_forgetting_a_document_drops_its_items_a_page_at_a_time(counted, monkeypatch):
    store, _ = counted
    texts = [f"{t} (note {i})" for i, t in enumerate((CYCLING + COOKING) * 2)]   # 12 items
    store.add_items([(f"chunk:{i}", t, 1 if i < 9 else 2) for i, t in enumerate(texts)])
    store.update()
    monkeypatch.setattr(topics_mod, "UPDATE_BATCH", 4)   # 9 items of document 1: three pages
    deleted: list[int] = []
    real_delete = store.vectors.delete
    monkeypatch.setattr(store.vectors, "delete", lambda c, ids: (deleted.append(len(ids)), real_delete(c, ids))[1])
    store.remove(document_id=1)
    assert deleted == [4, 4, 1]
    with store.db.read() as conn:
        left = [r for r, in conn.execute("SELECT ref FROM persona_topic_item ORDER BY ref")]
    assert left == ["chunk:10", "chunk:11", "chunk:9"]
    assert sum(t.size for t in store.list()) <= 3   # the topics count what is left
    store.remove(refs=["chunk:9", "chunk:10"])
    with store.db.read() as conn:
        assert [r for r, in conn.execute("SELECT ref FROM persona_topic_item")] == ["chunk:11"]


def test_the_clustered_sample_does_not_fall_in_step_with_repeating_data():
    from array import array

    from core.persona.topics import spread_sample

    rowids = array("q", range(1, 2001))   # odd rowids one kind of note, even the other: every 2nd sees one kind
    sample = spread_sample(rowids, 1000)
    assert len(sample) == 1000 and len(set(sample)) == 1000
    assert 350 < sum(r % 2 for r in sample) < 650
    assert sample == spread_sample(rowids, 1000)   # the same items, the same sample
    assert spread_sample(array("q", [1, 2, 3]), 10) == array("q", [1, 2, 3])
