"""The topic map's rows: stored vectors projected to 2-D, grouped by persona topic or KMeans, labelled."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.insights.topic_map import distinctive_words, topic_map

COOKING = [
    "I baked sourdough bread with rye flour and a long cold proof in the fridge overnight.",
    "The tomato risotto needs arborio rice, parmesan and a slow ladle of stock while stirring.",
    "Our lasagne recipe: bechamel sauce, fresh pasta sheets, ragu simmered for three hours.",
    "Whisk eggs, sugar and butter for the lemon tart; blind bake the pastry case first.",
    "Roast the garlic and rosemary potatoes in olive oil until golden and crisp in the oven.",
    "For the curry, fry onions, ginger, cumin and turmeric before adding the coconut milk.",
]
CYCLING = [
    "My road bike needs new brake pads and the chain was skipping on the rear cassette.",
    "Rode sixty kilometres along the coast; the headwind made the climb to the lighthouse hard.",
    "Pumped the tyres to six bar and oiled the derailleur before the Sunday cycling club ride.",
    "The bicycle mechanic trued the rear wheel and replaced two broken spokes this morning.",
    "Bought padded cycling shorts and a helmet light for commuting by bike in the dark winter.",
    "Training plan: intervals on the turbo trainer twice a week, long bike ride on Saturday.",
]


def _seed(services, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    for i, text in enumerate(COOKING + CYCLING):
        (folder / f"note-{i:02d}.txt").write_text(text + "\n", encoding="utf-8")
    report = services.documents.import_paths([folder])
    assert len(report.imported) == 12
    store = services.memory.store
    store.add_many([("The user bakes bread and tarts at the weekend.", [], [], 1, "3 May 2025", {}),
                    ("The user rides a road bike with a cycling club.", [], [], 2, "4 May 2025", {})])


@pytest.fixture
def seeded(services, shared_embedder, tmp_path):
    services.set_embedder(shared_embedder)
    _seed(services, tmp_path)
    return services


def _theme(text: str) -> str:
    return "cook" if any(text.startswith(t[:30]) for t in COOKING) or "bakes" in text else "bike"


def test_every_stored_item_is_a_point_and_kmeans_groups_split_the_themes(seeded) -> None:
    m = topic_map(seeded.memory.store.db)
    assert m.total == 14 and len(m.points) == 14 and m.method == "PCA" and not m.note
    kinds = sorted(p.kind for p in m.points)
    assert kinds == ["memory"] * 2 + ["passage"] * 12
    assert all(math.isfinite(p.x) and math.isfinite(p.y) for p in m.points)
    assert sum(m.explained) > 0.2
    passage = next(p for p in m.points if p.kind == "passage")
    assert passage.ref.startswith("chunk:") and passage.meta["path"].endswith(".txt") and passage.text
    memory = next(p for p in m.points if p.kind == "memory")
    assert memory.ref.startswith("memory:") and memory.source.startswith("chat ")
    # no persona topics yet: KMeans groups, each labelled with its distinctive words
    assert all(c.persona_topic is None for c in m.clusters) and len(m.clusters) == 2
    assert sum(c.size for c in m.clusters) == 14
    purity = 0
    for c, cl in enumerate(m.clusters):
        themes = [_theme(p.text) for p in m.points if p.cluster == c]
        purity += max(themes.count("cook"), themes.count("bike"))
        assert cl.words and cl.label == " · ".join(cl.words)
    assert purity >= 12, [(c.label, c.size) for c in m.clusters]   # at most 2 of 14 in the other theme's group
    words = {w for c in m.clusters for w in c.words}
    assert words & {"bike", "cycling", "rear", "ride"} and words - {"bike", "cycling", "rear", "ride"}


def test_items_in_persona_topics_carry_the_topic_names(seeded) -> None:
    seeded.persona.set_model_use(False, False)
    seeded.persona.refresh(use_model=False)
    topics = {t.id: t.name for t in seeded.persona.topics.list()}
    assert topics, "the persona grouped no topics from two clear themes"
    m = topic_map(seeded.memory.store.db)
    named = [c for c in m.clusters if c.persona_topic is not None]
    assert named and all(c.label == topics[c.persona_topic] for c in named)
    with seeded.memory.store.db.read() as conn:
        placed = {r: t for r, t in conn.execute("SELECT ref, topic_id FROM persona_topic_item WHERE topic_id IS NOT NULL")}
    for p in m.points:
        if p.ref in placed:
            assert m.clusters[p.cluster].persona_topic == placed[p.ref]
        else:
            assert m.clusters[p.cluster].persona_topic is None


def test_an_even_sample_above_the_limit_and_an_empty_folder(seeded, services) -> None:
    m = topic_map(seeded.memory.store.db, limit=5)
    assert len(m.points) == 5 and m.total == 14 and "5 of 14" in m.note
    assert len({p.ref for p in m.points}) == 5


def test_vectors_of_another_width_are_left_out_with_a_note(seeded) -> None:
    db = seeded.memory.store.db
    with db.write() as conn:   # as if a re-embed had rewritten one memory with a new, narrower embedder
        conn.execute("UPDATE memory SET vector = ? WHERE id = (SELECT min(id) FROM memory)",
                     (np.ones(8, np.float32).tobytes(),))
    m = topic_map(db)
    assert m.total == 13 and len(m.points) == 13
    assert "1 item with vectors of another width is left out" in m.note


def test_empty_data_folder(services) -> None:
    m = topic_map(services.memory.store.db)
    assert m.points == [] and m.clusters == [] and m.total == 0


def test_distinctive_words_prefer_what_sets_a_group_apart() -> None:
    texts = ["the cat sat on the mat with the dog", "a cat and a kitten purr", "the dog barks at the postman",
             "dog walks in the park with a leash"]
    words = distinctive_words(texts, [0, 0, 1, 1], k=2)
    assert words[0] == ["cat", "kitten"]               # "dog" is in both groups: it sets neither apart
    assert "cat" not in words[1] and "dog" not in words[0] and len(words[1]) == 2
    assert not any(distinctive_words(["the and of", "a an the"], [0, 1]).values())   # stop words only
