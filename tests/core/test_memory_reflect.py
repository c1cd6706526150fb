"""Prospective reflection: segments with exact sources, one notes call per session, ADD/MERGE, caching."""
from __future__ import annotations

import pytest

from core.memory.notes import check_note, extractive_note
from core.memory.reflect import Reflector, segment
from core.memory.store import MemoryStore, TurnIn
from core.store.db import Database
from core.store.vectors import VectorIndex
from tests.fakes import FakeChatModel


def FakeModel(merge: bool = True, junk: bool = False) -> FakeChatModel:
    """Deterministic complete_json: notes name the part's first turn; decisions follow ``merge``."""

    def answer(messages, schema):
        props = schema["properties"]
        if "note1" in props:
            if junk:
                return {k: "1. 2. 3." for k in props}
            parts = messages[1]["content"].split("Part ")[1:]
            return {f"note{i}": p.split("\n")[1][:60] for i, p in enumerate(parts, 1)}
        n = props["decisions"]["minItems"]
        return {"decisions": [{"action": "MERGE" if merge else "ADD", "stored": 1}] * n}

    return FakeChatModel(json=answer)


SESSION = [("Ada", "I adopted a grey cat called Pixel last week."), ("Ben", "A cat! How is Pixel settling in?"),
           ("Ada", "Pixel sleeps on my keyboard all day."), ("Ben", "Ha, typical cat behaviour."),
           ("Ada", "I also started learning the cello in March."), ("Ben", "The cello is a lovely instrument."),
           ("Ada", "My teacher says I practise too little."), ("Ben", "Half an hour a day is enough.")]


def turns(prefix: str, pairs=SESSION) -> list[TurnIn]:
    return [TurnIn(f"msg:{prefix}{i}", who, text, "8 May 2023") for i, (who, text) in enumerate(pairs)]


@pytest.fixture
def store(tmp_path, shared_embedder):
    db = Database(tmp_path / "m.sqlite3")
    yield MemoryStore(db, VectorIndex(tmp_path / "vec"), lambda: shared_embedder)
    db.close()


def test_segment_keeps_consecutive_turns_within_bounds():
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=8), rng.normal(size=8)
    vecs = np.stack([a, a, a, b, b, b, b, b, b, a])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    segs = segment(vecs, max_len=4, min_len=2, theta=0.3)
    assert [i for s in segs for i in s] == list(range(10))
    assert all(1 <= len(s) <= 4 for s in segs)
    assert [0, 1, 2] in segs  # the topic change after turn 2 starts a new segment


def test_reflection_adds_memories_with_exact_sources_in_one_call(store):
    model = FakeModel()
    stats = Reflector(store, lambda: model).reflect_session(1, turns("a"), "8 May 2023")
    assert stats.model_calls == 1 and stats.added >= 2 and stats.merged == 0
    mems = store.list()
    refs = sorted(r for m in mems for r in m.sources)
    assert refs == sorted(f"msg:a{i}" for i in range(8))       # every turn behind exactly one memory
    assert all("8 May 2023" in m.text for m in mems)
    assert any("Pixel" in m.summary for m in mems)


def test_similar_session_is_merged_with_a_revision(store):
    model = FakeModel(merge=True)
    r = Reflector(store, lambda: model, merge_threshold=0.8)
    r.reflect_session(1, turns("a"), "8 May 2023")
    before = {m.id: m.summary for m in store.list()}
    stats = r.reflect_session(1, turns("b"), "8 May 2023")
    # notes (same words: answered from the cache), then ONE batched decision call for the session
    assert stats.merged >= 1 and stats.cached_calls == 1 and len(model.schemas) == 2
    merged = [m for m in store.list() if any(s.startswith("msg:b") for s in m.sources) and m.id in before]
    assert merged, "a new memory was merged into an old one"
    m = merged[0]
    assert any(s.startswith("msg:a") for s in m.sources)
    revs = store.revisions(m.id)
    assert revs and revs[0].summary == before[m.id] and revs[0].reason == "merge"


def test_add_decision_keeps_memories_apart(store):
    r = Reflector(store, lambda: FakeModel(merge=False), merge_threshold=0.8)
    r.reflect_session(1, turns("a"), "8 May 2023")
    n = store.count()
    stats = r.reflect_session(1, turns("b"), "8 May 2023")
    assert stats.merged == 0 and store.count() == 2 * n


def test_junk_notes_fall_back_and_answers_are_cached(store):
    model = FakeModel(junk=True)
    r = Reflector(store, lambda: model)
    stats = r.reflect_session(1, turns("a"), "8 May 2023")
    assert stats.fallback_notes == stats.added
    assert all(m.summary.startswith(("Ada:", "Ben:")) for m in store.list())
    again = r.reflect_session(2, turns("c"), "8 May 2023", )   # same notes prompt: answered from the cache
    assert again.cached_calls >= 1 and len([c for c in model.schemas if "note1" in c["properties"]]) == 1


def test_no_model_still_reflects(store):
    stats = Reflector(store, None).reflect_session(1, turns("a"), "")
    assert stats.added >= 2 and stats.model_calls == 0


def test_grounding_and_extractive_note():
    src = turns("x")[:2]
    assert check_note("Ada adopted a grey cat called Pixel", src).note == "Ada adopted a grey cat called Pixel."
    assert not check_note("1. 2. 3. 4.", src).ok
    assert check_note("The weather on Mars is cold and red", src).reason == "value"
    assert check_note("The weather is cold and red today", src).reason == "words"
    assert extractive_note(src).startswith("Ada: I adopted a grey cat")


def test_model_notes_in_the_first_person_fall_back_and_are_counted(store):
    stats = Reflector(store, lambda: FakeModel()).reflect_session(1, turns("a"), "8 May 2023")
    assert stats.rejected_notes == 1 and stats.rejections == {"person": 1}   # "Ada: I adopted ..." : who is "I"?
