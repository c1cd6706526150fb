"""Importers and the chunker: every format keeps its provenance; bad input is refused with a reason."""
from __future__ import annotations

import pytest

from core.documents import importers
from core.documents.chunker import chunk_sections, split_spans
from core.documents.model import Section
from core.errors import ImportFailed
from tests.fixtures.documents.make import build_broken, build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def parse(path):
    return importers.parse_bytes(path.read_bytes(), path.name)


def test_every_format_is_registered_and_parsed(corpus):
    formats = {k: parse(p)[0] for k, p in corpus.items()}
    assert formats == {"md": "text", "vcf": "vcard", "txt": "text", "pdf": "pdf", "docx": "docx", "html": "html",
                       "eml": "email", "mbox": "email", "csv": "csv", "json": "chatgpt", "whatsapp": "whatsapp"}
    assert {".txt", ".md", ".pdf", ".docx", ".html", ".htm", ".eml", ".mbox", ".vcf", ".csv", ".json"} <= set(
        importers.supported_extensions())


def test_pdf_keeps_page_numbers(corpus):
    _, doc = parse(corpus["pdf"])
    assert [s.meta["page"] for s in doc.sections] == [1, 2]
    assert "lamp is cleaned" in doc.sections[1].text and doc.sections[1].label == "manual.pdf p. 2"


def test_mail_headers_message_ids_and_attachments(corpus):
    _, mbox = parse(corpus["mbox"])
    assert [s.meta["message_id"] for s in mbox.sections] == ["<mbox-0@example.org>", "<mbox-1@example.org>"]
    assert mbox.sections[1].label == "inbox.mbox › 'Invoice 42' (2024-06-04)"
    _, eml = parse(corpus["eml"])
    body, att = eml.sections
    assert body.meta["subject"] == "Boat trip" and body.meta["date"] == "2024-05-01" and "pier 7" in body.text
    assert att.meta["attachment"] == "packing.txt" and "rain jacket" in att.text
    assert att.meta["message_id"] == "<boat-trip-1@example.org>"


def test_whatsapp_messages_lines_and_dates(corpus):
    _, doc = parse(corpus["whatsapp"])
    assert [s.meta["line"] for s in doc.sections] == [1, 2, 4]
    assert doc.sections[1].text == "Ben: Yes! 7 pm at the bouldering hall\nbring chalk please"
    assert doc.sections[2].meta["date"] == "2023-12-06" and doc.meta["participants"] == ["Anna", "Ben"]
    chunks = chunk_sections(doc.sections)
    assert len(chunks) == 1 and chunks[0].source.startswith("WhatsApp Chat with Anna.txt line 1 ")


def test_chatgpt_thread_and_message_ids(corpus):
    _, doc = parse(corpus["json"])
    assert [s.meta["message_id"] for s in doc.sections] == ["m1", "m2", "m3"]
    chunk = chunk_sections(doc.sections)[0]
    assert chunk.meta["message_ids"] == ["m1", "m2", "m3"] and chunk.source == "conversations.json › 'Sourdough help' (2024-05-01)"


def test_vcard_fields_in_meta(corpus):
    _, doc = parse(corpus["vcf"])
    ada = doc.sections[0].meta["vcard"]
    assert ada["fn"] == "Ada Lovelace" and ada["n"]["given"] == "Ada" and ada["n"]["family"] == "Lovelace"
    assert ada["email"] == ["ada@example.org", "ada.lovelace@analytical.example"]
    assert ada["tel"] == ["+44 20 7946 0018"] and ada["bday"] == "1815-12-10" and ada["title"] == "Programmer"
    assert ada["adr"][0]["postal_code"] == "SW1Y 4JH" and ada["adr"][0]["locality"] == "London"
    assert ada["org"] == "Analytical Engine Society Research" and ada["url"] == ["https://ada.example.org"]
    assert ada["note"] == "Wrote the first program, for Bernoulli numbers."
    charles = doc.sections[1].meta["vcard"]
    assert charles["fn"] == "Charles Babbage" and charles["email"] == ["charles@example.org"]


def test_docx_html_csv(corpus):
    _, docx = parse(corpus["docx"])
    assert any("second shop in Lyon" in s.text for s in docx.sections)
    assert any(s.text == "Lighthouse | 30 June" for s in docx.sections)
    _, html = parse(corpus["html"])
    assert "buttermilk" in html.sections[0].text and "hidden" not in html.sections[0].text
    assert html.meta["title"] == "Recipes"
    _, csv = parse(corpus["csv"])
    assert csv.sections[1].text == "title: Emma; author: Jane Austen; year: 1815" and csv.sections[1].meta["row"] == 3


