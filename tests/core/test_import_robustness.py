"""Files that must not stop or swamp an import: each bad one is reported by name with the reason and
skipped (or loses only its bad part), the rest is imported, and memory stays bounded.

Inputs are small and generated: each would blow up (or abort the import) without its fix, and is
checked with tracemalloc, which counts what Python allocates, decompressors included."""
from __future__ import annotations

import io
import os
import sqlite3
import tracemalloc
import zipfile
from contextlib import redirect_stdout
from email.message import EmailMessage
from types import SimpleNamespace

import pytest

from core.documents import importers
from core.documents.importers import limits
from core.documents.importers.mail import parse_file
from core.errors import ImportFailed
from tests.fakes import FakeEmbedder


@pytest.fixture
def docs(tmp_path):
    from core.documents import DocumentService
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.vectors import VectorIndex

    db = Database(tmp_path / "mnemo.sqlite3")
    embedder = FakeEmbedder()
    service = DocumentService(db, VectorIndex(tmp_path / "vectors"), lambda: embedder, SettingsStore(tmp_path / "s.json"))
    yield service
    db.close()


@pytest.fixture(autouse=True)
def _limits():
    saved = limits.LIMITS.max_bytes
    yield
    limits.LIMITS.max_bytes = saved


def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _cli(module, services, **args) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        module.run(SimpleNamespace(**args), services)
    return out.getvalue()


def _mail(subject: str, body: str, date: str = "Tue, 05 Nov 2024 09:00:00 +0000", attachment=None) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "office@example.org"
    m["To"] = "me@example.org"
    m["Subject"] = subject
    m["Date"] = date
    m["Message-ID"] = f"<{abs(hash(subject))}@example.org>"
    m.set_content(body)
    if attachment:
        m.add_attachment(attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0])
    return m


def _mbox(messages: list[EmailMessage]) -> bytes:
    return b"".join(b"From office@example.org Tue Nov  5 09:00:00 2024\n" + bytes(m).replace(b"\r\n", b"\n") + b"\n"
                    for m in messages)


