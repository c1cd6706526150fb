"""Grounded chat: invented values are caught, fact questions never reach the model, notes are whole sentences."""
from __future__ import annotations

import pytest

from core.chat.context import ContextItem, PreparedContext
from core.chat.grounded import SentenceGate, fallback
from core.grounding.check import Support, speaks_as_user, unsupported
from core.grounding.extractive import best_quote
from core.persona.questions import FactQuestion, parse_question
from tests.fakes import FakeChatModel

LEASE = "The lease for Flat 2, 14 Rua das Flores starts on 1 March 2025. The rent is 950 EUR, paid on the 3rd."
PHONE_NOTE = "Call the landlord, Rui Costa, on +351 912 345 678 about the keys."


class Docs:
    """A context provider with two passages (what the documents provider would hand the chat)."""

    def prepare(self, query, history, conversation_id):
        return PreparedContext(items=[ContextItem("passage", "chunk:1", LEASE, "lease.pdf p. 1"),
                                      ContextItem("passage", "chunk:2", PHONE_NOTE, "notes.md line 4")])

    def feedback(self, prepared, shown, cited):
        pass


@pytest.mark.parametrize("draft, bad", [
    ("Rui's number is +351 912 345 678 [2].", []),
    ("Rui's number is +351 912 345 679 [2].", ["+351 912 345 679"]),   # one wrong digit
    ("The lease starts on March 1st, 2025 [1].", []),
    ("The lease starts on 2 March 2025 [1].", ["2 March 2025"]),
    ("The rent is 950 EUR [1].", []),
    ("The rent is 905 EUR [1].", ["905"]),
    ("Ask Rui Costa [2].", []),
    ("Ask Rui Silva [2].", ["Rui Silva"]),
    ("Mail rui@example.com [2].", ["rui@example.com"]),
])
def test_values_must_be_in_the_sources(draft, bad):
    got = unsupported(draft, Support.of([LEASE, PHONE_NOTE]))
    assert [v.text for v in got] == bad


def test_the_assistant_never_speaks_as_the_user():
    assert speaks_as_user("My name is Meneo.") and speaks_as_user("I'm a nurse.") and speaks_as_user("I live in Leeds.")
    assert not speaks_as_user("I'm Mnemo, your assistant.") and not speaks_as_user("You live in Leeds.")
    assert not speaks_as_user("I'm sorry, I don't know.")


def test_planted_wrong_number_is_replaced_by_the_extractive_answer(services):
    fake = FakeChatModel("You can reach Rui on +351 912 000 111 [2]. He has the keys.", by_words=True)
    services.set_llm(fake)
    services.chat.providers = [Docs()]
    services.chat.answerers = []
    streamed: list[str] = []
    reply = services.chat.send("What is the landlord's phone number?", on_token=streamed.append)
    assert "912 000 111" not in reply.text and "912 000 111" not in "".join(streamed)
    assert reply.grounding == "extractive" and "+351 912 345 678" in reply.text
    stored = services.conversations.messages(reply.conversation_id)[-1]
    assert "912 000 111" not in stored.content and stored.meta["grounding"]["rejected"] == ["phone"]
    assert [s["cited"] for s in stored.meta["sources"]] == [False, True]


def test_a_right_draft_passes_and_streams(services):
    fake = FakeChatModel("The lease starts on 1 March 2025 [1].", by_words=True)
    services.set_llm(fake)
    services.chat.providers = [Docs()]
    streamed: list[str] = []
    reply = services.chat.send("When does the lease start?", on_token=streamed.append)
    assert reply.grounding == "model" and reply.text == "The lease starts on 1 March 2025 [1]."
    assert "".join(streamed).strip() == reply.text


def test_an_uncited_answer_to_a_question_is_not_shown(services):
    fake = FakeChatModel("The user's phone is on the table. Ask Mum about it.", by_words=True)
    services.set_llm(fake)
    services.chat.providers = [Docs()]
    streamed: list[str] = []
    reply = services.chat.send("When does the lease start?", on_token=streamed.append)
    assert reply.grounding == "extractive" and "table" not in "".join(streamed)
    assert reply.text == "From your notes: “The lease for Flat 2, 14 Rua das Flores starts on 1 March 2025.” [1]"


def test_nothing_relevant_says_so(services):
    services.set_llm(FakeChatModel("Your flight leaves at 09:40 [1].", by_words=True))
    services.chat.providers = [Docs()]
    reply = services.chat.send("Which airline did I book?")
    assert reply.text == "I don't find that in your notes."


def test_profile_questions_never_call_the_model(services):
    fake = FakeChatModel("Your number is 908-546-3718.", by_words=True)
    services.set_llm(fake)
    services.persona.facts.set("tel", "+44 7700 900123", source="about-me.md line 4")
    services.persona.facts.set("bday", "1990-05-17", source="payslip.pdf p. 1")
    reply = services.chat.send("What is my mobile number?")
    assert reply.text == "Your phone number is 07700 900123 (+44 7700 900123) [1]." and reply.grounding == "fact"
    assert reply.sources[0]["source"] == "about-me.md line 4" and reply.sources[0]["cited"]
    assert services.chat.send("When was I born?").text == "Your birthday is 17 May 1990 (1990-05-17) [1]."
    assert services.chat.send("Wann habe ich Geburtstag?").text == "Your birthday is 17 May 1990 (1990-05-17) [1]."
    assert fake.chats == []