def test_broken_inputs_fail_with_reasons(tmp_path):
    bad = build_broken(tmp_path)
    reasons = {}
    for key, path in bad.items():
        if key == "empty":
            continue
        with pytest.raises(ImportFailed) as err:
            parse(path)
        reasons[key] = str(err.value)
    assert "encrypted" in reasons["encrypted"]
    assert "no text layer" in reasons["image_only"]
    assert "damaged PDF" in reasons["corrupt_pdf"]
    assert "binary data" in reasons["junk_txt"]
    assert "not UTF-8" in reasons["latin1"] and "Save the file as UTF-8" in reasons["latin1"]
    assert "not a .docx" in reasons["corrupt_docx"]
    assert "damaged JSON" in reasons["bad_json"]


def test_unknown_extension_and_foreign_json(tmp_path):
    with pytest.raises(ImportFailed, match="unsupported format"):
        importers.parse_bytes(b"x", "a.xyz")
    with pytest.raises(ImportFailed, match="ChatGPT"):
        importers.parse_bytes(b'{"a": 1}', "settings.json")


def test_split_spans_cover_text_with_bounded_windows():
    text = " ".join(f"word{i}" for i in range(2000))
    spans = list(split_spans(text, 300, 50))
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(e - s <= 300 for s, e in spans)
    assert all(b[0] < a[1] for a, b in zip(spans, spans[1:]))  # consecutive windows overlap
    assert all(b[0] > a[0] for a, b in zip(spans, spans[1:]))


def test_chunk_line_numbers_follow_the_text():
    text = "\n".join(f"line {i} " + "lorem ipsum " * 10 for i in range(1, 101))
    chunks = chunk_sections([Section(text, "a.txt line {line}", {"line": 1})], size=400, overlap=0)
    for c in chunks:
        first = int(c.text.split()[1])  # each line starts "line N"
        assert c.meta["line"] == first and c.source == f"a.txt line {first}"


def test_vcard_versions_folding_and_quoted_printable():
    data = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen\r\n"
            "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Gr=C3=BC=C3=9Fe aus K=C3=B6ln, bis bald=\r\n"
            " und danke=\r\n!\r\nTEL;HOME;VOICE:+49 221 123456\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace\r\n  Hopper\r\nEMAIL;TYPE=work,internet:grace@\r\n navy.example\r\n"
            "NOTE:Admiral, compilers\\, COBOL\\nsecond line\r\nTITLE:Rear admiral\\\r\nPHOTO;ENCODING=b;TYPE=JPEG:not base64 at all!!\r\n"
            "END:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Alan Turing\r\nTEL;VALUE=uri;TYPE=cell:tel:+44-161-555-0100\r\n"
            "EMAIL;PREF=1:mailto:alan@example.org\r\nEND:VCARD\r\n").encode()
    _, doc = importers.parse_bytes(data, "mixed.vcf")
    juergen, grace, alan = (s.meta["vcard"] for s in doc.sections)
    assert juergen["fn"] == "Jürgen Müller" and juergen["tel"] == ["+49 221 123456"]
    assert juergen["tel_types"] == ["home,voice"]
    assert juergen["note"] == "Grüße aus Köln, bis bald und danke!"   # soft line breaks joined, comma kept
    assert grace["fn"] == "Grace Hopper" and grace["email"] == ["grace@navy.example"]
    assert grace["email_types"] == ["work,internet"] and grace["title"] == "Rear admiral"
    assert grace["note"] == "Admiral, compilers, COBOL\nsecond line"   # the photo is dropped, not decoded
    assert alan["tel"] == ["+44-161-555-0100"] and alan["email"] == ["alan@example.org"]
    assert doc.meta["contacts"] == 3 and "warnings" not in doc.meta


def test_broken_vcard_card_is_skipped_and_the_others_kept():
    good = "BEGIN:VCARD\nVERSION:3.0\nFN:{}\nEND:VCARD\n"
    data = (good.format("One") + "BEGIN:VCARD\nVERSION:3.0\nFN:Two\nthis line has no colon\nEND:VCARD\n"
            + "BEGIN:VCARD\nVERSION:2.1\nNOTE;CHARSET=no-such-charset;QUOTED-PRINTABLE:caf=E9\nEND:VCARD\n"
            + good.format("Four") + "BEGIN:VCARD\nVERSION:3.0\nFN:Five, cut off\n").encode()
    _, doc = importers.parse_bytes(data, "book.vcf")
    assert [s.meta["vcard"]["fn"] for s in doc.sections] == ["One", "Four"]
    assert [s.meta["card"] for s in doc.sections] == [0, 1]
    warnings = doc.meta["warnings"]
    assert len(warnings) == 3 and warnings[0].startswith("contact 5 skipped") and "END:VCARD" in warnings[0]
    assert warnings[1].startswith("contact 2 skipped: ParseError") and warnings[2].startswith("contact 3 skipped")
    with pytest.raises(ImportFailed, match="no contacts found .contact 1 skipped: ParseError"):
        importers.parse_bytes(b"BEGIN:VCARD\nVERSION:3.0\nno colon\nEND:VCARD\n", "bad.vcf")
    with pytest.raises(ImportFailed, match="no contacts found"):
        importers.parse_bytes(b"just some text\n", "empty.vcf")


