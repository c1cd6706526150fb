"""Labels in Italian, Dutch and Swedish, abbreviations, compound labels, and fields known only by name/id."""
from __future__ import annotations

import pytest

from core.autofill.matcher import Matcher, compound_match
from core.autofill.model import FormField, Option, StaticFacts
from tests.core.autofill_helpers import service


def _key(label: str = "", **kw) -> str | None:
    m = Matcher().match(FormField(name=kw.pop("name", label or "f"), label=label, **kw))
    return m.key if m else None


@pytest.mark.parametrize("label, key", [
    ("Nome", "given-name"), ("Cognome", "family-name"), ("Indirizzo", "street-address"), ("CAP", "postal-code"),
    ("Città", "address-level2"), ("Data di nascita", "bday"), ("Cellulare", "tel"), ("Posta elettronica", "email"),
    ("Luogo di nascita", "birthplace"), ("Professione", "organization-title"),
    ("Voornaam", "given-name"), ("Achternaam", "family-name"), ("Straat en huisnummer", "street-address"),
    ("Postcode", "postal-code"), ("Woonplaats", "address-level2"), ("Geboortedatum", "bday"),
    ("Telefoonnummer", "tel"), ("E-mailadres", "email"), ("Werkgever", "organization"), ("Functie", "organization-title"),
    ("Förnamn", "given-name"), ("Efternamn", "family-name"), ("Gatuadress", "street-address"),
    ("Postnummer", "postal-code"), ("Postort", "address-level2"), ("Födelsedatum", "bday"), ("Mobilnummer", "tel"),
    ("E-postadress", "email"), ("Arbetsgivare", "organization"), ("Yrke", "organization-title"), ("Land", "country-name"),
    ("Tel.", "tel"), ("Tel.-Nr.", "tel"), ("PLZ", "postal-code"), ("C.P.", "postal-code"), ("Nº de téléphone", "tel"),
    ("Tfn", "tel"), ("Rue et nº", "street-address"), ("Geb.-Datum", "bday"),
])
def test_labels_in_more_languages_and_abbreviations(label: str, key: str) -> None:
    assert _key(label) == key


@pytest.mark.parametrize("label, key", [
    ("Code postal / Ville", "postal-code+address-level2"), ("PLZ / Ort", "postal-code+address-level2"),
    ("Postnummer och ort", "postal-code+address-level2"), ("CAP e città", "postal-code+address-level2"),
    ("Name, Vorname", "family-name+given-name"), ("Nom / Prénom", "family-name+given-name"),
])
def test_compound_labels(label: str, key: str) -> None:
    m = compound_match(label)
    assert m is not None and m.key == key
    assert compound_match("Straße und Hausnummer") is None  # one phrase, one value
    assert compound_match("E-Mail oder Telefon") is None  # either, not both


def test_compound_values_are_joined() -> None:
    facts = StaticFacts({"postal-code": "69001", "address-level2": "Lyon"})
    (p,) = service(facts).propose([FormField("cpv", label="Code postal / Ville")])
    assert p.value == "69001 Lyon"


def test_fields_known_only_by_name_or_id() -> None:
    assert _key(name="txtPLZ") == "postal-code"
    assert _key(name="input_vorname_1") == "given-name"
    assert _key(name="applicant[email]") == "email"
    assert _key(name="f_geburtsdatum") == "bday"
    assert _key(name="membership_no") is None  # "no" is a house number only as a whole label


def test_street_and_house_number_in_two_fields() -> None:
    facts = StaticFacts({"street-address": "Wiesentalstraße 8"})
    street, nr = service(facts).propose([FormField("s", label="Straße"), FormField("n", label="Nr.")])
    assert (street.value, nr.value) == ("Wiesentalstraße", "8")
    (whole,) = service(facts).propose([FormField("s", label="Straße")])
    assert whole.value == "Wiesentalstraße 8"


@pytest.mark.parametrize("label", ["Contatto di emergenza - telefono", "Noodcontact telefoon", "Anhörig telefon",
                                   "Telefon des Vermieters", "Nom du garant", "Huisarts naam"])
def test_fields_about_someone_else_stay_empty(label: str) -> None:
    assert _key(label) is None


@pytest.mark.parametrize("label", ["Wachtwoord", "Lösenord", "Kortnummer", "Numero della carta", "Verificatiecode"])
def test_never_filled_in_more_languages(label: str) -> None:
    (p,) = service().propose([FormField("x", label=label)])
    assert p.status == "refused"


def test_firma_is_a_signature_in_italian_and_a_company_in_german() -> None:
    facts = StaticFacts({"organization": "Schwarzwald Solartechnik GmbH", "given-name": "Katharina",
                         "family-name": "Brandt"})
    it = service(facts).propose([FormField("n", label="Nome"), FormField("c", label="Cognome"), FormField("f", label="Firma")])
    de = service(facts).propose([FormField("v", label="Vorname"), FormField("n", label="Nachname"), FormField("f", label="Firma")])
    assert it[2].status == "refused" and not it[2].value
    assert de[2].value == "Schwarzwald Solartechnik GmbH"


@pytest.mark.parametrize("label", ["Company address", "Firmenanschrift", "Previous surname", "Frühere Anschrift",
                                   "Country of birth", "Ort, Datum", "Fait à", "Name des Wohnungsgebers"])
def test_fields_whose_value_is_not_the_users_current_one(label: str) -> None:
    facts = StaticFacts({"street-address": "Wiesentalstraße 8", "family-name": "Brandt", "country-name": "Germany",
                         "address-level2": "Freiburg", "name": "Katharina Brandt"})
    (p,) = service(facts).propose([FormField("x", label=label)])
    assert not p.filled, (label, p)


def test_the_section_a_field_sits_under_counts() -> None:
    facts = StaticFacts({"name": "Katharina Brandt", "tel": "+49 176 55501234", "bday": "1988-07-22"})
    fields = [FormField("n", label="Name", section="Ihre Angaben"), FormField("t", label="Telefon", section="Ihre Angaben"),
              FormField("en", label="Name", section="Notfallkontakt"), FormField("et", label="Telefon", section="Notfallkontakt"),
              FormField("d", kind="select", label="Tag", section="Geburtsdatum", options=[Option(str(i)) for i in range(1, 32)]),
              FormField("m", kind="select", label="Monat", section="Geburtsdatum",
                        options=[Option(f"{i:02d}", lab) for i, lab in enumerate(["Januar", "Februar", "März", "April", "Mai",
                                                                                  "Juni", "Juli", "August"], 1)]),
              FormField("y", label="Jahr", section="Geburtsdatum")]
    n, t, en, et, d, m, y = service(facts).propose(fields)
    assert (n.value, t.value, en.value, et.value) == ("Katharina Brandt", "+49 176 55501234", "", "")
    assert (d.value, m.value, y.value) == ("22", "07", "1988")


@pytest.mark.parametrize("label, key", [("Comune di nascita", "birthplace"), ("Geburtsort (Stadt, Land)", "birthplace"),
                                        ("Nazione di nascita", "birth-country"), ("Geb.-Ort", "birthplace"),
                                        ("Lieu de naissance (ville)", "birthplace"), ("Stadt", "address-level2")])
def test_a_place_in_a_label_about_birth_is_the_place_of_birth(label: str, key: str) -> None:
    assert _key(label) == key


@pytest.mark.parametrize("label, key", [("Employer name", "organization"), ("Nom de l'employeur", "organization"),
                                        ("Name of school", None), ("Name der Bank", None), ("Your name", "name")])
def test_a_name_of_something_else_is_not_the_users_name(label: str, key: str | None) -> None:
    assert _key(label) == key
