"""Who the user is, from a plain import (no --mine): owner inference and its evidence, extraction keyed
on the owner per evidence kind (sent mail, signature, payslip, contacts row, first-person statement, chat
message), a correction by the user, other people kept apart, chat lines never facts."""
from __future__ import annotations

import json
from pathlib import Path

from core.persona.owned import parse_signature, signature_block
from core.persona.owner import Clue, infer_owner, parse_owner_spec, person_name
from core.persona.rules import labelled_fields, valid_value
from tests.fakes import FakeChatModel, FakeEmbedder


def _mail(frm: str, to: str, subject: str, day: int, body: str) -> str:
    return (f"From x Mon Mar {day:2d} 10:00:00 2025\nFrom: {frm}\nTo: {to}\nSubject: {subject}\n"
            f"Date: Mon, {day:02d} Mar 2025 10:00:00 +0100\nMessage-ID: <{subject}{day}@example.org>\n\n{body}\n\n")


ADA = "Ada Novak <ada.novak@example.org>"
SIGNATURE = ("Best regards,\nAda Novak\nSenior Robotics Engineer | Acme Robotics GmbH\nMobile: +49 170 1234567\n"
             "https://adanovak.example.org")


def _folder(tmp_path: Path, *, sent: bool = True, contacts: bool = False, journal: bool = False,
            chat: bool = False, payslip: bool = False) -> Path:
    root = tmp_path / "Documents"
    (root / "Mail").mkdir(parents=True)
    if sent:
        (root / "Mail" / "Sent.mbox").write_text("".join(
            _mail(ADA, "Tom Berger <tom@acme.example>", f"Plan{i}", 3 + i, f"Hi Tom,\n\nsee you at 10:30?\n\n{SIGNATURE}")
            for i in range(3)))
    (root / "Mail" / "Inbox.mbox").write_text(
        _mail("Lena Novak <lena@example.net>", ADA, "Dinner", 9,
              "Hi Ada,\n\nmy address is Hafenweg 3, 20457 Hamburg. I live in Hamburg now.\n\nCheers,\nLena Novak\n"
              "Phone: +49 40 7654321"))
    if contacts:
        (root / "contacts.csv").write_text(
            "Name,E-mail,Phone,Relation\nAda Novak,ada.novak@example.org,+49 170 1234567,me\n"
            "Lena Novak,lena@example.net,+49 171 9876543,sister\nTom Berger,tom@acme.example,,colleague\n")
    if journal:
        (root / "journal.md").write_text("# Journal\n\nI was born on 22.07.1988 in Brno. Today we moved to Leipzig!\n"
                                         "My sister Lena called, her number is +49 171 9876543.\n")
    if chat:
        (root / "chat.txt").write_text(
            "[10.03.25, 19:02:11] Lena Novak: Dinner on Friday at 19:30? I booked it\n"
            "[10.03.25, 19:03:00] Anna Maria: Name: Dinner club, see you there\n"
            "[10.03.25, 19:05:40] Ada Novak: yes! my new address is Gohliser Straße 14, 04155 Leipzig\n"
            "[10.03.25, 19:06:02] Lena Novak: I live in Dresden now and my birthday is 3 May 1990\n")
    if payslip:
        (root / "payslip-2025-03.txt").write_text(
            "Acme Robotics GmbH\nGehaltsabrechnung März 2025\nMitarbeiter: Ada Novak\nGohliser Straße 14\n04155 Leipzig\n"
            "Geburtsdatum: 22.07.1988\nTätigkeit: Senior Robotics Engineer\nAuszahlungsbetrag 3.136,22 EUR\n")
    return root


def _facts(services) -> dict[str, str]:
    return {f.key: f.value for f in services.persona.facts.all(reveal=True)}


def test_sent_mail_makes_the_owner_and_its_signature_the_facts(services, tmp_path):
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([_folder(tmp_path)])          # no --mine
    owner = services.persona.owner()
    assert owner.name == "Ada Novak" and owner.emails == ["ada.novak@example.org"]
    assert any("sender of 3 of your sent mails" in e for e in owner.evidence)
    facts = _facts(services)
    assert facts["name"] == "Ada Novak" and facts["email"] == "ada.novak@example.org"
    assert facts["organization-title"] == "Senior Robotics Engineer" and facts["organization"] == "Acme Robotics GmbH"
    assert facts["tel"] == "+491701234567" and facts["url"] == "https://adanovak.example.org"   # E.164 kept
    # the received mail is Lena's: her address and phone are not the owner's
    assert "Hamburg" not in facts.values() and "Hafenweg 3" not in facts.values()
    assert services.persona.people.lookup("Lena")[0].email == "lena@example.net"