def test_other_peoples_values_come_from_their_records(services):
    from core.persona.people import Person

    fake = FakeChatModel("no", by_words=True)
    services.set_llm(fake)
    services.persona.people.replace("doc:1", [Person("Isla MacAllister", "sister", "isla@example.com", "+44 7700 900335")],
                                    "contacts.csv row 3")
    reply = services.chat.send("What is my sister's phone number?")
    assert reply.text == "The phone number of Isla MacAllister (your sister) is 07700 900335 (+44 7700 900335) [1]."
    assert reply.sources[0]["source"] == "contacts.csv row 3" and fake.chats == []


@pytest.mark.parametrize("question, expected", [
    ("What is my mobile number?", FactQuestion("self", "tel")),
    ("When was I born?", FactQuestion("self", "bday")),
    ("Where was I born?", FactQuestion("self", "birthplace")),
    ("Where do I work?", FactQuestion("self", "organization")),
    ("What's my job?", FactQuestion("self", "organization-title")),
    ("Where do I live?", FactQuestion("self", "street-address")),
    ("Wie ist meine Telefonnummer?", FactQuestion("self", "tel")),
    ("Quelle est mon adresse e-mail ?", FactQuestion("self", "email")),
    ("¿Dónde trabajo?", FactQuestion("self", "organization")),
    ("Vad är mitt telefonnummer?", FactQuestion("self", "tel")),
    ("What is my brother's phone number?", FactQuestion("brother", "tel")),
    ("Was ist die Telefonnummer meiner Schwester?", FactQuestion("sister", "tel")),
    ("What is the name of my GP?", FactQuestion("doctor", "name")),
    ("What is my passport number?", FactQuestion("self", "passport-number")),
    ("What did I tell Anna about my phone?", None),
    ("Can you tell me my phone number?", FactQuestion("self", "tel")),
    ("What city do I live in?", FactQuestion("self", "address-level2")),
    ("What is my wife's name?", FactQuestion("partner", "name")),
    ("When does the lease start?", None),
    ("I live in Leeds.", None),
])
def test_fact_questions(question, expected):
    assert parse_question(question) == expected


def test_extractive_quotes_are_whole_words():
    long = "The lease starts on 1 March 2025 " + "and the landlord keeps the deposit of the flat " * 20 + "until the end."
    q = best_quote("When does the lease start?", [long], max_chars=120)
    assert q is not None and q.text.endswith(" …") and len(q.text) <= 122
    assert long.startswith(q.text[:-2])       # cut at a word boundary: the quote is a prefix of whole words


def test_gate_holds_sentences_until_one_cites():
    shown: list[str] = []
    gate = SentenceGate(Support.of([LEASE]), shown.append, cite_from=2)
    for piece in ["Sure. ", "The lease starts ", "on 1 March 2025 [1]. ", "Anything else?"]:
        gate.feed(piece)
    gate.finish()
    assert shown == ["Sure. The lease starts on 1 March 2025 [1]. ", "Anything else?"] and not gate.failed


def test_fallback_for_a_statement_is_an_acknowledgement():
    assert fallback("I moved to Porto last week.", [])[0] == "Noted."
    assert fallback("Write a story about a lighthouse keeper.", [])[0].startswith("I can only say what your notes")


def test_two_questions_in_one_get_both_values(services):
    services.set_llm(FakeChatModel("no", by_words=True))
    services.persona.facts.set("address-level2", "Leeds", source="chat 1")
    services.persona.facts.set("organization-title", "nurse", source="chat 1")
    reply = services.chat.send("Where do I live and what is my job?")
    assert reply.text == "You live in Leeds [1]. Your job title is nurse [2]."
    reply = services.chat.send("What is my job? And what is my e-mail address?")
    assert reply.text == "Your job title is nurse [1]. I don't find your e-mail address in your notes."


@pytest.mark.parametrize("question, expected", [
    ("Var föddes jag?", FactQuestion("self", "birthplace")),
    ("Vad är min systers telefonnummer?", FactQuestion("sister", "tel")),
    ("Qui est mon conjoint ?", FactQuestion("partner", "name")),
])
def test_fact_questions_after_the_hold_out(question, expected):
    """Found missing on the hold-out personas (reported before this fix): Swedish genitive, 'föddes', 'conjoint'."""
    assert parse_question(question) == expected


def test_an_answer_that_only_points_at_its_notes_says_nothing() -> None:
    from core.grounding.check import says_nothing

    q = "What is my training plan for the gravel race?"
    assert says_nothing("Your training plan for the gravel race is: [3] [1, 2].", q)
    assert says_nothing("Here is your training plan for the gravel race [1].", q)
    assert says_nothing("[2]", q)
    assert not says_nothing("Three long rides a week, with intervals on Thursdays [1].", q)
    assert not says_nothing("Bin collection is on Tuesdays [1].", "Which day is bin collection?")
    assert says_nothing("Ihr Trainingsplan ist: [1]", "Was ist mein Trainingsplan?")


def test_gate_rejects_a_first_sentence_that_only_points_at_notes():
    shown: list[str] = []
    gate = SentenceGate(Support.of([LEASE]), shown.append, cite_from=2, question="When does my lease start?")
    for piece in ["Your lease starts ", "on: [1] [2]. ", "Also the flat is nice."]:
        gate.feed(piece)
    assert gate.failed and gate.rejected == ["empty"] and shown == [] and gate.cancelled
