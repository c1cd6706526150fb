"""The profile from documents written in Dutch, Italian and Spanish ways: names with particles and initials,
a letter's sender block against its addressee, an insurer's table row and record naming the owner, signatures
that put a title before a company, first-person statements and endearments in the owner's chats."""
from __future__ import annotations

from core.documents.model import ChunkView, DocumentInfo
from core.labels.lexicon import key_of_label
from core.persona.owned import owner_block, owner_row, parse_signature, read_chunk, sender_lines
from core.persona.owner import Owner, person_name
from core.persona.rules import first_person, label_key, parse_address, split_name
from core.persona.values import parse_date

THIJS = Owner(name="Thijs van der Meulen", emails=["thijs@example.nl"])


def _pairs(cands) -> set[tuple[str, str]]:
    return {(c.key, c.value) for c in cands}


def test_names_with_particles_split_at_the_particle():
    assert person_name("Thijs van der Meulen") == "Thijs van der Meulen"
    assert person_name("Hoi Marloes in de") == ""
    assert [c.value for c in split_name("Thijs van der Meulen")] == ["Thijs", "van der Meulen"]
    assert [c.value for c in split_name("María de la Fuente", "ES")] == ["María", "de la Fuente"]
    assert [c.value for c in split_name("Javier Moreno Castillo", "ES")] == ["Javier", "Moreno Castillo"]
    assert [c.value for c in split_name("Ada Maria Novak", "DE")] == ["Ada", "Novak"]


def test_an_initial_and_a_salutation_name_the_owner_and_nobody_else():
    assert THIJS.is_name("De heer T. van der Meulen") and THIJS.is_name("T. van der Meulen")
    assert not THIJS.is_name("F. Jansen") and not THIJS.is_name("R. van der Meulen")
    assert Owner(name="Chiara Lombardi").is_name("Ing. Chiara Lombardi")


def test_a_letters_sender_block_ends_at_the_addressee():
    top = ["Chiara Lombardi", "Via Saragozza, 58", "40135 Bologna", "chiara@example.it", "Spett.le",
           "Studio Amministrazioni Malpighi", "Via Castiglione 12"]
    block = sender_lines(top)
    assert block == top[:4]
    found = _pairs(parse_signature(block, 0.6, "header", strict=True))
    assert ("email", "chiara@example.it") in found and not any(k in ("organization", "url") for k, _ in found)


def test_an_insurers_table_row_and_record_give_the_owners_birthday_not_the_partners():
    text = ("Verzekerde                      Geboortedatum   Verzekering\n"
            "T. van der Meulen               04-08-1985      Basis Zorg Vrij\n"
            "F. Jansen                       17-02-1987      Basis Zorg Vrij\n")
    assert _pairs(owner_row(text, THIJS, 0.8)) == {("bday", "1985-08-04")}
    javier = Owner(name="Javier Moreno Castillo")
    record = ("Estimado/a cliente:\n\nDatos del tomador\nNombre: JAVIER MORENO CASTILLO\nDNI: ****5672K\n"
              "Fecha de nacimiento: 12/03/1983\n\nDatos del beneficiario\nNombre: Marta Ibáñez Soler\n"
              "Fecha de nacimiento: 01/02/1985\n")
    assert _pairs(owner_block(record, javier, 0.7)) == {("bday", "1983-03-12")}


def test_title_before_a_company_and_a_company_beside_its_address_in_a_signature():
    found = _pairs(parse_signature(["Thijs van der Meulen", "Werkvoorbereider | Rijnland Installatietechniek B.V.",
                                    "M 06 41 87 23 95"], 0.65))
    assert {("organization-title", "Werkvoorbereider"), ("organization", "Rijnland Installatietechniek B.V.")} <= found
    found = _pairs(parse_signature(["Ing. Chiara Lombardi", "Responsabile Qualità",
                                    "Reno Automazione S.r.l. | Via del Lavoro 14, 40057 Granarolo (BO)"], 0.65))
    assert {("organization-title", "Responsabile Qualità"), ("organization", "Reno Automazione S.r.l.")} <= found
    assert not any(k == "url" for k, _ in _pairs(parse_signature(["Chiara Lombardi", "Spett.le"], 0.6)))


