"""Topics with the real embedder: clusters form, new material joins them incrementally, naming is checked;
and one end-to-end extraction pass with the real embedded model."""
from __future__ import annotations

import pytest

from core.persona.topics import TopicStore
from core.store.db import Database
from core.store.vectors import VectorIndex
from tests.fakes import FakeChatModel

CYCLING = ["Rode 85 km on the gravel bike around the lake, average speed 26 km/h, strong headwind.",
           "Bike maintenance: new chain, rear brake pads and a trued front wheel before the next ride.",
           "Training plan for the gravel race: interval sessions on the bike and a long Sunday ride of 100 km."]
COOKING = ["Recipe: pierogi dough from flour, warm water and an egg; filling of potatoes, cheese and fried onions.",
           "Cooking notes: sour rye soup with white sausage, potatoes, marjoram and garlic, served with an egg.",
           "Baking day: rye sourdough bread with caraway and a poppy seed roll; the dough needs more butter."]


def NamingLLM(name: str) -> FakeChatModel:
    return FakeChatModel(json={"name": name, "description": "Notes on this."})


@pytest.fixture
def store(tmp_path, shared_embedder):
    db = Database(tmp_path / "m.sqlite3")
    yield TopicStore(db, VectorIndex(tmp_path / "vectors"), lambda: shared_embedder, lambda: NamingLLM("Gravel cycling"))
    db.close()


def test_topics_form_grow_incrementally_and_names_are_grounded(store):
    store.add_items([(f"chunk:{i}", t, 1) for i, t in enumerate(CYCLING + COOKING)])
    store.update()
    topics = store.list()
    assert len(topics) == 2 and sorted(t.size for t in topics) == [3, 3]
    names = {t.name for t in topics}
    assert "Gravel cycling" in names                      # grounded in the cycling notes: accepted
    other = next(t for t in topics if t.name != "Gravel cycling")
    assert other.keywords and other.name != "Gravel cycling"  # not grounded in the cooking notes: keyword name
    # a new cycling note joins the cycling topic; no new topic appears
    store.add_items([("message:1", "Long ride to the hills on the bike today, 70 km with two climbs and gravel.", None)])
    changed = store.update()
    topics = store.list()
    assert len(topics) == 2 and any(t.size == 4 and t.name == "Gravel cycling" for t in topics) and changed
    # forgetting the document removes its items and empties its topics
    store.remove(document_id=1)
    assert [t.size for t in store.list()] == [1]


@pytest.mark.slow
def test_end_to_end_with_the_embedded_model(services, shared_llm):
    services.set_llm(shared_llm)
    p = services.persona
    text = ("About me: my name is Ada Lovelace and I was born on 10 December 1815. I live in London. "
            "I work as a mathematician at the Analytical Society. My favourite food is lemon tart.")
    p.extract_text(text, "note:1", "about.txt", use_model=True)
    facts = {f.key: f for f in p.facts.all()}
    assert facts["name"].value == "Ada Lovelace" and facts["bday"].value == "1815-12-10"
    assert facts["address-level2"].value == "London"
    folded = " ".join(text.lower().split())
    for f in facts.values():   # whatever the model added is grounded in the text
        assert f.value.lower() in folded or f.key == "bday", (f.key, f.value)
    p.update_bio(force=True)
    bio = p.bio.get()
    assert bio.first_person and bio.third_person
    services.set_llm(None)
