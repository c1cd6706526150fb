"""The model fallback: a cited answer grounded in the cited passage, else "unknown"."""
from __future__ import annotations

from core.autofill.model import FormField, StaticFacts
from tests.core.autofill_helpers import service
from tests.fakes import FakeChatModel

PASSAGES = [("document:notes.md:3", "I have a cat called Minka and I drive a blue Fiat."),
            ("document:cv.txt:1", "Languages: German, English")]


def _search(query: str, k: int):
    return PASSAGES[:k]


def test_grounded_answer_is_proposed_with_its_citation() -> None:
    llm = FakeChatModel(json={"answer": "Minka", "source": 1})
    (p,) = service(StaticFacts({}), llm=llm, search=_search).propose([FormField(name="pet", label="Name of your pet")])
    assert (p.status, p.value, p.source, p.source_ref) == ("filled", "Minka", "document", "document:notes.md:3")
    assert "[1] I have a cat" in llm.json_messages[0][1]["content"]


def test_ungrounded_or_unknown_answers_are_dropped() -> None:
    for answer in ({"answer": "Rex", "source": 1}, {"answer": "Minka", "source": 2}, {"answer": "unknown", "source": 0},
                   {"answer": "Minka", "source": 7}):
        (p,) = service(StaticFacts({}), llm=FakeChatModel(json=answer), search=_search).propose([FormField(name="pet", label="Pet")])
        assert (p.status, p.value) == ("unknown", ""), answer


def test_model_not_asked_for_refused_or_known_fields() -> None:
    llm = FakeChatModel(json={"answer": "Minka", "source": 1})
    fields = [FormField(name="pw", kind="password", label="Password"), FormField(name="e", label="Email")]
    props = service(StaticFacts({"email": "a@b.de"}), llm=llm, search=_search).propose(fields)
    assert [p.status for p in props] == ["refused", "filled"] and llm.json_messages == []
    (p,) = service(StaticFacts({}), llm=llm, search=_search).propose([FormField(name="x", label="Pet")], use_model=False)
    assert not p.filled and llm.json_messages == []
