"""Reflection writes only grounded memories: whole sentences about people, drawn from what they said."""
from __future__ import annotations

import pytest

from core.memory.notes import check_note, clip_sentence, extractive_note, whole_sentences
from core.memory.reflect import NOTE_CHARS, Reflector
from core.memory.store import MemoryStore, TurnIn
from core.store.db import Database
from core.store.vectors import VectorIndex
from tests.fakes import FakeChatModel, FakeEmbedder

PEOPLE = [TurnIn("msg:1", "Ada", "I adopted a grey cat called Pixel last week.", "8 May 2023"),
          TurnIn("msg:2", "Ben", "A cat! Is Pixel settling in? My dog Rex is jealous already.", "8 May 2023")]
# A chat with Mnemo, as MemoryService hands it over: the user's turns are "User", the assistant's "Mnemo".
CHAT = [TurnIn("msg:10", "User", "Hi, I'm Priya and I live in Leeds. I work as a nurse.", "1 June 2026"),
        TurnIn("msg:11", "Mnemo", "I'm more than just a nurse. My name is Meneo and I am a professional writer, "
                                  "call me on 908-546-3718.", "1 June 2026")]


@pytest.fixture
def store(tmp_path):
    db = Database(tmp_path / "m.sqlite3")
    embedder = FakeEmbedder(dim=64)
    yield MemoryStore(db, VectorIndex(tmp_path / "vec"), lambda: embedder)
    db.close()


def reflect(store: MemoryStore, turns: list[TurnIn], note: str):
    model = FakeChatModel(json=lambda messages, schema: {"note1": note})
    stats = Reflector(store, lambda: model).reflect_session(1, turns, turns[0].session_date)
    return stats, store.list(), model


@pytest.mark.parametrize("note", ["Ada adopted a grey cat named Tom.",          # a name no one said
                                  "Ada adopted three grey cats, 3 of them.",    # a number no one said
                                  "Lisa adopted a grey cat called Pixel."])     # the subject's name invented
def test_a_note_with_a_value_absent_from_its_turns_is_rejected(store, note):
    stats, mems, _ = reflect(store, PEOPLE, note)
    assert stats.rejected_notes == 1 and stats.rejections == {"value": 1} and stats.fallback_notes == 1
    assert [m.summary for m in mems] == ["Ada: I adopted a grey cat called Pixel last week."]
    assert sorted(mems[0].sources) == ["msg:1", "msg:2"]


def test_a_note_whose_words_are_not_in_the_turns_is_rejected(store):
    stats, mems, _ = reflect(store, PEOPLE, "Ada enjoys painting watercolour landscapes near the harbour.")
    assert stats.rejections == {"words": 1}
    assert "painting" not in mems[0].summary


@pytest.mark.parametrize("note, reason", [
    ("Mnemo is a professional writer, and I'm here to help you in", "cut"),   # the note the issue saw
    ("Mnemo is a professional writer.", "assistant"),
    ("The assistant is happy to help Ada with her cat.", "assistant"),
    ("I adopted a grey cat called Pixel.", "person"),                          # who is "I"?
    ("You adopted a grey cat called Pixel.", "person"),
    ("Is Pixel settling in?", "question"),
])
def test_a_note_about_the_assistant_in_the_first_person_or_a_question_is_rejected(store, note, reason):
    stats, mems, _ = reflect(store, PEOPLE, note)
    assert stats.rejections == {reason: 1}
    assert all("Mnemo" not in m.summary and "help" not in m.summary for m in mems)


def test_a_right_note_passes_whole(store):
    stats, mems, model = reflect(store, PEOPLE, "  Ada adopted a grey cat named Pixel last week ")
    assert model.json_calls == 1 and stats.rejected_notes == 0 and stats.fallback_notes == 0
    assert [m.summary for m in mems] == ["Ada adopted a grey cat named Pixel last week."]


def test_a_note_from_another_person_of_an_imported_conversation_passes(store):
    stats, mems, _ = reflect(store, PEOPLE, "Ben has a dog named Rex who is jealous of Pixel.")
    assert stats.rejected_notes == 0 and mems[0].summary == "Ben has a dog named Rex who is jealous of Pixel."


def test_a_note_drawn_from_the_assistants_turn_of_a_mnemo_chat_is_refused(store):
    stats, mems, model = reflect(store, CHAT, "Meneo is a professional writer.")
    assert stats.rejections == {"assistant_turn": 1}
    (mem,) = mems
    assert mem.sources == ["msg:10"]                          # the assistant's turn is behind no memory
    assert mem.summary == "User: Hi, I'm Priya and I live in Leeds."
    assert "writer" not in mem.text and "908" not in mem.text and "Meneo" not in mem.text
    assert "Meneo" not in model.json_messages[0][1]["content"]   # nor is it shown to the model
    assert [t.ref for t in store.turns_by_ref(["msg:10", "msg:11"]).values()] == ["msg:10", "msg:11"]  # both kept as turns


def test_the_assistants_phone_number_never_becomes_a_memory(store):
    stats, mems, _ = reflect(store, CHAT, "Priya can be called on 908-546-3718.")
    assert stats.rejections == {"assistant_turn": 1} and "908" not in mems[0].text


def test_a_right_note_of_a_mnemo_chat_passes(store):
    stats, mems, _ = reflect(store, CHAT, "Priya lives in Leeds and works as a nurse.")
    assert stats.rejected_notes == 0 and mems[0].summary == "Priya lives in Leeds and works as a nurse."


def test_a_session_where_only_the_assistant_spoke_makes_no_memory(store):
    stats, mems, model = reflect(store, [CHAT[1], TurnIn("msg:12", "Mnemo", "Anything else?", "")], "Meneo writes.")
    assert mems == [] and model.json_calls == 0 and stats.added == 0


def test_a_note_is_never_cut_mid_word():
    cut = "Ada adopted a grey cat called Pixel and she says that he sleeps on her keyboard all day and all night lo"
    cut = (cut + "ng" * 20)[:NOTE_CHARS]
    assert check_note(cut, PEOPLE, "", NOTE_CHARS).reason == "cut"          # the cap hit mid-sentence: rejected
    assert check_note("Ada adopted a grey cat called", PEOPLE).reason == "cut"
    assert whole_sentences("Ada adopted a cat. She named it Pix", NOTE_CHARS) == "Ada adopted a cat."
    long = "I adopted " + " and ".join(f"a cat called Pixel number {i}" for i in range(40)) + "."
    note = extractive_note([TurnIn("msg:1", "Ada", long)])
    assert len(note) <= 200 and note.startswith("Ada: I adopted a cat") and note.endswith(" …")
    assert note.removesuffix(" …").removeprefix("Ada: ") in long
    assert long.startswith(note.removesuffix(" …").removeprefix("Ada: ") + " ")     # ends at a word boundary
    assert clip_sentence("Pixel sleeps.", 200) == "Pixel sleeps."


def test_extractive_note_is_a_whole_sentence_of_a_person_with_their_name():
    assert extractive_note(CHAT) == "User: Hi, I'm Priya and I live in Leeds."
    assert extractive_note([CHAT[1]]) == ""
    assert extractive_note([TurnIn("msg:1", "Ada", "Hi! I adopted a grey cat. It sleeps.")]) == "Ada: I adopted a grey cat."


def test_rejections_add_up_across_sessions():
    from core.memory.reflect import ReflectionStats

    a, b = ReflectionStats(), ReflectionStats()
    a.reject("value")
    b.reject("value")
    b.reject("cut")
    a.add(b)
    assert a.rejected_notes == 3 and a.rejections == {"value": 2, "cut": 1}