def test_signature_block():
    sig = signature_block("Hi,\n\nthe plan.\n\n" + SIGNATURE)
    got = {(c.key, c.value) for c in parse_signature(sig, 0.6)}
    assert {("name", "Ada Novak"), ("organization-title", "Senior Robotics Engineer"),
            ("organization", "Acme Robotics GmbH"), ("url", "https://adanovak.example.org")} <= got
    assert any(k == "tel" for k, _ in got)
    got = {(c.key, c.value) for c in parse_signature(signature_block(
        "Text\n--\nFiona MacAllister\nSenior Landscape Architect\nThistle & Stone Design Ltd\nM: +44 7700 900481"), 0.6)}
    assert ("organization", "Thistle & Stone Design Ltd") in got and ("organization-title", "Senior Landscape Architect") in got


def test_payslip_gives_name_address_birthday_employer_position(services, tmp_path):
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([_folder(tmp_path, sent=False, payslip=True)])
    owner = services.persona.owner()
    assert owner.name == "Ada Novak" and any("the employee on payslip-2025-03.txt" in e for e in owner.evidence)
    facts = _facts(services)
    assert facts["bday"] == "1988-07-22" and facts["street-address"] == "Gohliser Straße 14"
    assert facts["postal-code"] == "04155" and facts["address-level2"] == "Leipzig"
    assert facts["organization"] == "Acme Robotics GmbH" and facts["organization-title"] == "Senior Robotics Engineer"


def test_contacts_me_row_and_other_rows_kept_apart(services, tmp_path):
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([_folder(tmp_path, sent=False, contacts=True)])
    owner = services.persona.owner()
    assert owner.name == "Ada Novak" and "the 'me' row in contacts.csv" in owner.evidence
    facts = _facts(services)
    assert facts["tel"] == "+491701234567" and facts["email"] == "ada.novak@example.org"
    sister = services.persona.people.lookup("sister")
    assert [p.name for p in sister] == ["Lena Novak"] and sister[0].tel in ("+49 171 9876543", "+49 40 7654321")
    assert "+491719876543" not in facts.values() and "lena@example.net" not in facts.values()


def test_first_person_statements_in_a_journal(services, tmp_path):
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([_folder(tmp_path, journal=True)])
    facts = _facts(services)
    assert facts["bday"] == "1988-07-22" and facts["birthplace"] == "Brno" and facts["address-level2"] == "Leipzig"
    assert "+491719876543" not in facts.values()      # the sister's number
    assert services.persona.people.lookup("sister")[0].tel in ("+49 171 9876543", "+49 40 7654321")


def test_chat_export_only_the_owners_turns_and_chat_lines_never_facts(services, tmp_path):
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([_folder(tmp_path, chat=True)])
    facts = _facts(services)
    assert facts["street-address"] == "Gohliser Straße 14" and facts["postal-code"] == "04155"
    assert "Dresden" not in facts.values() and "1990-05-03" not in facts.values()   # Lena's, not Ada's
    for key, value in facts.items():
        assert "Dinner" not in value and "?" not in value and not key.startswith(("lena", "anna")), (key, value)
    assert {p.name for p in services.persona.people.all()} >= {"Lena Novak", "Anna Maria"}


def test_chat_message_in_mnemo(services):
    services.set_llm(FakeChatModel("Noted. [NO_CITE]", json=lambda m, s: {"facts": []} if "facts" in s.get(
        "properties", {}) else {"name": "x", "description": "y", "first_person": "", "third_person": ""}))
    services.chat.send("Hi, I'm Priya and I live in Leeds")
    assert services.persona.flush(60)
    facts = _facts(services)
    assert facts["given-name"] == "Priya" and facts["address-level2"] == "Leeds"
    assert services.persona.owner().name == "Priya"


