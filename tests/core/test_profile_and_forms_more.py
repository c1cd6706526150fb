"""Profile readers and form rules for shapes first seen in hold-out 5: a flat before the street, a capitalised
particle, "born in X on DATE", a CV's header, a contact's note, German compound job titles, second-person
sections, the employer's address, a move not made yet, Austria's "48/2/7", a select's default option."""
from __future__ import annotations

from core.autofill.matcher import Matcher, resolve_form
from core.autofill.model import FormField
from core.autofill.values import split_street
from core.persona.owned import _is_title, born_after_name
from core.persona.owner import Owner
from core.persona.people import note_relation
from core.persona.regions import postal_fits, region_from_contacts
from core.persona.rules import extract_rules, parse_address, split_name


def _keys(cands):  # type: ignore[no-untyped-def]
    return {(c.key, c.value) for c in cands}


def test_a_flat_before_the_street_is_the_second_address_line():
    got = _keys(parse_address("Flat 2, 27 Beech Road, Chorlton, Manchester M21 9EG"))
    assert ("street-address", "27 Beech Road") in got and ("address-line2", "Flat 2") in got
    assert ("address-level2", "Manchester") in got and ("address-level2", "Chorlton") not in got
    assert ("street-address", "Kortrijksesteenweg 214 bus 3") in _keys(parse_address("Kortrijksesteenweg 214 bus 3, 9000 Gent"))
    assert ("address-level2", "Berlin") in _keys(parse_address("Hauptstraße 5, Berlin"))


def test_a_capitalised_particle_starts_the_family_name():
    assert _keys(split_name("Wouter De Smedt")) == {("given-name", "Wouter"), ("family-name", "De Smedt")}
    assert _keys(split_name("Thijs van der Meulen")) == {("given-name", "Thijs"), ("family-name", "van der Meulen")}
    assert split_name("De Smedt Wouter") == []   # family name first: no telling where it ends
    assert _keys(split_name("Linnea Bergström")) == {("given-name", "Linnea"), ("family-name", "Bergström")}


def test_born_in_a_place_on_a_day_gives_both():
    got = _keys(extract_rules("No confirmation yet. I was born in Lancaster on 14 May 1991, at the Royal.", is_self=True))
    assert ("bday", "1991-05-14") in got and ("birthplace", "Lancaster") in got
    assert ("bday", "1983-02-08") in _keys(extract_rules("Ik ben geboren te Aalst op 8 februari 1983.", is_self=True))


def test_a_cv_header_s_birth_line_is_the_owner_s_and_another_person_s_is_not():
    owner = Owner(name="Wouter De Smedt", emails=["wouter.desmedt@example.be"])
    cv = ("Wouter De Smedt\nKortrijksesteenweg 214 bus 3, 9000 Gent  |  wouter.desmedt@example.be\n"
          "Geboren te Aalst op 8 februari 1983 · Rijbewijs B\nWerkervaring")
    assert _keys(born_after_name(cv, owner, 0.8)) == {("bday", "1983-02-08"), ("birthplace", "Aalst")}
    assert born_after_name("Lien De Smedt\nGeboren te Aalst op 30 oktober 1986", owner, 0.8) == []


def test_a_contact_s_note_that_names_a_relation():
    assert note_relation("my other half") == "partner"
    assert note_relation("mijn vriendin ❤") == "partner"
    assert note_relation("zus") == "sister"
    assert note_relation("met at the gym, other half of Bob") == ""


def test_german_and_dutch_compound_job_titles():
    assert _is_title("Produktmanagerin") and _is_title("Vertriebsleiter") and _is_title("Planningsmedewerker")
    assert not _is_title("Murtal Medizintechnik GmbH") and not _is_title("Gemeinderat")


def _match(label: str, section: str = "", name: str = "x") -> str | None:
    m = Matcher().match(FormField(name=name, kind="text", label=label, section=section))
    return m.key if m else None


def test_second_person_sections_employer_addresses_and_look_alikes_stay_empty():
    assert _match("Vorname", "1  Kontoinhaberin / Kontoinhaber") == "given-name"
    assert _match("Vorname", "6  Zweite Kontoinhaberin / zweiter Kontoinhaber") is None
    assert _match("Nom", "Responsable légal 2") is None
    assert _match("Nom", "Responsable légal 1 (personne qui remplit la demande)") == "family-name"
    assert _match("Straße", "2  Wohnsitz (Hauptwohnsitz laut Meldezettel)") is not None
    assert _match("Vorname", "Schritt 2 von 3") == "given-name"
    assert _match("Indirizzo della sede dell'attuale datore di lavoro") is None
    assert _match("Address of your current employer") is None
    assert _match("Familienstand") not in ("family-name", "name")
    assert _match("Téléphone professionnel") is None and _match("GP practice name") is None
    assert _match("Naam nieuwe bewoner of eigenaar (indien gekend)") is None
    assert _match("c/o") is None


