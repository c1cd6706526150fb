"""Whose field it is and what it asks: sections named in a field's name or a PDF's headings, "if different"
fields, a bare date, a tooltip that only shows a format, and the house number after a street's name."""
from __future__ import annotations

from pathlib import Path

from core.autofill.forms import read_form
from core.autofill.matcher import Matcher, name_path
from core.autofill.model import FormField
from core.autofill.values import split_street
from tests.core.autofill_helpers import make_pdf


def _key(name: str, label: str, section: str = "") -> str | None:
    m = Matcher().match(FormField(name=name, html_name=name, kind="text", label=label, section=section))
    return m.key if m else None


def test_a_section_in_the_fields_name_says_whose_it_is():
    assert name_path("Ehegatte.Vorname") == ("Ehegatte", "Vorname") and name_path("plz") == ("", "plz")
    assert _key("Stpfl.Vorname", "Vorname") == "given-name"
    assert _key("Ehegatte.Vorname", "Vorname") is None
    assert _key("Berater.Telefon", "Telefon") is None
    assert _key("cotitular_movil", "Teléfono del cotitular") is None
    assert _key("otherAdult1Dob", "Their date of birth") is None
    assert _key("x", "Vorname", section="Mitmieter/in bzw. Ehe-/Lebenspartner/in") is None


def test_the_last_part_of_a_dotted_name_is_what_it_asks():
    assert _key("Stpfl.Anschrift.Staat", "Staat (nur bei Wohnsitz im Ausland)") == "country-name"
    assert _key("Stpfl.Anschrift.HNrZu", "Hausnummerzusatz") == "address-line2"
    assert _key("newAddressLine2", "Building and street line 2 of 2") == "address-line2"


def test_if_different_fields_and_bare_dates_stay_empty():
    assert _key("nom_naissance", "Nom de naissance (si différent)") is None
    assert _key("dom", "Domicilio sanitario (se diverso dalla residenza)") is None
    assert _key("datum", "Datum") is None and _key("date", "Date") is None
    assert _key("gebdat", "Geburtsdatum") == "bday"


def test_pdf_format_tooltip_gives_way_to_the_drawn_label_and_headings_are_sections(tmp_path: Path):
    p = make_pdf(tmp_path / "f.pdf", [("Textfeld 1", "TT.MM.JJJJ", "Geburtsdatum"), ("Textfeld 2", "Name", "ignored")],
                 title="Family doctor registration")
    fields = {f.name: f for f in read_form(p).fields}
    assert (fields["Textfeld 1"].label, fields["Textfeld 1"].placeholder) == ("Geburtsdatum", "TT.MM.JJJJ")
    assert fields["Textfeld 2"].label == "Name"
    assert all(f.section == "" for f in fields.values())   # the page's title is no section


def test_house_number_after_the_streets_name_not_the_door():
    assert split_street("Calle de Sueca, 41, 3.º, pta. 8") == ("Calle de Sueca", "41")
    assert split_street("Via Saragozza, 58") == ("Via Saragozza", "58")
    assert split_street("Wiesentalstraße 8") == ("Wiesentalstraße", "8")
    assert split_street("14 rue des Capucins") == ("rue des Capucins", "14")


def test_a_field_named_after_a_site_takes_only_an_address_there():
    from core.autofill.validate import _type_problem

    field = FormField(name="linkedin", html_name="linkedin", kind="url", label="LinkedIn-profiel")
    assert "not a linkedin address" in _type_problem("https://www.thijs.example.nl", "url", field, "NL")
    assert _type_problem("https://www.linkedin.com/in/thijs", "url", field, "NL") == ""
    homepage = FormField(name="web", html_name="web", kind="url", label="Website")
    assert _type_problem("https://www.thijs.example.nl", "url", homepage, "NL") == ""


def test_the_users_country_from_a_postal_code_and_a_national_number_that_fit_one_country():
    from core.autofill.formats import user_region
    from core.persona.regions import region_from_contacts

    assert region_from_contacts("753 32", "070-312 45 86") == "SE"
    assert region_from_contacts("04229", "0176 48213907") == "DE"
    assert region_from_contacts("40135", "+39 347 218 4590") is None   # a country code says it already
    assert user_region({"tel": "070-312 45 86", "postal-code": "753 32"}) == "SE"


def test_a_compound_label_may_go_on_after_its_phrases_and_a_referrer_is_someone_else():
    assert _key("Text1", "Nachname, Vorname des neuen Mitglieds") == "family-name+given-name"
    assert _key("ref", "Referred by (member's name)") is None
    assert _key("fam", "Name des Familienmitglieds") is None
    assert split_street("Svartbäcksgatan 38 lgh 1203") == ("Svartbäcksgatan", "38")
    assert split_street("Hauptstr. 5a, 3. OG links") == ("Hauptstr.", "5a")


def test_a_signature_is_never_filled_even_when_it_asks_for_a_typed_name():
    from core.labels.lexicon import is_never_filled

    for label in ("Handtekening (typ uw volledige naam)", "Underskrift", "Signature du demandeur"):
        assert is_never_filled("text", [], [label]), label
    assert not is_never_filled("text", [], ["Namnförtydligande"])   # the printed name under it is a name


def test_the_applicants_own_section_and_another_persons_numbered_one():
    assert _key("u5", "Familienname", section="B Erziehungsberechtigte/r 1 (Antragsteller/in)") == "family-name"
    assert _key("u16", "Name, Vorname", section="C Erziehungsberechtigte/r 2") is None
    assert _key("u1", "Familienname des Kindes", section="A Angaben zum Kind") is None
    assert _key("s2", "Förnamn", section="Sökande 2 (medsökande)") is None
    assert _key("ouder_naam", "Naam") is None and _key("conv1_nombre", "Nombre del conviviente") is None
    label = "Residenza - indirizzo (via/piazza e numero civico)"
    assert name_path(label) == ("", label)   # a label used as the field's name is one text, not a path


def test_pdf_labels_are_not_headings_and_example_tooltips_give_way(tmp_path: Path):
    p = make_pdf(tmp_path / "f.pdf", [("Text_epost", "namn@exempel.se", "E-post"), ("Text_mobil", "07X-XXX XX XX", "Mobil")],
                 title="Medlemsansökan")
    fields = {f.name: f for f in read_form(p).fields}
    assert fields["Text_epost"].label == "E-post" and fields["Text_epost"].placeholder == "namn@exempel.se"
    assert fields["Text_mobil"].label == "Mobil" and fields["Text_mobil"].section == ""
