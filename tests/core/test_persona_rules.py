"""Rule extractors: patterns, addresses, dates, vCards, first-person statements, what must NOT be taken."""
from __future__ import annotations

from core.persona.keys import is_sensitive, mask, normalize_key, normalize_value
from core.persona.rules import (dedupe, extract_rules, from_vcard, looks_like_card, looks_like_iban, parse_address,
                                parse_date, parse_vcard)


def _kv(cands):
    return {(c.key, c.value) for c in dedupe(cands)}


def test_dates_in_many_formats():
    assert parse_date("12 March 1988") == "1988-03-12"
    assert parse_date("March 12th, 1988") == "1988-03-12"
    assert parse_date("1988-03-12") == "1988-03-12"
    assert parse_date("12.03.1988") == "1988-03-12"
    assert parse_date("25/12/1990") == "1990-12-25"
    assert parse_date("31 February 1990") is None
    assert parse_date("no date here") is None


def test_addresses_split_into_autocomplete_parts():
    got = _kv(parse_address("Lindenstraße 12, 10969 Berlin, Germany"))
    assert got == {("street-address", "Lindenstraße 12"), ("postal-code", "10969"), ("address-level2", "Berlin"),
                   ("country-name", "Germany")}
    got = _kv(parse_address("42 Baker Street, London NW1 6XE, United Kingdom"))
    assert ("postal-code", "NW1 6XE") in got and ("address-level2", "London") in got
    got = _kv(parse_address("123 Main St, Springfield, IL 62704, USA"))
    assert {("address-level1", "IL"), ("address-level2", "Springfield"), ("postal-code", "62704")} <= got


def test_first_person_statements():
    text = ("Hi, my name is Jane Doe and I was born on 12 March 1988. I work at Acme Robotics as a data engineer. "
            "My favourite food is pad thai. My wife, Maria Lopez, loves cats. Reach me at jane.doe@example.org.")
    got = _kv(extract_rules(text, is_self=False))
    assert {("name", "Jane Doe"), ("given-name", "Jane"), ("family-name", "Doe"), ("bday", "1988-03-12"),
            ("organization", "Acme Robotics"), ("favorite-food", "pad thai"), ("partner-name", "Maria Lopez"),
            ("email", "jane.doe@example.org")} <= got


def test_move_is_a_change_statement():
    cands = dedupe(extract_rules("Big news: I moved to Berlin last week.", is_self=True))
    city = [c for c in cands if c.key == "address-level2"]
    assert city and city[0].value == "Berlin" and city[0].change


def test_labelled_fields_only_in_own_documents_and_not_mail_headers():
    text = "Name: Jane Doe\nPhone: +49 30 1234567\nSubject: lunch\nTitle: Meeting notes\nWebsite: https://jane.dev\n"
    own = _kv(extract_rules(text, is_self=True))
    assert {("name", "Jane Doe"), ("tel", "+49 30 1234567"), ("url", "https://jane.dev")} <= own
    assert not any(k == "organization-title" for k, _ in own)
    assert not any(k == "tel" for k, _ in _kv(extract_rules(text, is_self=False)))


def test_noise_is_not_a_fact():
    text = "My point is that we should leave. My guess is they won't come. My car is broken."
    assert _kv(extract_rules(text, is_self=True)) == set()


def test_card_and_iban_checks_and_sensitivity():
    assert looks_like_card("4111 1111 1111 1111") and not looks_like_card("4111 1111 1111 1112")
    assert looks_like_iban("DE89 3704 0044 0532 0130 00") and not looks_like_iban("DE89 3704 0044 0532 0130 01")
    assert is_sensitive("passport-number") and is_sensitive("medical-condition") and is_sensitive("notes", "4111111111111111")
    assert not is_sensitive("email", "a@b.org")
    assert mask("C4F7K2L91234") == "•••• 1234" and mask("asthma") == "••••"
    cands = _kv(extract_rules("IBAN: DE89 3704 0044 0532 0130 00", is_self=True))
    assert ("iban", "DE89 3704 0044 0532 0130 00") in cands and not any(k == "tel" for k, _ in cands)


def test_vcards():
    raw = "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\nFN:Jane Doe\nEMAIL:jane@example.org\nTEL:+1 555 0100 200\n" \
          "ADR:;;1 Main St;Springfield;IL;62704;USA\nBDAY:1988-03-12\nORG:Acme;R&D\nTITLE:Engineer\nEND:VCARD\n"
    card = parse_vcard(raw)[0]
    got = _kv(from_vcard(card, 0.9))
    assert {("name", "Jane Doe"), ("given-name", "Jane"), ("email", "jane@example.org"), ("postal-code", "62704"),
            ("address-level2", "Springfield"), ("organization", "Acme"), ("bday", "1988-03-12"),
            ("organization-title", "Engineer"), ("street-address", "1 Main St")} <= got
    # the importer's shape: adr as a list of dicts
    got = _kv(from_vcard({"fn": "Jane Doe", "adr": [{"street": "Hauptstr. 1", "locality": "Köln",
                                                      "postal_code": "50667", "country": "Germany"}]}, 0.9))
    assert {("street-address", "Hauptstr. 1"), ("address-level2", "Köln"), ("postal-code", "50667")} <= got


def test_keys_and_values_normalize():
    assert normalize_key("E-Mail") == "email" and normalize_key("Zip code") == "postal-code"
    assert normalize_key("Favourite food") == "favorite-food" and normalize_key("my wife") == "partner-name"
    assert normalize_value("tel", "+49 (30) 123-4567") == normalize_value("tel", "030 1234567")[-9:]
    assert normalize_value("bday", "12 March 1988") == "1988-03-12"
    assert normalize_value("url", "https://www.jane.dev/") == "jane.dev"


def test_raw_vcard_text_goes_through_the_importers_reader():
    raw = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN:Doe;Jane\r\nORG:Acme;R&D\r\n"
           "NOTE;ENCODING=QUOTED-PRINTABLE:I live in K=C3=B6ln, =\r\nnear the Dom\r\nEND:VCARD\r\n"
           "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Someone Else\r\nEND:VCARD\r\n")
    cards = parse_vcard(raw)
    assert [c["fn"] for c in cards] == ["Jane Doe", "Someone Else"]
    assert cards[0]["note"] == "I live in Köln, near the Dom" and cards[0]["org_units"] == ["Acme", "R&D"]
    got = _kv(extract_rules(raw, is_self=True))   # the user's own card: the first one only
    assert {("name", "Jane Doe"), ("family-name", "Doe"), ("organization", "Acme")} <= got
    assert not any(v == "Someone Else" for _, v in got)


def test_keys_do_not_import_the_rules():
    """rules -> keys -> values, all at module level: no cycle hidden in a function-level import."""
    import ast
    from pathlib import Path

    import core.persona.keys as keys
    import core.persona.values as values

    for module in (keys, values):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "core.persona.rules" not in imported, module.__name__
        nested = [n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                  for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert not nested, module.__name__
    assert keys.parse_date is values.parse_date and keys.looks_like_card is values.looks_like_card
