"""A topic update reads vectors a bounded page at a time: on 20k items (and again with existing topics to
join) no read returns more than ``max(CLUSTER_AT_MOST, UPDATE_BATCH)`` vectors, and every item gets a topic."""
from __future__ import annotations

import zlib
from typing import cast

import numpy as np
import pytest

import core.persona.topics as topics_mod
from core.persona.topics import TopicStore
from core.ports import VectorStore
from core.store.db import Database

DIM, THEMES = 16, 5


class ThemeEmbedder:
    """Vectors near one of ``THEMES`` directions, the theme named by the text's first word ('theme3 ...')."""

    name, dim, device = "theme-fake", DIM, "cpu"

    def __init__(self) -> None:
        self.bases = np.eye(DIM, dtype=np.float32)[:THEMES]

    def embed(self, texts):
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            k = int(t.split()[0].removeprefix("theme"))
            noise = np.random.default_rng(zlib.crc32(t.encode())).normal(0, 0.05, DIM).astype(np.float32)
            out[i] = self.bases[k] + noise
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class DictVectors:
    """An in-memory vector store that records how many vectors each read returns."""

    def __init__(self) -> None:
        self.data: dict[str, np.ndarray] = {}
        self.reads: list[int] = []

    def upsert(self, name, ids, embeddings, metadatas=None) -> None:
        for i, e in zip(ids, embeddings):
            self.data[str(i)] = np.asarray(e, dtype=np.float32)

    def delete(self, name, ids) -> None:
        for i in ids:
            self.data.pop(str(i), None)

    def width(self, name):
        return DIM if self.data else None

    def vectors(self, name, ids):
        got = {str(i): self.data[str(i)] for i in ids if str(i) in self.data}
        self.reads.append(len(got))
        return got


def _items(start: int, n: int):
    return ((f"chunk:{i}", f"theme{zlib.crc32(str(i).encode()) % THEMES} note number {i} about this theme", 1) for i in range(start, start + n))


@pytest.fixture
def store(tmp_path):
    db = Database(tmp_path / "m.sqlite3")
    vectors = DictVectors()
    emb = ThemeEmbedder()
    yield TopicStore(db, cast(VectorStore, vectors), lambda: emb, None), vectors
    db.close()


def _sizes(store: TopicStore) -> list[int]:
    with store.db.read() as conn:
        loose = conn.execute("SELECT COUNT(*) FROM persona_topic_item WHERE topic_id IS NULL").fetchone()[0]
        sizes = [r[0] for r in conn.execute("SELECT size FROM persona_topic ORDER BY size")]
        counted = [r[0] for r in conn.execute(
            "SELECT COUNT(*) FROM persona_topic_item WHERE topic_id IS NOT NULL GROUP BY topic_id ORDER BY 1")]
    assert loose == 0 and sizes == counted   # every item has a topic, and the topics' sizes are right
    return sizes


def test_an_update_of_many_items_reads_their_vectors_a_page_at_a_time(store, monkeypatch):
    ts, vectors = store
    monkeypatch.setattr(topics_mod, "CLUSTER_AT_MOST", 400)
    monkeypatch.setattr(topics_mod, "UPDATE_BATCH", 1000)
    monkeypatch.setattr(topics_mod, "NAME_AT_MOST", 2000)
    monkeypatch.setattr(topics_mod, "NAME_PER_TOPIC", 500)
    bound = 1000
    snippets: list[int] = []
    real = ts._snippets

    def counted(*a):
        got = real(*a)
        snippets.append(len(got))
        return got

    monkeypatch.setattr(ts, "_snippets", counted)
    assert ts.add_items(_items(0, 20_000)) == 20_000
    vectors.reads.clear()
    changed = ts.update()
    assert len(changed) == THEMES and sum(_sizes(ts)) == 20_000
    assert sum(vectors.reads) >= 20_000 and max(vectors.reads) <= bound, max(vectors.reads)
    # naming reads a spread sample of the snippets: 2000 of all to weigh keywords, 500 of each topic's
    assert snippets and max(snippets) <= 2000 and all(t.name and t.keywords for t in ts.list())
    # more items join the existing topics: their centroids are summed page by page too
    assert ts.add_items(_items(20_000, 5_000)) == 5_000
    vectors.reads.clear()
    changed = ts.update()
    assert len(changed) == THEMES and sum(_sizes(ts)) == 25_000 and len(ts.list()) == THEMES
    assert max(vectors.reads) <= bound