def test_huge_folded_vcard_is_read_in_linear_time_with_bounded_chunk_metadata():
    import json
    import time

    note = "".join(f"word{i} " for i in range(450_000))            # ~3.5 MB, folded into ~47k lines
    folded = "\r\n ".join(note[i:i + 74] for i in range(0, len(note), 74))
    qp = "=\r\n".join("=C3=BC" * 12 for _ in range(20_000))       # a 1.4 MB vCard 2.1 quoted-printable NOTE
    data = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Note\r\nEMAIL:big@example.org\r\nNOTE:" + folded + "\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:QP\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:" + qp +
            "\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Small\r\nEND:VCARD\r\n").encode()
    t0 = time.perf_counter()
    _, doc = importers.parse_bytes(data, "big.vcf")
    assert time.perf_counter() - t0 < 20      # vobject's own unfolding is quadratic on this
    assert [s.meta["card"] for s in doc.sections] == [0, 0, 1, 1, 2]
    big = doc.sections[0].meta["vcard"]
    assert big["email"] == ["big@example.org"] and len(big["note"]) <= 501
    assert doc.sections[1].text.endswith(note.strip()) and "vcard" not in doc.sections[1].meta
    assert len(doc.sections[3].text) > 240_000 and "ü" * 12 in doc.sections[3].text
    chunks = chunk_sections(doc.sections)
    assert len(chunks) > 1000
    assert max(len(json.dumps(c.meta)) for c in chunks) < 5_000   # no chunk carries the whole card
    assert sum(1 for c in chunks if c.meta.get("vcard")) == 3      # one per card: the persona counts on it


def test_exported_vcard_reads_back():
    from core.export import facts_to_vcard

    text = facts_to_vcard({"given-name": ["Ada"], "family-name": ["Lovelace"], "email": ["ada@example.org"],
                           "tel": ["+44 20 7946 0000"], "street-address": ["12 St James's Square; Flat 2"],
                           "address-level2": ["London"], "postal-code": ["SW1Y 4JH"], "organization": ["Analytical, Engines"],
                           "organization-title": ["Programmer"], "url": ["https://example.org/" + "é" * 60],
                           "bday": ["1815-12-10"]})
    _, doc = importers.parse_bytes(text.encode(), "me.vcf")
    card = doc.sections[0].meta["vcard"]
    assert card["fn"] == "Ada Lovelace" and card["n"]["family"] == "Lovelace" and card["email"] == ["ada@example.org"]
    assert card["tel"] == ["+44-20-7946-0000"] and card["org"] == "Analytical, Engines"
    assert card["adr"][0]["street"] == "12 St James's Square; Flat 2" and card["adr"][0]["postal_code"] == "SW1Y 4JH"
    assert card["url"] == ["https://example.org/" + "é" * 60] and card["bday"] == "18151210"


def test_mail_parts_reads_back_what_the_mail_importer_writes():
    from core.documents.importers.mail import mail_parts

    raw = (b'From: "Doe, Jane" <jane@example.org>\nTo: Bob <bob@example.org>, carol@example.org\n'
           b"Cc: dan@example.org, not an address\nSubject: Re: trip\nDate: Tue, 1 Aug 2023 10:00:00 +0000\n\n"
           b"Sounds good.\n> quoted line\nSee you.\n\nOn Mon, 31 Jul 2023, Bob wrote:\nold text\n")
    _, doc = importers.parse_bytes(raw, "re.eml")
    mail = mail_parts(doc.sections[0].text)
    assert mail.addresses == {"from": ["jane@example.org"], "to": ["bob@example.org", "carol@example.org"],
                              "cc": ["dan@example.org"]}
    assert mail.sender == "jane@example.org" and mail.head.startswith('From: "Doe, Jane" <jane@example.org>')
    assert mail.body == "Sounds good.\nSee you.\n"
    later = mail_parts("the middle of a long mail\nFrom: is not a header here\n\nmore")
    assert later.head == "" and later.sender == "" and later.body.startswith("the middle")
