"""Reviewing proposals: status notes, the summary, the reviewed proposals a writer gets, the corrections to learn."""
from __future__ import annotations

from core.autofill import Form, FormField, Option, Proposal, StaticFacts
from core.autofill.review import (STATUS_NOTES, ReviewSummary, apply_review, corrections, is_changed, reviewed_value,
                                  status_note, summarize)
from tests.core.autofill_helpers import service

FORM = Form(kind="html", path="/tmp/signup.html", fields=[
    FormField("first_name", label="First name", autocomplete="given-name"),
    FormField("email", kind="email", label="Email"),
    FormField("city", label="City"),
    FormField("password", kind="password", label="Password"),
])


def proposals() -> list[Proposal]:
    return [
        Proposal("first_name", "First name", "Ada", key="given-name", source="fact", confidence=1.0, status="filled"),
        Proposal("email", "Email", "ada@example.org", key="email", source="fact", confidence=1.0, status="filled"),
        Proposal("city", "City", key="address-level2"),
        Proposal("password", "Password", status="refused"),
    ]


def test_status_notes():
    assert status_note(Proposal("a", "A")) == STATUS_NOTES["unknown"] == "Mnemo does not know this yet"
    assert status_note(Proposal("a", "A", status="refused")) == "never filled automatically"
    assert status_note(Proposal("a", "A", status="kept")) == "the form already has a value"
    assert status_note(Proposal("a", "A", status="no-option")) == "no option fits"
    # a proposal's own note wins, except over the hint for a held-back sensitive value
    assert status_note(Proposal("a", "A", status="unknown", note="asked the model: no answer")) == \
        "asked the model: no answer"
    assert "Propose sensitive values" in status_note(Proposal("a", "A", status="sensitive", note="IBAN"))
    assert status_note(Proposal("a", "A", "x", status="filled")) == ""


def test_reviewed_values_are_stripped_and_missing_ones_empty():
    assert reviewed_value({"city": "  Lisbon \n"}, "city") == "Lisbon"
    assert reviewed_value({}, "city") == ""
    p = proposals()[0]
    assert not is_changed(p, {"first_name": "Ada "})        # whitespace is no correction
    assert is_changed(p, {"first_name": "Ada L."}) and is_changed(p, {})


def test_summary_counts_filled_and_changed():
    ps = proposals()
    untouched = {"first_name": "Ada", "email": "ada@example.org", "city": "", "password": ""}
    assert summarize(ps, untouched) == ReviewSummary(total=4, filled=2, changed=0)
    assert summarize(ps, {**untouched, "city": "Lisbon"}) == ReviewSummary(total=4, filled=3, changed=1)
    assert summarize(ps, {**untouched, "city": "Lisbon", "email": ""}) == ReviewSummary(total=4, filled=2, changed=2)
    assert summarize([], {}) == ReviewSummary(0, 0, 0)


def test_apply_review_sets_values_and_statuses_and_leaves_the_proposals_alone():
    ps = proposals()
    values = {"first_name": "Ada", "email": "", "city": " Lisbon ", "password": ""}
    final = apply_review(ps, values)
    assert [(q.field, q.value, q.status) for q in final] == [
        ("first_name", "Ada", "filled"),          # unchanged: kept as proposed
        ("email", "", "unknown"),                 # cleared by the user
        ("city", "Lisbon", "filled"),             # typed by the user
        ("password", "", "refused"),              # untouched, keeps its status
    ]
    assert final[0].source == "fact" and final[0].key == "given-name" and final[0].confidence == 1.0
    assert all(q is not p for q, p in zip(final, ps))
    assert [(p.value, p.status) for p in ps] == [(p.value, p.status) for p in proposals()]


def test_corrections_are_the_changed_fields_with_what_was_proposed():
    ps = proposals()
    values = {"first_name": "Ada", "email": "ada@work.example", "city": "Lisbon ", "password": ""}
    rows = corrections(FORM, ps, values)
    assert [(r["name"], r["value"], r["proposed"], r["key"]) for r in rows] == [
        ("email", "ada@work.example", "ada@example.org", "email"),
        ("city", "Lisbon", "", "address-level2"),
    ]
    assert rows[0]["kind"] == "email" and rows[1]["label"] == "City"
    assert corrections(FORM, ps, {"first_name": "Ada", "email": "ada@example.org"}) == []
    # a proposal for a field the form no longer has is no correction
    assert corrections(Form("html", "/tmp/x.html", []), ps, values) == []


def test_corrections_are_learned_by_the_service():
    facts = StaticFacts({"given-name": "Ada"})
    form = Form("json", "/tmp/f.json", [*FORM.fields, FormField("colour", kind="select", label="Favourite colour",
                                                              options=[Option("r", "Red"), Option("b", "Blue")])])
    ps = [*proposals(), Proposal("colour", "Favourite colour")]
    values = {"first_name": "Ada", "email": "", "city": "Lisbon", "password": "hunter2", "colour": "b"}
    learned = service(facts=facts).accept(corrections(form, ps, values))
    # the cleared email is not stored, the password never is, and the option is stored by what it means
    assert learned == [("address-level2", "Lisbon"), ("favourite-colour", "Blue")]
    assert facts.get("address-level2").value == "Lisbon" and facts.get("email") is None