def test_an_update_stopped_halfway_leaves_consistent_sizes_and_the_next_one_finishes(store, monkeypatch):
    from core.errors import Cancelled
    from core.jobs import CancelToken

    ts, vectors = store
    monkeypatch.setattr(topics_mod, "CLUSTER_AT_MOST", 100)
    monkeypatch.setattr(topics_mod, "UPDATE_BATCH", 300)
    ts.add_items(_items(0, 2_000))
    cancel = CancelToken()
    real = vectors.vectors
    pages = []

    def stop_after_the_sample(name, ids):
        pages.append(len(ids))
        if len(pages) == 9:   # 7 pages placing, the sample, then the first page joining the new topics
            cancel.cancel()
        return real(name, ids)

    monkeypatch.setattr(vectors, "vectors", stop_after_the_sample)
    with pytest.raises(Cancelled):
        ts.update(cancel=cancel)
    with ts.db.read() as conn:
        half = conn.execute("SELECT COUNT(*) FROM persona_topic_item WHERE topic_id IS NOT NULL").fetchone()[0]
        unnamed = conn.execute("SELECT COUNT(*) FROM persona_topic WHERE name = ''").fetchone()[0]
    assert 0 < half < 2_000 and unnamed == THEMES
    monkeypatch.setattr(vectors, "vectors", real)
    ts.update()
    assert sum(_sizes(ts)) == 2_000 and all(t.name for t in ts.list())


def test_new_items_are_told_from_stored_ones_a_batch_at_a_time(store, monkeypatch):
    ts, vectors = store
    monkeypatch.setattr(topics_mod, "ADD_BATCH", 4)
    assert ts.add_items(_items(0, 6)) == 6
    again = list(_items(4, 6)) + [("chunk:20", "short", 1)] + list(_items(7, 3)) + list(_items(0, 2))
    assert ts.add_items(iter(again)) == 4   # chunk:6..9 are new; repeats, stored refs and short texts are not
    with ts.db.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM persona_topic_item").fetchone()[0] == 10 == len(vectors.data)


def test_scrub_and_rebuild_go_through_the_items_in_sql(store, monkeypatch):
    ts, _ = store
    monkeypatch.setattr(topics_mod, "UPDATE_BATCH", 7)   # the scrub pages through the items 7 at a time
    ts.add_items(_items(0, 60))
    ts.update()
    before = _sizes(ts)
    assert any("note" in " ".join(t.keywords + [t.name]).lower() for t in ts.list())
    ts.scrub(["note", "number 4"])
    with ts.db.read() as conn:
        texts = [r[0] for r in conn.execute("SELECT snippet FROM persona_topic_item")]
        texts += [" ".join(r) for r in conn.execute("SELECT name, description, keywords FROM persona_topic")]
    assert len(texts) == 60 + THEMES and not any("note" in x.lower() or "number 4" in x for x in texts)
    assert sum(x.count("…") for x in texts[:60]) == 60 + 11   # every note; number 4, 40-49
    ts.rebuild()
    assert _sizes(ts) == before


def test_scrub_removes_a_forgotten_value_that_only_a_keyword_holds(store):
    ts, _ = store
    ts.add_items(_items(0, 30))
    ts.update()
    with ts.db.read() as conn:
        tid, kws = conn.execute("SELECT id, keywords FROM persona_topic ORDER BY id LIMIT 1").fetchone()
    with ts.db.write() as conn:   # the last of its 8 keywords: in neither its name nor its description
        conn.execute("UPDATE persona_topic SET keywords = ? WHERE id = ?", ('["about", "theme", "zanzibar"]', tid))
    ts.scrub(["zanzibar"])
    assert all("zanzibar" not in t.keywords for t in ts.list())
