"""Every proposed value is checked against its field's type before it is shown; a value that fails stays out."""
from __future__ import annotations

import pytest

from core.autofill.model import FormField, StaticFacts
from core.autofill.validate import is_phone, is_postal_code, problem
from tests.core.autofill_helpers import service
from tests.fakes import FakeChatModel

RACE = [("document:Notes/running.md:2", "Edinburgh 10k on Sunday: finished in 1:04:12, new personal best.")]


def test_a_race_time_never_goes_into_an_email_field() -> None:
    llm = FakeChatModel(json={"answer": "1:04:12", "source": 1})
    (p,) = service(StaticFacts({}), llm=llm, search=lambda q, k: RACE[:k]).propose(
        [FormField(name="contact", kind="email", label="Your contact")])
    assert (p.status, p.value) == ("invalid", "")
    assert "not an e-mail address" in p.note and "running.md" in p.note


def test_the_same_answer_fits_a_text_field() -> None:  # the check is the field's type, not the answer
    llm = FakeChatModel(json={"answer": "1:04:12", "source": 1})
    (p,) = service(StaticFacts({}), llm=llm, search=lambda q, k: RACE[:k]).propose(
        [FormField(name="t", label="Best 10k time")])
    assert (p.status, p.value) == ("filled", "1:04:12")


def test_a_sentence_from_a_document_is_never_a_value() -> None:
    note = [("document:Notes/trip.md:1", "Three days of walking and eating in the Highlands with Callum")]
    llm = FakeChatModel(json={"answer": "Three days of walking and eating in the Highlands", "source": 1})
    (p,) = service(StaticFacts({}), llm=llm, search=lambda q, k: note[:k]).propose(
        [FormField(name="food", label="Favourite food")])
    assert (p.status, p.value) == ("invalid", "") and "sentence" in p.note


@pytest.mark.parametrize("value, field, key, region, ok", [
    ("anna@example.de", FormField("e", kind="email"), "email", "", True),
    ("1:04:12", FormField("e", kind="email"), "email", "", False),
    ("anna at example", FormField("e"), "email", "", False),
    ("+49 176 55501234", FormField("t", kind="tel"), "tel", "", True),
    ("07700 900481", FormField("t"), "tel", "GB", True),
    ("1:04:12", FormField("t", kind="tel"), "tel", "DE", False),
    ("call me after six", FormField("t"), "tel", "DE", False),
    ("22.07.1988", FormField("d"), "bday", "", True),
    ("1988-07-22", FormField("d", kind="date"), "bday", "", True),
    ("22.07.1988", FormField("d", kind="date"), "bday", "", False),
    ("next summer", FormField("d"), "bday", "", False),
    ("79115", FormField("z"), "postal-code", "DE", True),
    ("7911", FormField("z"), "postal-code", "DE", False),
    ("EH9 1HG", FormField("z"), "postal-code", "GB", True),
    ("EH9 1HG", FormField("z"), "postal-code", "DE", False),
    ("414 55", FormField("z"), "postal-code", "SE", True),
    ("1017 AB", FormField("z"), "postal-code", "NL", True),
    ("Freiburg", FormField("z"), "postal-code", "", False),
    ("42", FormField("n", kind="number"), "", "", True),
    ("forty-two", FormField("n", kind="number"), "", "", False),
    ("Katharina", FormField("g"), "given-name", "", True),
    ("Katharina2", FormField("g"), "given-name", "", False),
    ("https://fionamacallister.example.co.uk", FormField("u", kind="url"), "url", "", True),
    ("my website", FormField("u", kind="url"), "url", "", False),
])
def test_each_type_is_checked(value: str, field: FormField, key: str, region: str, ok: bool) -> None:
    assert (problem(value, field, key, region) == "") is ok, problem(value, field, key, region)


def test_maxlength_and_pattern_hold() -> None:
    assert "longer than" in problem("Schwarzwald Solartechnik GmbH", FormField("o", max_length=10), "organization")
    assert problem("79115", FormField("z", pattern=r"[0-9]{5}"), "postal-code", "DE") == ""
    assert "pattern" in problem("EH9 1HG", FormField("z", pattern=r"[0-9]{5}"), "postal-code", "")
    assert problem("x", FormField("z", pattern=r"[unclosed"), "") == ""  # unreadable pattern: the form checks it


def test_a_phone_is_written_to_fit_the_field() -> None:
    facts = StaticFacts({"tel": "+49 176 55501234"})
    fields = [FormField("a", kind="tel", label="Telefon"),
              FormField("b", kind="tel", label="Telefon", placeholder="0171 1234567"),
              FormField("c", kind="tel", label="Telefon", max_length=13),
              FormField("d", kind="tel", label="Telefon", pattern=r"\+[0-9]{8,15}"),
              FormField("e", kind="tel", label="Telefon", max_length=6)]
    a, b, c, d, e = service(facts).propose(fields)
    assert a.value == "+49 176 55501234"
    assert b.value.startswith("0176")
    assert c.value == "0176 55501234"  # the international forms are longer than 13
    assert d.value == "+4917655501234"
    assert (e.status, e.value) == ("invalid", "") and "longer" in e.note


def test_phone_and_postal_code_helpers() -> None:
    assert is_phone("+46 70 174 06 42") and not is_phone("12:30") and not is_phone("2019")
    assert is_postal_code("69001", "FR") and not is_postal_code("6900", "FR")


def test_a_document_value_must_be_in_the_document_as_written() -> None:
    from core.autofill.ask import grounded

    assert grounded("Minka", "I have a cat called  MINKA.")
    assert not grounded("1:04", "finished in 1:04:12") and not grounded("10412", "finished in 1:04:12")
    assert not grounded("Mink", "a cat called Minka")
    note = [("document:Notes/cat.md:1", "My cat is called Mi-nka")]
    llm = FakeChatModel(json={"answer": "Minka", "source": 1})
    (p,) = service(StaticFacts({}), llm=llm, search=lambda q, k: note[:k]).propose([FormField(name="pet", label="Pet")])
    assert not p.filled  # "Mi-nka" normalises to the same words, but it is not what the document says


@pytest.mark.parametrize("value, key, source, ok", [
    ("11", "bday-month", "fact", True), ("März", "bday-month", "fact", True), ("nov.", "bday-month", "fact", True),
    ("13", "bday-month", "fact", False), ("Leith", "bday-month", "document", False),
    ("31", "bday-day", "fact", True), ("32", "bday-day", "fact", False),
    ("1986", "bday-year", "fact", True), ("86", "bday-year", "fact", False), ("2999", "bday-year", "fact", False),
    ("Suède", "country-name", "document", True), ("DE", "country-name", "document", True),
    ("Leith Links", "country-name", "document", False), ("Scotland", "country-name", "fact", True),
    ("Schwedisch", "language", "memory", True), ("Tuesday", "language", "document", False),
])
def test_day_month_year_country_and_language_fields_get_only_those(value: str, key: str, source: str, ok: bool) -> None:
    field = FormField(name="f", label=key)
    assert (problem(value, field, key, source=source) == "") is ok, problem(value, field, key, source=source)