def test_a_move_not_made_yet_leaves_the_new_address_empty():
    def form(sections: list[tuple[str, str]]) -> dict[str, str | None]:
        fields = [FormField(name=f"f{i}", kind="text", label=label, section=section)
                  for i, (section, label) in enumerate(sections)]
        matcher = Matcher()
        matches = {f.name: matcher.match(f) for f in fields}
        resolve_form(fields, matches)
        return {f.label + "@" + f.section: (m.key if (m := matches[f.name]) else None) for f in fields}

    moving = form([("2. Adres dat u verlaat", "Straat en huisnummer"), ("3. Uw nieuwe adres", "Straat"),
                   ("3. Uw nieuwe adres", "Huisnummer")])
    assert moving == {"Straat en huisnummer@2. Adres dat u verlaat": "street-address",
                      "Straat@3. Uw nieuwe adres": None, "Huisnummer@3. Uw nieuwe adres": None}
    moved = form([("Neue Wohnung", "Straße"), ("Neue Wohnung", "Hausnummer")])   # registered after the move
    assert moved == {"Straße@Neue Wohnung": "street-name", "Hausnummer@Neue Wohnung": "house-number"}


def test_austria_s_staircase_and_door_are_no_house_number():
    assert split_street("Leonhardstraße 48/2/7") == ("Leonhardstraße", "48")
    assert split_street("Leonhardstraße 48, Stiege 2, Tür 7") == ("Leonhardstraße", "48")
    assert split_street("Hauptstraße 12/1") == ("Hauptstraße", "12/1")


def test_the_country_from_a_postal_code_of_one_country_s_shape():
    assert region_from_contacts("M21 9EG", "07700 900417") == "GB"   # a number of the right length there
    assert postal_fits("9000", "BE") and not postal_fits("M21 9EG", "BE")


def test_hold_out_6_s_shapes_stay_empty_or_find_their_key():
    assert _match("Date d'obtention du permis B", name="cp_date_permis") is None   # "cp" here is no postal code
    assert _match("Type et libellé de la voie (rue, avenue…)", name="rl1_voie") is not None   # the name's last word
    assert _match("Ook een gezinslid aanmelden? Naam gezinslid") is None
    assert _match("Wöchentliche Arbeitszeit beim gleichen Arbeitgeber mind. 8 Std.? (ja/nein)") is None
    assert _match("Supervisor name") is None and _match("Nom et prénom du conducteur secondaire") is None
    assert _match("Sa date de naissance") is None and _match("Ten name van") is None
    assert _match("Name, Vorname", "4  Weitere Personen im gleichen Haushalt, die versichert werden sollen") is None
    assert _match("Huisnr.") == "house-number"
    assert _match("Driver's license / state ID #") == "driver-license"   # a sensitive ID, never a state


def test_a_birthday_in_three_boxes_and_a_place_of_signing():
    fields = [FormField(name="d", kind="text", label="Geboortedatum: dag", section="Aanvrager"),
              FormField(name="m", kind="text", label="maand", section="Aanvrager"),
              FormField(name="y", kind="text", label="jaar", section="Aanvrager"),
              FormField(name="f", kind="text", label="Födelsedatum (ÅÅÅÅ-MM-DD)", section="Aanvrager"),
              FormField(name="p", kind="text", label="Plaats", section="Machtiging"),
              FormField(name="t", kind="text", label="Datum", section="Machtiging"),
              FormField(name="c", kind="text", label="Plaats", section="Adres")]
    matcher = Matcher()
    matches = {f.name: matcher.match(f) for f in fields}
    resolve_form(fields, matches)
    keys = {n: (m.key if m else None) for n, m in matches.items()}
    assert keys["d"] == "bday-day" and keys["m"] == "bday-month" and keys["y"] == "bday-year"
    assert keys["f"] == "bday" and keys["p"] is None and keys["c"] == "address-level2"


def test_a_number_first_street_keeps_its_direction_and_drops_its_flat():
    assert split_street("2418 W CORTLAND ST APT 4B") == ("W CORTLAND ST", "2418")
    assert split_street("2418 W Cortland St, Apt 4B") == ("W Cortland St", "2418")
    assert split_street("27B Baker Street") == ("Baker Street", "27B")
    assert split_street("1 Flat Lane") == ("Flat Lane", "1") and split_street("10 Downing St #5") == ("Downing St", "10")


def test_a_city_beside_a_password_box_is_no_signing_place():
    fields = [FormField(name="ort", kind="text", label="Ort"), FormField(name="pw", kind="password", label="Lösenord")]
    matcher = Matcher()
    matches = {f.name: matcher.match(f) for f in fields}
    resolve_form(fields, matches)
    assert matches["ort"] is not None and matches["ort"].key == "address-level2"
