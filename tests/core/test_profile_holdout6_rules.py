"""Profile readers for shapes first seen in hold-out 6: a US "City ST ZIP" line (with or without a comma,
ZIP+4, in capitals), a house number before a street that is no postal code, a middle initial, an address book
export with numbered columns and dropped cells, a quoted Outlook reply, a Swiss "Gruss", stacked payslip cells
and masked numbers, a CV's current position in several shapes, a CV table ("Geburtsort | …", not "Heimatort"),
a CV's sentence that starts with "Born", and the owner's note of their place of birth."""
from __future__ import annotations

from core.persona.owned import (MASKED, REPLY_HEADER, birthplace_note, born_unnamed, current_job, form_fields,
                                signature_block)
from core.persona.owner import Owner, _cells, csv_header
from core.persona.regions import region_from_state
from core.persona.rules import labelled_fields, parse_address


def _keys(cands):  # type: ignore[no-untyped-def]
    return {(c.key, c.value) for c in cands}


def test_a_us_city_line_gives_the_city_the_state_and_the_zip():
    caps = _keys(parse_address("1120 N MAPLE AVE APT 3C\nDENVER CO 80204-1188"))
    assert ("address-level2", "Denver") in caps and ("address-level1", "CO") in caps
    assert ("postal-code", "80204-1188") in caps and ("street-address", "1120 N MAPLE AVE APT 3C") in caps
    comma = _keys(parse_address("77 Elm Street, Apt 2, Portland, OR 97205"))
    assert ("street-address", "77 Elm Street") in comma and ("address-level2", "Portland") in comma
    assert ("address-level1", "OR") in comma and ("postal-code", "97205") in comma
    assert ("address-level2", "Austin") in _keys(parse_address("5120 Burnet Rd, Austin TX 78756"))
    assert ("address-level2", "Perth") in _keys(parse_address("9 Hay St, Perth WA 6000"))


def test_a_house_number_before_a_street_is_no_postal_code():
    got = _keys(parse_address("4410 E Garfield Blvd, Tulsa, OK 74105"))
    assert ("postal-code", "4410") not in got and ("street-address", "4410 E Garfield Blvd") in got
    assert ("address-level2", "Tulsa") in got
    assert ("postal-code", "3000") in _keys(parse_address("Marktgasse 3, 3000 Bern"))   # a postal code before a city


def test_a_state_and_a_zip_say_the_country():
    assert region_from_state("IL", "60647") == "US"
    assert region_from_state("ON", "M5V 2T6") == "CA"
    assert region_from_state("IL", "8004") is None


def test_a_middle_initial_still_names_the_owner():
    o = Owner(name="Dana Whitcombe")
    assert o.is_name("Dana J Whitcombe") and o.is_name("DANA J. WHITCOMBE")
    assert not o.is_name("Dana Jo Whitcombe") and not o.is_name("Dan J Whitcombe")
    assert o.mentioned_in("Subscriber\nDana J. Whitcombe\n") and not o.mentioned_in("Dana Whitcomb")


def test_an_address_book_with_numbered_columns_and_dropped_cells():
    header = csv_header("Name; Given Name; Family Name; Birthday; Notes; Group Membership; E-mail 1 - Value; "
                        "Phone 1 - Value")
    assert header and "e-mail 1 - value" in header
    cells = _cells("Sam Ortega; Sam; Ortega; 1990-02-11; my girlfriend ❤; * myContacts ::: Family; 555 201 7788", header)
    assert cells.get("relation") == "partner" and cells.get("name") == "Sam Ortega"
    assert cells.get("phone") == "555 201 7788"   # the birthday is no phone number
    assert csv_header("Ana Ruiz; 1990-02-11; ana@example.org") == []


def test_the_mail_quoted_below_an_outlook_header_is_not_the_senders():
    body = ("Danke!\n\nGruss\nLena\n\nLena Roth\nTeamleiterin Einkauf\nMuster Handel AG\n\n"
            "Von: Urs Keller <urs@example.ch>\nGesendet: Montag, 2. Juni 2025 10:00\nBetreff: Offerte\n\n"
            "Bitte prüfen.\n\nUrs Keller\nLeiter Verkauf\nAndere Firma AG")
    own = REPLY_HEADER.split(body)[0]
    assert "Urs Keller\nLeiter" not in own
    sig = signature_block(own, Owner(name="Lena Roth").is_name)
    assert "Teamleiterin Einkauf" in sig and "Leiter Verkauf" not in sig
    assert REPLY_HEADER.search("From: Ann Lee <ann@example.com>\nSent: Tuesday, April 22, 2025 2:10 PM\n")