def _zip_bomb(expanded: int) -> bytes:
    """A .docx-looking zip whose document part is ``expanded`` bytes of spaces (compresses ~1000x)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b" " * (1 << 20)
            for _ in range(expanded >> 20):
                f.write(block)
    return buf.getvalue()


# ---- file names --------------------------------------------------------------------------------
def test_a_file_name_that_is_not_utf8_is_imported_and_round_trips(docs, tmp_path):
    from app.cli import docs_cmd

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "good.txt").write_text("The boiler was serviced in March.")
    raw = os.fsencode(folder) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write(b"Coffee with Marta on Friday at the corner cafe.")
    report = docs.import_paths([folder])
    assert len(report.imported) == 2 and not report.skipped
    odd = os.fsdecode(raw)
    doc = docs.store.by_path(odd)
    assert doc is not None and doc.path == odd and os.path.exists(doc.path)   # stored losslessly
    assert any(c.source.startswith("caf\\xe9.txt line 1") for c in docs.iter_chunks([doc.id]))
    again = docs.import_paths([folder])
    assert len(again.unchanged) == 2 and not again.imported
    out = _cli(docs_cmd, SimpleNamespace(documents=docs), docs_command="list", status=None)
    assert "caf\\xe9.txt" in out and "\udce9" not in out


def test_terminal_escape_codes_in_names_are_printed_escaped(docs, tmp_path):
    from app.cli import docs_cmd, search_cmd

    evil = tmp_path / "evil\x1b]0;owned\x07\x1b[2J.txt"
    evil.write_text("The harbour ferry leaves at seven.")
    docs.import_paths([evil])
    assert [c.source for c in docs.iter_chunks()] == ["evil\\x1b]0;owned\\x07\\x1b[2J.txt line 1"]  # safe in answers too
    out = _cli(docs_cmd, SimpleNamespace(documents=docs), docs_command="list", status=None)
    assert "\x1b" not in out and "\x07" not in out and "evil\\x1b]0;owned\\x07\\x1b[2J.txt" in out
    out = _cli(search_cmd, SimpleNamespace(documents=docs), query="harbour ferry", k=3, json=False)
    assert "harbour ferry" in out and "\x1b" not in out and "\\x1b[2J" in out


# ---- zip bombs ------------------------------------------------------------------------------------
def test_a_docx_zip_bomb_is_refused_before_decompressing():
    limits.LIMITS.max_bytes = 5_000_000
    bomb = _zip_bomb(64 << 20)                         # 64 MB of XML in ~64 KB
    assert len(bomb) < 200_000

    def parse():
        with pytest.raises(ImportFailed) as exc:
            importers.parse_bytes(bomb, "contract.docx")
        return str(exc.value)

    import docx  # noqa: F401  (loaded before measuring)

    parse()
    message, peak = _peak(parse)
    assert "refused before decompressing" in message and "would expand to 67.1 MB" in message
    assert peak < 2_000_000                             # nothing was inflated


def test_a_zip_that_lies_about_its_sizes_is_stopped_at_the_limit():
    limits.LIMITS.max_bytes = 3_000_000
    bomb = bytearray(_zip_bomb(16 << 20))
    # declare 1 MB instead of 16 MB wherever the archive states the size (headers, zip64 extras)
    for width in (8, 4):
        bomb = bytearray(bytes(bomb).replace((16 << 20).to_bytes(width, "little"), (1 << 20).to_bytes(width, "little")))
    assert zipfile.ZipFile(io.BytesIO(bytes(bomb))).infolist()[1].file_size == 1 << 20
    with pytest.raises(ImportFailed) as exc:
        limits.check_zip(bytes(bomb), "the .docx")
    assert "zip bomb" in str(exc.value) or "damaged" in str(exc.value)  # read up to what it declares, no further


def test_a_zip_bomb_attached_to_a_mail_is_refused_and_the_mail_kept(docs, tmp_path):
    limits.LIMITS.max_bytes = 5_000_000
    box = tmp_path / "mail.mbox"
    box.write_bytes(_mbox([_mail("Your contract", "The contract for the flat is attached.",
                                 attachment=("contract.docx", _zip_bomb(64 << 20))),
                           _mail("Dinner", "Dinner at Anna's on Sunday.")]))
    report = docs.import_paths([box])
    assert report.imported == [str(box)]
    doc = docs.store.by_path(str(box))
    assert any("contract.docx" in w and "refused" in w for w in doc.meta["warnings"])
    sources = [c.source for c in docs.iter_chunks([doc.id])]
    assert "mail.mbox › 'Your contract' (2024-11-05)" in sources and "mail.mbox › 'Dinner' (2024-11-05)" in sources


# ---- markup ---------------------------------------------------------------------------------------
def test_deeply_nested_html_is_read_with_bounded_memory():
    page = (b"<html><head><title>Deep</title></head><body>" + b"<div>" * 150_000 + b"the deep end"
            + b"</div>" * 150_000 + b"<p>Bottom line</p></body></html>")     # 1.7 MB (a 4.5 MB one took 2.2 GB as a tree)
    (fmt, doc), peak = _peak(lambda: importers.parse_bytes(page, "deep.html"))
    assert fmt == "html" and "the deep end" in doc.sections[0].text and doc.meta["title"] == "Deep"
    assert peak < 30_000_000


# ---- CSV ------------------------------------------------------------------------------------------
def test_a_csv_with_a_huge_cell_keeps_its_good_rows():
    data = ("name,age,city\nAnna,34,Lisbon\nBert,51,\"" + "x" * 2_000_000 + "\"\nCara,29,Porto\nDan,40,Braga\n").encode()
    _, doc = importers.parse_bytes(data, "people.csv")
    texts = [s.text for s in doc.sections]
    assert "name: Anna; age: 34; city: Lisbon" in texts and "name: Cara; age: 29; city: Porto" in texts
    assert not any("xxxx" in t for t in texts)
    assert any("people.csv: line 3 skipped" in w and "field larger than field limit" in w for w in doc.meta["warnings"])


def test_a_csv_that_is_nothing_but_a_bad_cell_is_reported():
    with pytest.raises(ImportFailed, match="malformed CSV"):
        importers.parse_bytes(("a\n\"" + "x" * 300_000 + "\"\n").encode(), "bad.csv")


# ---- mailboxes ------------------------------------------------------------------------------------
def test_a_mailbox_over_the_file_limit_is_imported_message_by_message(docs, tmp_path):
    docs.settings_store.set("documents.max_file_mb", 0.05)      # 50 kB: per message, not per mailbox
    box = tmp_path / "export.mbox"
    mails = [_mail(f"Note {i}", f"Reminder number {i}: water the plants.") for i in range(300)]
    mails.insert(7, _mail("Huge", "y " * 60_000))                # one message over the limit
    mails.append(_mail("Evil \x1b[2J subject", "Escape codes in a subject."))
    box.write_bytes(_mbox(mails))
    assert box.stat().st_size > 150_000
    small = tmp_path / "big.txt"
    small.write_text("z " * 40_000)                              # a text file over the limit is still skipped
    report = docs.import_paths([box, small])
    assert report.imported == [str(box)]
    assert [r for p, r in report.skipped if p == str(small)][0].startswith("larger than the limit")
    doc = docs.store.by_path(str(box))
    assert doc.meta["messages"] == 302
    assert any(w.startswith("message 8 skipped") and "larger than the limit" in w for w in doc.meta["warnings"])
    sources = {c.source for c in docs.iter_chunks([doc.id])}
    assert "export.mbox › 'Note 299' (2024-11-05)" in sources and not any("Huge" in s for s in sources)
    assert "export.mbox › 'Evil \\x1b[2J subject' (2024-11-05)" in sources


def test_a_mailbox_is_read_as_a_stream(tmp_path):
    box = tmp_path / "big.mbox"
    one = _mbox([_mail("Weekly report", "All quiet on the project front. " * 300)])
    with open(box, "wb") as f:
        for _ in range(800):                                     # ~8 MB
            f.write(one)
    size = box.stat().st_size

    def read():
        parsed = parse_file(str(box), box.name)
        return sum(len(s.text) for s in parsed.sections), parsed.meta

    (chars, meta), peak = _peak(read)
    assert meta["messages"] == 800 and chars > size * 0.9
    assert peak < size / 4                                       # one message at a time, never the mailbox


def test_mbox_quoting_and_a_file_that_is_not_a_mailbox():
    data = b"From a@x Tue Aug  1 10:00:00 2023\nFrom: a@x\nSubject: One\n\nBody one\n>From here\n\n"
    _, doc = importers.parse_bytes(data, "box.mbox")
    assert "\nFrom here" in doc.sections[0].text and doc.meta["title"] == "One"
    with pytest.raises(ImportFailed, match="not an mbox"):
        importers.parse_bytes(b"Subject: x\n\nhello\n", "box.mbox")


def test_a_chat_export_names_its_file():
    data = (b'[{"title": "Gravel bike tyre pressure", "create_time": 1714560000, "current_node": "b", "mapping": {'
            b'"a": {"message": {"author": {"role": "user"}, "content": {"parts": ["What pressure for 45mm?"]}}},'
            b'"b": {"parent": "a", "message": {"author": {"role": "assistant"}, "content": {"parts": ["About 2.5 bar."]}}}'
            b'}}]')
    data = data.replace(b'"a": {"message"', b'"a": {"parent": null, "children": ["b"], "message"')
    _, doc = importers.parse_bytes(data, "conversations.json")
    assert doc.sections[0].label == "conversations.json › 'Gravel bike tyre pressure' (2024-05-01)"


# ---- docs list ------------------------------------------------------------------------------------
def test_docs_list_tells_searchable_waiting_and_failed_apart(docs, tmp_path):
    from app.cli import docs_cmd

    (tmp_path / "a.txt").write_text("Searchable note about the garden shed.")
    (tmp_path / "b.txt").write_text("A note whose vectors were never written.")
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.4 broken")
    docs.import_paths([tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.pdf"])
    b = docs.store.by_path(str(tmp_path / "b.txt"))
    con = sqlite3.connect(tmp_path / "mnemo.sqlite3")
    con.execute("UPDATE chunk SET vector_state = 0 WHERE document_id = ?", (b.id,))  # as after a kill mid-embedding
    con.commit()
    con.close()
    out = _cli(docs_cmd, SimpleNamespace(documents=docs), docs_command="list", status=None)
    lines = {line.split()[-1] if "—" not in line else line.split("—")[0].split()[-1]: line for line in out.splitlines()}
    assert " searchable " in lines[str(tmp_path / "a.txt")]
    assert " waiting " in lines[str(tmp_path / "b.txt")] and "wait for their vectors" in lines[str(tmp_path / "b.txt")]
    assert " failed " in lines[str(tmp_path / "c.pdf")]
    assert "1 searchable, 1 waiting, 1 failed." in out
    only = _cli(docs_cmd, SimpleNamespace(documents=docs), docs_command="list", status="waiting")
    assert "b.txt" in only and "a.txt" not in only