def test_owner_inference_with_conflicting_evidence():
    clues = [Clue("sent-mail", "Ada Novak", "ada@example.org", 1.0, "sender of {n} of your sent mails", "Sent.mbox")] * 5
    clues += [Clue("vcard", "Bob Stone", "bob@example.org", 1.0, "the card in bob.vcf (its only card)", "bob.vcf"),
              Clue("mail-from", "Bob Stone", "bob@example.org", 0.25, "sender of {n} mails in your mailbox", "in.mbox"),
              Clue("statement", "Ada", "", 1.5, "'I'm Ada' in notes.md", "notes.md"),
              Clue("contacts-me", "Ada Novak", "ada.private@example.net", 3.0, "the 'me' row in contacts.csv", "c.csv")]
    owner = infer_owner(clues)
    assert owner.name == "Ada Novak" and owner.emails[0] == "ada@example.org" and "ada.private@example.net" in owner.emails
    assert owner.evidence[0] == "sender of 5 of your sent mails (Sent.mbox)" and "'I'm Ada' in notes.md" in owner.evidence
    assert owner.others and owner.others[0][0] == "Bob Stone"
    assert not infer_owner([Clue("mail-from", "Bob Stone", "bob@example.org", 0.25, "x", "in.mbox")]).known


def test_a_correction_by_the_user_and_the_profile_follows(services, tmp_path):
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([_folder(tmp_path)])
    assert services.persona.owner().name == "Ada Novak"
    owner = services.persona.set_owner(*parse_owner_spec("Lena Novak <lena@example.net>"))
    assert owner.confirmed and owner.name == "Lena Novak"
    facts = _facts(services)
    assert facts["name"] == "Lena Novak" and facts["email"] == "lena@example.net"
    assert facts["street-address"] == "Hafenweg 3" and facts["address-level2"] == "Hamburg"   # her mail is hers now
    assert facts.get("organization") != "Acme Robotics GmbH" and facts.get("tel") != "+491701234567"
    assert services.persona.people.lookup("Ada")                                         # Ada is another person
    services.persona.set_owner("", [])                                                   # back to the inference
    assert services.persona.owner().name == "Ada Novak" and _facts(services)["name"] == "Ada Novak"


def test_pinned_values_never_change_and_newest_wins(services):
    p = services.persona
    p.facts.set("address-level2", "Porto")
    p.extract_text("I live in Berlin.", "note:1", "note", use_model=False, observed_at=1.0e9)
    assert p.facts.get("address-level2").value == "Porto"
    p.extract_text("My employer is Alpha Labs. My employer is Alpha Labs.", "note:2", "note", use_model=False,
                   observed_at=1.0e9)
    p.extract_text("My employer is Alpha Labs.", "note:3", "old", use_model=False, observed_at=1.1e9)
    p.extract_text("My employer is Beta Works.", "note:4", "new", use_model=False, observed_at=1.7e9)
    p.extract_text("My employer is Beta Works.", "note:5", "new", use_model=False, observed_at=1.7e9)
    org = p.facts.get("organization")
    assert org.value == "Beta Works" and "Alpha Labs" in [h.value for h in org.history]


def test_values_are_validated_per_key():
    assert not valid_value("url", "https://martakowalski") and valid_value("url", "https://marta.example.org")
    assert not valid_value("address-level2", "Dinner on Friday at 19:30? I booked it")
    assert not valid_value("name", "see you at 8") and valid_value("name", "Ada Novak")
    assert labelled_fields("Private mail: Ada\nAnna Maria: Dinner on Friday at 19:30?\n", 0.8) == []
    assert person_name("Acme Robotics GmbH") == "" and person_name("Novak, Ada") == "Ada Novak"


def test_whoami_cli(home, tmp_path, capsys):
    from app.cli.main import main

    folder = _folder(tmp_path, contacts=True)
    assert main(["import", "--quiet", str(folder)]) == 0
    capsys.readouterr()
    assert main(["whoami"]) == 0
    out = capsys.readouterr().out
    assert "You are Ada Novak <ada.novak@example.org> (inferred)" in out and "the 'me' row in contacts.csv" in out
    assert main(["whoami", "--set", "Ada Novak <ada@work.example>"]) == 0
    assert "(confirmed by you)" in capsys.readouterr().out
    assert main(["people", "sister"]) == 0 and "Lena Novak" in capsys.readouterr().out
    json.dumps({})  # keep json imported for the fixture writers


