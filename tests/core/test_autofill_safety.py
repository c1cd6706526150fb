"""Safety: never-filled field types, sensitive facts behind the setting, existing values, corrections as pinned facts."""
from __future__ import annotations

import pytest

from core.autofill.model import FormField, Option, StaticFacts
from tests.core.autofill_helpers import ANNA, service


@pytest.mark.parametrize("field", [
    FormField(name="pw", kind="password", label="Password"),
    FormField(name="p2", label="Passwort wiederholen"),
    FormField(name="cc", label="Card", autocomplete="cc-number"),
    FormField(name="c2", label="Kreditkartennummer"),
    FormField(name="cvv", label="CVV"),
    FormField(name="cvc", label="Prüfnummer (CVC)"),
    FormField(name="x", label="Code", autocomplete="one-time-code"),
    FormField(name="otp", label="Code de vérification"),
    FormField(name="pin", label="PIN"),
    FormField(name="np", label="Email", autocomplete="new-password"),
    FormField(name="sig", label="Unterschrift"),
    FormField(name="h", kind="hidden", label="email"),
])
def test_sensitive_field_types_are_never_filled(field: FormField) -> None:
    facts = StaticFacts({**ANNA, "password": "hunter2", "cc-number": "4111111111111111", "pin": "1234"})
    for sensitive in (False, True):
        (p,) = service(facts, fill_sensitive=sensitive).propose([field], overwrite=True, use_model=False)
        assert p.status == "refused" and p.value == "", (field, p)


def test_sensitive_facts_need_the_setting_and_are_marked() -> None:
    facts = StaticFacts(ANNA, sensitive=["iban"])
    f = FormField(name="iban", label="IBAN")
    (p,) = service(facts).propose([f], use_model=False)
    assert (p.status, p.value, p.sensitive) == ("sensitive", "", True)
    (p,) = service(facts, fill_sensitive=True).propose([f], use_model=False)
    assert (p.status, p.value, p.sensitive) == ("filled", ANNA["iban"], True)  # revealed only now


def test_existing_values_are_kept_unless_overwrite() -> None:
    f = FormField(name="city", label="Ort", value="Hamburg")
    (p,) = service().propose([f], use_model=False)
    assert (p.status, p.value) == ("kept", "")
    (p,) = service().propose([f], overwrite=True, use_model=False)
    assert (p.status, p.value) == ("filled", "Berlin")
    (p,) = service(overwrite_existing=True).propose([f], use_model=False)
    assert p.value == "Berlin"


def test_single_checkboxes_are_left_to_the_user() -> None:
    f = FormField(name="agb", kind="checkbox", label="I accept the terms", options=[Option("on", "I accept")])
    (p,) = service().propose([f], use_model=False)
    assert not p.filled


def test_low_confidence_is_left_empty() -> None:
    svc = service(min_confidence=0.99)
    (p,) = svc.propose([FormField(name="x", label="Your e-mail please")], use_model=False)
    assert not p.filled and "confidence" in p.note


def test_corrections_become_pinned_facts_and_secrets_are_never_stored() -> None:
    facts = StaticFacts(ANNA)
    svc = service(facts)
    rows = [
        {"name": "ort", "label": "Ort", "key": "address-level2", "proposed": "Berlin", "value": "Potsdam"},
        {"name": "mail", "label": "E-Mail", "key": "email", "proposed": ANNA["email"], "value": ANNA["email"]},
        {"name": "hobby", "label": "Lieblingsessen", "key": "", "proposed": "", "value": "Spätzle"},
        {"name": "land", "label": "Land", "key": "country-name", "proposed": "de", "value": "at",
         "options": [{"value": "de", "label": "Deutschland"}, {"value": "at", "label": "Österreich"}]},
        {"name": "pw", "label": "Password", "type": "password", "key": "", "proposed": "", "value": "hunter2"},
        {"name": "cc", "label": "Kartennummer", "key": "", "proposed": "", "value": "4111111111111111"},
    ]
    changed = svc.accept(rows)
    assert changed == [("address-level2", "Potsdam"), ("lieblingsessen", "Spätzle"), ("country-name", "Österreich")]
    assert facts.get("address-level2").value == "Potsdam" and facts.get("address-level2").pinned
    assert facts.get("address-level2").source == "user"
    assert all(v not in ("hunter2", "4111111111111111") for _, v in facts.writes)


@pytest.mark.parametrize("label", ["Companion's name", "Name der Begleitperson", "Nom de l'accompagnateur",
                                   "Nombre del acompañante", "Nome dell'accompagnatore", "Naam begeleider",
                                   "Medsökandes namn", "Co-applicant e-mail"])
def test_a_companion_or_co_applicant_field_is_not_the_users(label: str) -> None:
    from core.autofill.model import FormField

    (p,) = service().propose([FormField(name="x", label=label)])
    assert p.value == "", (label, p)


def test_an_italian_pec_field_is_not_the_ordinary_email() -> None:
    from core.autofill.model import FormField

    email, pec = service().propose([FormField(name="email", label="Indirizzo e-mail"),
                                    FormField(name="pec", label="PEC (posta elettronica certificata)")])
    assert email.value == "anna.schmidt@example.de" and pec.value == ""


def test_a_street_name_beside_a_house_number_field_is_the_street_alone() -> None:
    from core.autofill.model import FormField

    name, number = service().propose([FormField(name="champ9", label="Type et nom de voie"),
                                      FormField(name="champ8", label="N°")])
    assert (name.value, number.value) == ("Lindenstraße", "12")
