"""Values in the form's own conventions: date formats per locale, phones per country, options across languages."""
from __future__ import annotations

from datetime import date

import pytest

from core.autofill.countries import country_code, language_code
from core.autofill.formats import format_date, user_region
from core.autofill.language import form_language
from core.autofill.model import FormField, Option, StaticFacts
from core.autofill.values import choose_option
from tests.core.autofill_helpers import service

D = date(1988, 7, 22)


@pytest.mark.parametrize("label, placeholder, kind, want", [
    ("Geburtsdatum (TT.MM.JJJJ)", "", "text", "22.07.1988"),
    ("Date de naissance", "JJ/MM/AAAA", "text", "22/07/1988"),
    ("Date of birth (DD/MM/YYYY)", "", "text", "22/07/1988"),
    ("Date of birth", "MM/DD/YYYY", "text", "07/22/1988"),
    ("Data di nascita (gg/mm/aaaa)", "", "text", "22/07/1988"),
    ("Geboortedatum", "dd-mm-jjjj", "text", "22-07-1988"),
    ("Födelsedatum (ÅÅÅÅ-MM-DD)", "", "text", "1988-07-22"),
    ("Geburtsdatum", "TT.MM.JJ", "text", "22.07.88"),
    ("Geburtsdatum", "z.B. 31.12.1990", "text", "22.07.1988"),
    ("Geburtsdatum (TT.MM.JJJJ)", "", "date", "1988-07-22"),
])
def test_dates_in_the_format_the_field_asks(label: str, placeholder: str, kind: str, want: str) -> None:
    assert format_date(D, FormField("d", kind=kind, label=label, placeholder=placeholder)) == want


def test_a_date_without_a_format_follows_the_forms_language() -> None:
    facts = StaticFacts({"bday": "1988-07-22", "given-name": "Katharina"})
    de = [FormField("v", label="Vorname"), FormField("n", label="Nachname"), FormField("g", label="Geburtsdatum")]
    sv = [FormField("v", label="Förnamn"), FormField("n", label="Efternamn"), FormField("g", label="Födelsedatum")]
    fr = [FormField("v", label="Prénom"), FormField("n", label="Nom"), FormField("g", label="Date de naissance")]
    assert service(facts).propose(de)[2].value == "22.07.1988"
    assert service(facts).propose(sv)[2].value == "1988-07-22"
    assert service(facts).propose(fr)[2].value == "22/07/1988"
    assert form_language(de) == "de" and form_language(sv) == "sv" and form_language(fr) == "fr"


def test_a_country_is_the_selects_option_in_any_language() -> None:
    for options, want in (([Option("SE", "SE"), Option("DE", "DE")], "SE"),
                          ([Option("fr", "France"), Option("se", "Suède")], "se"),
                          ([Option("1", "Deutschland"), Option("2", "Schweden")], "2"),
                          ([Option("it", "Italia"), Option("sv", "Svezia")], "sv"),
                          ([Option("nl", "Nederland"), Option("zw", "Zweden")], "zw")):
        assert choose_option("Sverige", options, "country-name").value == want, options
    assert choose_option("Sweden", [Option("DE", "Deutschland"), Option("FR", "France")], "country-name") is None
    assert country_code("Royaume-Uni") == "GB" and country_code("UK") == "GB" and country_code("Suisse") == "CH"


def test_options_for_gender_salutation_and_language_across_languages() -> None:
    assert choose_option("female", [Option("m", "Herr"), Option("f", "Frau")], "honorific-prefix").value == "f"
    assert choose_option("Frau", [Option("1", "Signore"), Option("2", "Signora")], "honorific-prefix").value == "2"
    assert choose_option("female", [Option("m", "Man"), Option("v", "Vrouw")], "sex").value == "v"
    assert choose_option("Swedish", [Option("de", "Deutsch"), Option("sv", "Svenska")], "language").value == "sv"
    assert language_code("Schwedisch") == "sv"
    # a value of another kind never picks an option by accident
    assert choose_option("Herr", [Option("MR", "Mauritanie"), Option("FR", "France")], "country-name") is None
    assert choose_option("Herr", [Option("MR", "Mr"), Option("MS", "Ms")], "honorific-prefix").value == "MR"


def test_a_phone_and_a_country_from_the_profile_and_the_users_region() -> None:
    assert user_region({"country-name": "Schweden"}) == "SE"
    assert user_region({"tel": "+49 176 55501234"}) == "DE"
    assert user_region({"tel": "0176 55501234"}) == ""
    fields = [FormField("c", kind="select", label="Land", options=[Option("", "Bitte wählen"), Option("DE", "Deutschland"),
                                                                  Option("AT", "Österreich")]),
              FormField("t", kind="tel", label="Telefon")]
    c, t = service(StaticFacts({"tel": "+49 176 55501234"})).propose(fields)
    assert (c.value, t.value) == ("DE", "+49 176 55501234")
    assert "phone" in c.note and c.confidence < 0.9  # a guess from the phone number, shown as one
    (t2,) = service(StaticFacts({"tel": "07700 900481", "country-name": "United Kingdom"})).propose(
        [FormField("t", kind="tel", label="Phone")])
    assert t2.value == "+44 7700 900481"


def test_names_split_or_joined_as_the_form_wants() -> None:
    facts = StaticFacts({"name": "Élodie Garnier"})
    a, b, c = service(facts).propose([FormField("a", label="Nom, Prénom"), FormField("b", label="Prénom"),
                                      FormField("c", label="Nom de famille")])
    assert (a.value, b.value, c.value) == ("Garnier, Élodie", "Élodie", "Garnier")
    (d,) = service(StaticFacts({"given-name": "Linnea", "family-name": "Bergström"})).propose(
        [FormField("d", label="För- och efternamn")])
    assert d.value == "Linnea Bergström"
