"""Sensitive values in documents and chat (issue 15): card numbers, IBANs, ID and tax numbers, passwords are
stored as placeholders with the value encrypted beside it; search, prompts, answers, exports, backups and the
prefill passages show only the placeholder unless the privacy setting of that use allows the value; a data
folder that holds them in plaintext from before is protected at its next start."""
from __future__ import annotations

import argparse
import logging
import sqlite3
import zipfile
from pathlib import Path

import pytest

from core.backup import create_backup
from core.privacy.sensitive import find
from tests.fakes import FakeChatModel, FakeEmbedder

IBAN = "GB82 WEST 1234 5698 7654 32"
CARD = "4012 8888 8888 1881"
NOTE = f"My IBAN is {IBAN} and my card number is {CARD}.\nWifi password: Tr0ub4dor&3\nI like gravel rides.\n"


def _needles() -> dict[str, bytes]:
    return {"iban": IBAN.encode(), "iban-compact": IBAN.replace(" ", "").encode(), "card": CARD.encode(),
            "card-digits": CARD.replace(" ", "").encode(), "password": b"Tr0ub4dor&3"}


def _blobs(folder: Path) -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "secrets.json"]


def _zip_blobs(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(str(path), path.read_bytes())] + [(f"{path}!{n}", zf.read(n)) for n in zf.namelist()]


def _leaks(blobs: list[tuple[str, bytes]]) -> list[str]:
    return [f"{what} in {where}" for where, data in blobs for what, n in _needles().items() if n in data]


def _log_blobs() -> list[tuple[str, bytes]]:
    for h in logging.getLogger().handlers:
        h.flush()
    logs = [Path(h.baseFilename) for h in logging.getLogger().handlers if getattr(h, "_mnemo", False)]
    return [(str(p), p.read_bytes()) for log in logs for p in log.parent.glob("mnemo.log*")]


# ---- finding ---------------------------------------------------------------------------------------------------
def test_finds_cards_ibans_ids_and_passwords() -> None:
    got = [(s.kind, s.value) for s in find(NOTE)]
    assert got == [("iban", IBAN), ("card", CARD), ("password", "Tr0ub4dor&3")]
    assert [(s.kind, s.value) for s in find("My passport number is C4F7K2L9M (valid until 2031).")] == \
        [("passport", "C4F7K2L9M")]
    assert [s.kind for s in find("Steuer-ID: 36574261809, SSN 536-90-4399")] == ["tax_id", "national_id"]
    assert [s.value for s in find("Mot de passe : s3cr3t!")] == ["s3cr3t!"]
    assert [s.value for s in find("Konto DE89 3704 0044 0532 0130 00 bei der Bank")] == ["DE89 3704 0044 0532 0130 00"]


@pytest.mark.parametrize("text", [
    "Call me at +49 151 23456789 or 0151 2345 6789, or +1 (415) 555-0132.",
    "Order 4000123456789010 shipped; order number 123456789012; invoice 2024-11-0501.",
    "Tracking: 1Z999AA10123456784. Amount 1234.56 EUR on 2024-05-12 at 14:30 in room 4012.",
    "ISBN 978-3-16-148410-0, EAN 4006381333931, build 20240512143000.",
    "The password is on the fridge.",  # no "password:" line
])
def test_phone_order_and_other_numbers_are_not_sensitive(text: str) -> None:
    assert find(text) == []


# ---- import, search, chat, export, backup ----------------------------------------------------------------------
def test_card_and_iban_note_never_in_plaintext(home: Path, tmp_path: Path, capsys) -> None:
    from app.cli import search_cmd
    from app.services import Services
    from core.export import export_all

    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bank.txt").write_text(NOTE, encoding="utf-8")
    try:
        with Services(home) as s:
            s.set_embedder(FakeEmbedder())
            report = s.documents.import_paths([docs])
            assert report.imported and report.chunks
            text = "\n".join(c.text for c in s.documents.iter_chunks())
            assert "IBAN •••• 5432" in text and "CARD •••• 1881" in text and "PASSWORD ••••" in text
            assert "gravel rides" in text  # the rest of the note is as it was
            hits = s.documents.search("gravel rides IBAN", 5)
            assert hits and all(IBAN not in h.text for h in hits)
            assert s.documents.search(IBAN, 5)  # asked for by itself, it is found by its placeholder
            # the chat: the prompt, the stored messages, the answer
            fake = FakeChatModel("Your IBAN is IBAN •••• 5432.")
            s.set_llm(fake)
            reply = s.chat.send(f"Which IBAN ends in 5432? Mine is {IBAN}, card {CARD}")
            prompt = "\n".join(m["content"] for c in fake.chats for m in c)
            assert "IBAN •••• 5432" in prompt and IBAN not in prompt and CARD not in prompt
            assert IBAN not in reply.text
            # the prefill passages (autofill.fill_sensitive off)
            search = s.autofill._search
            assert search is not None
            passages = search("IBAN card number", 5)
            assert passages and all(IBAN not in t and CARD not in t for _, t in passages)
            s.persona.flush(60)
            export_all(s.persona.facts, s.conversations, tmp_path / "export")
            conv_id = reply.conversation_id
            capsys.readouterr()  # `mnemo search`, as text and as JSON lines (with the chunks' metadata)
            for as_json in (False, True):
                assert search_cmd.run(argparse.Namespace(query="IBAN card number", k=10, json=as_json), s) == 0
            out = capsys.readouterr().out
            assert "•••• 5432" in out and IBAN not in out and CARD not in out
        create_backup(home, tmp_path / "plain.zip")
        create_backup(home, tmp_path / "with-secrets.zip", include_secrets=True, passphrase="long passphrase 1")
    finally:
        root.setLevel(old_level)
    blobs = _blobs(home) + _blobs(tmp_path / "export") + _zip_blobs(tmp_path / "plain.zip") + _log_blobs()
    blobs += _zip_blobs(tmp_path / "with-secrets.zip")  # the key is in it, encrypted: the values are not
    assert _leaks(blobs) == []
    assert conv_id


