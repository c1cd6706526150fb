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
    assert mbox.sections[1].label == "mail 'Invoice 42' 2024-06-04"
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
    assert chunk.meta["message_ids"] == ["m1", "m2", "m3"] and chunk.source == "ChatGPT 'Sourdough help' 2024-05-01"


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