def test_dates_addresses_and_labels_of_more_languages():
    assert parse_date("04-08-1985") == "1985-08-04" and parse_date("2 aprile 2025") == "2025-04-02"
    assert parse_date("14 mei 1990") == "1990-05-14"
    street = {c.key: c.value for c in parse_address("Calle de Sueca, 41, 3.º, pta. 8, 46006 València")}
    assert street == {"street-address": "Calle de Sueca, 41, 3.º, pta. 8", "postal-code": "46006",
                      "address-level2": "València"}
    assert {c.key: c.value for c in parse_address("Biltstraat 143\n3572 AS  UTRECHT")}["address-level2"] == "Utrecht"
    assert [label_key(x) for x in ("Geboortedatum", "Luogo di nascita", "Woonplaats", "Cellulare", "Nr", "Subject")] == \
        ["bday", "birthplace", "address-level2", "tel", "", ""]
    assert key_of_label("Huisnummer") == ""   # a part of an address is no whole value


def test_first_person_statements_in_italian_and_dutch():
    found = _pairs(first_person("Portfolio staat op https://www.thijs.example.nl, nieuwe serie Zwolle (waar ik geboren\n"
                                "en getogen ben) in het najaar. Ik woon nu in Utrecht."))
    assert {("birthplace", "Zwolle"), ("url", "https://www.thijs.example.nl"), ("address-level2", "Utrecht")} <= found
    found = _pairs(first_person("Mamma dice che sono nata all'ospedale Sant'Anna di\nFerrara. Da oggi abito in "
                                "via Saragozza 58, terzo piano."))
    assert {("birthplace", "Ferrara"), ("street-address", "via Saragozza 58")} <= found


def _whatsapp(lines: list[str]) -> tuple[ChunkView, DocumentInfo]:
    doc = DocumentInfo(1, "/u/WhatsApp Chat - Femke.txt", "WhatsApp Chat - Femke.txt", "whatsapp", "ok", "", 1, 1, "",
                       {}, "", "")
    return ChunkView(1, 1, "\n".join(lines), "src", {}, "whatsapp", 0), doc


def test_a_partners_endearments_in_a_one_to_one_chat_and_not_a_parents():
    ch, doc = _whatsapp(["Femke: Gefeliciteerd schat!!!", "Thijs van der Meulen: Dankjewel"])
    assert ("partner-name", "Femke") in _pairs(read_chunk(ch, doc, THIJS, False).candidates)
    ch, doc = _whatsapp(["Mamma: Buon compleanno amore!", "Thijs van der Meulen: Grazie"])
    assert not any(c.key == "partner-name" for c in read_chunk(ch, doc, THIJS, False).candidates)
    ch, doc = _whatsapp(["Femke: schat!", "Ruben: hoi", "Thijs van der Meulen: hoi"])   # a group: nobody's partner
    assert not any(c.key == "partner-name" for c in read_chunk(ch, doc, THIJS, False).candidates)


def test_a_record_naming_the_owner_by_given_and_family_labels_or_with_their_birthday():
    from core.persona.owned import born_after_name

    linnea = Owner(name="Linnea Bergström")
    record = ("Skatteverket\nPersonnummer:          19900614-2384\nEfternamn:             Bergström\n"
              "Förnamn:               Linnea\nFödelseort:            Sundsvall")
    assert {("bday", "1990-06-14"), ("birthplace", "Sundsvall")} <= _pairs(owner_block(record, linnea, 0.7))
    miriam = Owner(name="Miriam Hofstetter")
    letter = "Patientin: Hofstetter, Miriam, geb. 22.09.1986\nAnschrift: Karl-Heine-Str. 74, 04229 Leipzig"
    assert {("bday", "1986-09-22"), ("street-address", "Karl-Heine-Str. 74")} <= _pairs(owner_block(letter, miriam, 0.7))
    parties = "Frau Miriam Hofstetter, geb. 22.09.1986, und Herrn Felix Hofstetter, geb. 04.02.1984, bisher wohnhaft"
    assert _pairs(born_after_name(parties, miriam, 0.7)) == {("bday", "1986-09-22")}


def test_ids_that_encode_a_birthday_and_irish_addresses():
    from core.persona.owned import address_after
    from core.persona.values import birth_date_of_id

    assert birth_date_of_id("19900614-2384") == "1990-06-14" and birth_date_of_id("LMBCHR87S63D548X") == "1987-11-23"
    assert birth_date_of_id("12345678") is None
    ciaran = Owner(name="Ciarán Daly")
    cv = ("Ciarán Daly\n14 Wellington Road, Cork T23 X8K2  ·  087 214 6690  ·  ciaran@example.ie\n"
          "https://ciarandaly.example.ie\nPROFILE")
    assert _pairs(address_after(cv, ciaran, 0.7)) == {("street-address", "14 Wellington Road"),
                                                     ("address-level2", "Cork"), ("postal-code", "T23 X8K2")}