def test_each_setting_reveals_only_its_own_use(services, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bank.txt").write_text(NOTE, encoding="utf-8")
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([docs])
    fake = FakeChatModel("ok")
    services.set_llm(fake)
    services.settings_store.set("privacy.sensitive_in_prompt", True)
    services.chat.send("What is my IBAN?")
    prompt = "\n".join(m["content"] for m in fake.messages or [])
    assert IBAN in prompt  # the passage shows the value in the prompt only
    passages = services.autofill._search("IBAN card number", 5)
    assert all(IBAN not in t for _, t in passages)  # autofill.fill_sensitive is still off
    services.settings_store.set("privacy.sensitive_in_prompt", False)
    services.settings_store.set("autofill.fill_sensitive", True)
    passages = services.autofill._search("IBAN card number", 5)
    assert any(IBAN in t for _, t in passages)
    fake.chats.clear()
    services.chat.send("What is my IBAN?")
    assert all(IBAN not in m["content"] for m in fake.messages or [])
    # stored text never changed
    assert all(IBAN not in c.text for c in services.documents.iter_chunks())


def test_prompt_reveals_the_value_when_allowed(services) -> None:
    fake = FakeChatModel("ok")
    services.set_llm(fake)
    services.settings_store.set("privacy.sensitive_in_prompt", True)
    reply = services.chat.send(f"Remember my card {CARD}")
    assert CARD in fake.messages[-1]["content"]
    stored = services.conversations.messages(reply.conversation_id)
    assert all(CARD not in m.content for m in stored) and "CARD •••• 1881" in stored[0].content


def test_placeholders_are_stable_and_masking_is_idempotent(services) -> None:
    v = services.sensitive
    a = v.mask(f"card {CARD} and again {CARD.replace(' ', '')}")
    assert a == "card CARD •••• 1881 and again CARD •••• 1881"
    assert v.mask(a) == a
    other = v.mask("card 4111 1111 1101 1881")  # another card, same last four
    assert other == "card CARD •••• 1881 #2"
    assert v.reveal(a) == f"card {CARD} and again {CARD}"  # as first written
    assert v.reveal(other) == "card 4111 1111 1101 1881"
    assert v.count() == 2


# ---- an existing data folder ------------------------------------------------------------------------------------
def _plant_plaintext(home: Path, tmp_path: Path) -> None:
    """A data folder as an older Mnemo left it: the note's values in chunks, messages and memory turns."""
    from app.services import Services
    from core.memory.store import TurnIn  # noqa: F401  (the table exists)

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bank.txt").write_text(NOTE, encoding="utf-8")
    with Services(home) as s:
        s.set_embedder(FakeEmbedder())
        s.documents.sensitive = None  # the old import path: no masking
        s.conversations.sensitive = None
        s.documents.import_paths([docs])
        conv = s.conversations.create()
        assert conv.id is not None
        s.conversations.add_message(conv.id, "user", f"my card is {CARD}")
    con = sqlite3.connect(home / "mnemo.sqlite3")
    try:
        con.execute("INSERT INTO memory_turn (ref, conversation_id, speaker, text, session_date, created_at) "
                    "VALUES ('msg:999', ?, 'user', ?, '', '2024-01-01')", (conv.id, f"user: my IBAN is {IBAN}"))
        con.execute("DELETE FROM sensitive_scan")  # as if 0007 had just been applied
        con.commit()
    finally:
        con.close()
    assert _leaks(_blobs(home))


def test_existing_folder_is_protected_at_first_start(home: Path, tmp_path: Path) -> None:
    from app.services import Services

    _plant_plaintext(home, tmp_path)
    with Services(home) as s:
        assert s.documents.store.count_pending() > 0  # the changed chunks get vectors from the masked text
        s.set_embedder(FakeEmbedder())
        s.documents.embed_pending()
        assert all(IBAN not in c.text for c in s.documents.iter_chunks())
        assert "CARD •••• 1881" in s.conversations.messages(1)[0].content
        assert s.sensitive.reveal("CARD •••• 1881") == CARD
    assert _leaks(_blobs(home)) == []


def test_protecting_is_resumable(home: Path, tmp_path: Path, monkeypatch) -> None:
    from app.services import Services
    from core.errors import Cancelled
    from core.jobs import CancelToken
    from core.privacy import protect

    _plant_plaintext(home, tmp_path)
    monkeypatch.setattr(protect, "BATCH", 1)
    with Services(home, lock=False) as s:  # lock=False: no protection at start
        cancel = CancelToken()
        seen: list[str] = []

        def progress(p):  # type: ignore[no-untyped-def]
            seen.append(p.message)
            if p.message.endswith("message"):
                cancel.cancel()

        with pytest.raises(Cancelled):
            s.protect_sensitive(progress, cancel)
        assert protect.needed(s.sensitive)
        assert all(IBAN not in c.text for c in s.documents.iter_chunks())  # the chunks were done before the stop
        report = s.protect_sensitive()
        assert report is not None and report.vacuumed and not protect.needed(s.sensitive)
        assert s.protect_sensitive() is None  # nothing left to do
        again = s.protect_sensitive(again=True)
        assert again is not None and again.rows_changed == 0
    assert _leaks(_blobs(home)) == []


def test_doctor_protect_sensitive_scans_again(home: Path, tmp_path: Path, capsys) -> None:
    from app.cli.main import main

    _plant_plaintext(home, tmp_path)
    assert main(["doctor", "--no-load", "--protect-sensitive"]) in (0, 1)  # 1: no model file here is fine
    out = capsys.readouterr().out
    assert "Sensitive values:" in out and "0 masked" in out  # the start already protected them
    assert _leaks(_blobs(home)) == []


def test_prefill_answers_from_documents_show_the_value_only_with_fill_sensitive(services, tmp_path: Path) -> None:
    from core.autofill.model import FormField

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bank.txt").write_text(NOTE, encoding="utf-8")
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([docs])
    field = FormField(name="bank", label="IBAN for the rent")
    llm = FakeChatModel(json={"answer": IBAN, "source": 1})
    services.set_llm(llm)
    (p,) = services.autofill.propose([field])
    assert IBAN not in p.value and llm.json_messages
    assert all(IBAN not in m["content"] and CARD not in m["content"] for c in llm.json_messages for m in c)
    services.settings_store.set("autofill.fill_sensitive", True)
    (p,) = services.autofill.propose([field])
    assert p.value == IBAN and any(IBAN in m["content"] for m in llm.json_messages[-1]), (p.status, p.note)


@pytest.mark.parametrize("text", [
    "Ich war nie 20190512 dort.",                       # "nie" is German for "never", not the Spanish NIE
    "Tax id number: 2024-05-01",                         # a date after the word is not a tax number
    "Our passport photo appointment is on 12.03.2025.",
])
def test_words_that_name_ids_do_not_make_any_number_one(text: str) -> None:
    assert find(text) == []


def test_searching_for_a_value_never_seen_stores_nothing(services) -> None:
    services.set_embedder(FakeEmbedder())
    services.documents.search("IBAN DE89 3704 0044 0532 0130 00", 5)
    services.conversations.list("4111 1111 1111 1111")
    assert services.sensitive.count() == 0


def test_mail_subjects_bodies_and_chat_exports_are_masked(services, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rent.eml").write_text(
        "From: Landlord <landlord@example.org>\nTo: me@example.org\nSubject: IBAN " + IBAN + "\n"
        "Date: Tue, 05 Nov 2024 10:00:00 +0000\n\nPlease pay the rent to " + IBAN + ".\nPortal password: Tr0ub4dor&3\n",
        encoding="utf-8")
    (docs / "conversations.json").write_text(
        '[{"title": "Card", "mapping": {"a": {"message": {"author": {"role": "user"}, "create_time": 1700000000, '
        '"content": {"parts": ["my card is ' + CARD + '"]}}}}}]', encoding="utf-8")
    services.set_embedder(FakeEmbedder())
    report = services.documents.import_paths([docs])
    assert len(report.imported) == 2, report
    chunks = list(services.documents.iter_chunks())
    assert chunks and all(IBAN not in c.text + c.source + repr(c.meta) for c in chunks)
    assert all(CARD not in c.text and "Tr0ub4dor&3" not in c.text for c in chunks)
    assert any("IBAN •••• 5432" in c.source for c in chunks)  # the subject, in the source label
    services.close()
    assert _leaks(_blobs(services.paths.home)) == []