def test_newest_document_wins_and_a_meeting_note_is_not_the_owners(services, tmp_path):
    services.set_embedder(FakeEmbedder())
    root = tmp_path / "docs"
    root.mkdir()
    for year, street, town in (("2023", "Hafenweg 3", "20457 Hamburg"), ("2025", "Gohliser Straße 14", "04155 Leipzig")):
        (root / f"payslip-{year}-01.txt").write_text(
            f"Acme Robotics GmbH\nGehaltsabrechnung Januar {year}\nMitarbeiter: Ada Novak\n{street}\n{town}\n")
    (root / "meeting.md").write_text("# Meeting with suppliers\nAttendees: Ada Novak, Tom Berger\nContact: Tom Berger\n"
                                     "Phone: +49 40 9999999\nEmail: tom@supplier.example\n")
    (root / "fwd.eml").write_text(_mail(ADA, "Tom Berger <tom@acme.example>", "Fwd", 5,
                                        "FYI\n\n---------- Forwarded message ---------\nFrom: Max Muster\n\nHello\n\n"
                                        "Best regards,\nMax Muster\nHead of Sales | Muster AG\nPhone: +49 30 555555"))
    services.documents.import_paths([root])
    facts = _facts(services)
    assert facts["street-address"] == "Gohliser Straße 14" and facts["address-level2"] == "Leipzig"
    assert [h.value for h in services.persona.facts.get("street-address").history] == ["Hafenweg 3"]
    assert "tel" not in facts and facts.get("email") != "tom@supplier.example"
    assert facts.get("organization") == "Acme Robotics GmbH" and facts.get("organization-title") != "Head of Sales"


def _doc(name: str, fmt: str, meta: dict | None = None):
    from core.documents.model import DocumentInfo

    return DocumentInfo(1, f"/home/u/{name}", name, fmt, "ok", "", 1, 1, "", meta or {}, "", "")


def _chunk(text: str, fmt: str, meta: dict | None = None, ordinal: int = 0):
    from core.documents.model import ChunkView

    return ChunkView(ordinal + 1, 1, text, "src", meta or {}, fmt, ordinal)


def test_clues_from_a_whatsapp_export_name_and_long_pasted_chat_turns():
    from core.persona.owner import document_clues, user_turns

    doc = _doc("WhatsApp Chat mit Lukas Hoffmann.txt", "whatsapp", {"participants": ["Katharina Brandt", "Lukas Hoffmann"]})
    clues = document_clues(doc, [_chunk("Lukas Hoffmann: hi\nKatharina Brandt: hallo", "whatsapp", {"sender": "Lukas Hoffmann"})])
    assert [(c.name, c.kind) for c in clues] == [("Katharina Brandt", "chat-participant")]
    pasted = "Proofread: Dear Sir, my name is John Doe and I live in Leeds. " * 20
    assert user_turns(f"user: Hi, I'm Ada.\nI live in Leipzig.\nassistant: Hello!\nuser: {pasted}") == \
        "Hi, I'm Ada.\nI live in Leipzig."


def test_address_book_card_of_the_owner_and_one_line_sender(services, tmp_path):
    from core.persona.owned import address_after
    from core.persona.owner import Owner

    services.set_embedder(FakeEmbedder())
    root = _folder(tmp_path)
    (root / "contacts.vcf").write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Tom Berger\nEMAIL:tom@acme.example\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nN:Novak;Ada;;;\nFN:Ada Novak\nEMAIL:ada.novak@example.org\nBDAY:1988-07-22\n"
        "ADR;TYPE=home:;;Gohliser Straße 14;Leipzig;;04155;Germany\nEND:VCARD\n")
    services.documents.import_paths([root])
    facts = _facts(services)
    assert facts["bday"] == "1988-07-22" and facts["country-name"] == "Germany"
    assert "Tom Berger" in {p.name for p in services.persona.people.all()}
    got = {(c.key, c.value) for c in address_after("Katharina Brandt · Wiesentalstraße 8 · 79115 Freiburg\n",
                                                   Owner("Katharina Brandt"), 0.7)}
    assert got == {("street-address", "Wiesentalstraße 8"), ("postal-code", "79115"), ("address-level2", "Freiburg")}