def test_a_payslip_read_one_cell_per_line():
    text = ("Northwind Robotics, Inc.\n12 Harbor Way, Boston, MA 02110\nEARNINGS STATEMENT\nDANA WHITCOMBE\n"
            "88 ELM ST\nBOSTON MA 02118\nJob title\nQuality Engineer\nSSN\nXXX-XX-1234\nDate of birth\n04/09/1991\n")
    got = _keys(form_fields(text, Owner(name="Dana Whitcombe"), 0.8))
    assert ("organization-title", "Quality Engineer") in got
    assert ("organization", "Northwind Robotics, Inc.") in got
    assert not any(k == "national-id" for k, _ in got)   # a masked number is no value
    assert MASKED.search("XXX-XX-1234") and not MASKED.search("123-45-6789")


def test_a_cvs_current_position_in_its_shapes():
    def job(line: str) -> set[tuple[str, str]]:
        return _keys(current_job(line))

    assert job("Quality Engineer, Northwind Robotics, Inc., Boston, MA — 2020 to present") == {
        ("organization-title", "Quality Engineer"), ("organization", "Northwind Robotics, Inc.")}
    assert ("organization", "Alpenbahn AG") in job("seit 03/2019  Teamleiterin Einkauf, Alpenbahn AG, Bern")
    assert ("organization-title", "Mjukvaruutvecklare") in job("2021–  Mjukvaruutvecklare, Kustverket AB, Luleå. Drift.")
    assert job("2012–2018  Mjukvaruutvecklare, Kustverket AB, Luleå") == set()   # a past position
    assert job("Quality Engineer, Northwind Robotics, Boston — 2014 to 2019") == set()


def test_a_cv_table_gives_the_birthplace_not_the_place_of_origin():
    got = _keys(labelled_fields("Name | Lena Roth\nGeburtsort | Thun BE\nHeimatort | Trub BE\nGeburtsdatum | 3. Mai 1990",
                                0.6))
    assert ("birthplace", "Thun BE") in got and ("bday", "1990-05-03") in got
    assert not any(v == "Trub BE" for _, v in got)


def test_a_sentence_that_starts_with_born_is_the_cvs_owners():
    got = _keys(born_unnamed("Personligt\nFödd 4 mars 1989 i Gävle. Gift, två barn.", 0.7))
    assert ("birthplace", "Gävle") in got and ("bday", "1989-03-04") in got
    assert born_unnamed("Min bror Olle, född 4 mars 1987 i Gävle.", 0.7) == []   # someone named before it
    assert ("birthplace", "Tulsa") in _keys(born_unnamed("Born in Tulsa on May 2, 1985.", 0.7))


def test_the_owners_note_of_their_place_of_birth():
    got = _keys(birthplace_note("- visa form: it wants the place of birth as in the passport: TULSA, OKLAHOMA", 0.6))
    assert got == {("birthplace", "TULSA")}
    assert birthplace_note("- Sam's visa: place of birth: Lagos", 0.6) == []
    assert birthplace_note("- my husband's place of birth: Lagos", 0.6) == []


def test_a_payslips_employer_block_read_one_cell_per_line_stays_the_employers():
    text = ("Statement of earnings\nEmployer\nNorthwind Robotics, Inc.\nAddress\n12 Harbor Way\nPhone\n(617) 555-0100\n"
            "Employee\nDana Whitcombe\n88 Elm St\nBoston, MA 02118\n")
    got = _keys(form_fields(text, Owner(name="Dana Whitcombe"), 0.8))
    assert ("organization", "Northwind Robotics, Inc.") in got and ("street-address", "88 Elm St") in got
    assert ("street-address", "12 Harbor Way") not in got and not any(k == "tel" for k, _ in got)