def test_german_birth_statement_with_a_date_and_place():
    found = _pairs(first_person("Für das Formular: Ich bin am 22.09.1986 in Chemnitz geboren; die Kopie bringe ich."))
    assert {("bday", "1986-09-22"), ("birthplace", "Chemnitz")} <= found


def test_a_labels_value_after_a_wide_gap_is_read():
    from core.persona.rules import labelled_fields

    assert ("birthplace", "Sundsvall") in _pairs(labelled_fields("Födelseort:            Sundsvall", 0.8))


def test_the_owners_own_endearment_names_the_partner_too():
    ch, doc = _whatsapp(["Thijs van der Meulen: Grattis älskling!", "Oskar Nyberg: tack!"])
    assert ("partner-name", "Oskar Nyberg") in _pairs(read_chunk(ch, doc, THIJS, False).candidates)


def test_a_payslips_family_first_name_and_a_letters_given_first_name_are_one_owner():
    from core.persona.owner import Clue, infer_owner

    clues = [Clue("payslip", "Bergström Linnea", "", 2.5, "the employee on {n} payslips", "lön.pdf"),
             Clue("letter", "Linnea Bergström", "", 1.5, "signed {n} letters", "brev.docx")]
    owner = infer_owner(clues)
    assert owner.name == "Linnea Bergström" and owner.is_name("Bergström Linnea")


def test_birthday_and_birthplace_after_the_owners_name_in_prose():
    from core.persona.owned import born_after_name

    lucia = Owner(name="Lucía Navarro Gil")
    text = ("De una parte D. Fernando Lasheras Bielsa, nacido en Teruel el 2 de mayo de 1960. De otra parte, como "
            "ARRENDATARIA, Dña. Lucía Navarro Gil, nacida en Huesca el 17 de abril de 1992, con DNI 73012458-S.")
    assert _pairs(born_after_name(text, lucia, 0.7)) == {("bday", "1992-04-17"), ("birthplace", "Huesca")}
    aurelie = Owner(name="Aurélie Fontaine")
    assert _pairs(born_after_name("Je soussignée Aurélie Fontaine, née le 3 novembre 1988 à Angers.", aurelie, 0.7)) == \
        {("bday", "1988-11-03"), ("birthplace", "Angers")}
    assert born_after_name("Mon amie Claire Dubois, née le 3 novembre 1988 à Angers.", aurelie, 0.7) == []


def test_a_chat_exports_title_names_the_other_person_in_every_language():
    from core.persona.owner import EXPORT_TITLE

    titles = {"Chat WhatsApp con Chiara Serra": "Chiara Serra", "WhatsApp-chatt med Oskar Nyberg": "Oskar Nyberg",
              "WhatsApp Chat - Julien Marchal": "Julien Marchal", "Chat de WhatsApp con Marta": "Marta",
              "WhatsApp-chat met Femke": "Femke"}
    assert {t: EXPORT_TITLE.search(t).group(1) for t in titles} == titles
    assert EXPORT_TITLE.search("Notes") is None


def test_names_in_capitals_without_accents_and_a_cv_header_of_title_address_and_contacts():
    from core.persona.owned import address_after

    aurelie = Owner(name="Aurélie Fontaine")
    assert aurelie.is_name("MME FONTAINE AURELIE") and not aurelie.is_name("Julien Marchal")
    davide = Owner(name="Davide Lombardi")
    cv = ("Davide Lombardi\nResponsabile qualità · Via del Pratello 47, 40122 Bologna · +39 347 281 6640 · "
          "davide@example.it · davidelombardi.example.it\nEsperienza")
    assert _pairs(address_after(cv, davide, 0.7)) == {("street-address", "Via del Pratello 47"),
                                                     ("postal-code", "40122"), ("address-level2", "Bologna")}


def test_a_pdf_table_read_one_cell_per_line_is_a_record_of_the_owner():
    davide = Owner(name="Davide Lombardi")
    text = ("Gentile Sig.\nLOMBARDI DAVIDE\nAssicurato\nLOMBARDI DAVIDE\nData e luogo di nascita\n"
            "29/07/1985 – RAVENNA (RA)\nAnno\nSettimane\n2022\n52")
    assert ("bday", "1985-07-29") in _pairs(owner_block(text, davide, 0.7))
