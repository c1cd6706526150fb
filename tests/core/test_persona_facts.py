"""The fact store: history on conflict, pins, user values, forgetting everywhere, encryption at rest."""
from __future__ import annotations

import time

import pytest

from core.errors import MnemoError
from core.persona.crypto import FactCipher
from core.persona.facts import FactStore
from core.persona.rules import Candidate
from core.store.db import Database


@pytest.fixture
def store(tmp_path):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    db = Database(tmp_path / "m.sqlite3")
    yield FactStore(db, FactCipher(lambda: key))
    db.close()


def _ev(store, key, value, conf, ref, change=False, at=None):
    return store.add_evidence([Candidate(key, value, conf, "test", change)], ref, ref, None, at)


def test_conflict_supersedes_and_keeps_history(store):
    t0 = time.time()
    _ev(store, "address-level2", "Hamburg", 0.75, "chunk:1", at=t0 - 100)
    _ev(store, "address-level2", "Hamburg", 0.75, "chunk:2", at=t0 - 90)
    assert store.get("address-level2").value == "Hamburg"
    _ev(store, "address-level2", "Berlin", 0.9, "message:7", change=True, at=t0)   # "I moved to Berlin"
    rec = store.get("city")  # aliases resolve
    assert rec.value == "Berlin" and rec.source == "message:7"
    assert [h.value for h in rec.history] == ["Hamburg"] and rec.history[0].source in ("chunk:1", "chunk:2")
    # an old document mentioning Hamburg again does not flip it back
    _ev(store, "address-level2", "Hamburg", 0.75, "chunk:3", at=t0 - 80)
    assert store.get("address-level2").value == "Berlin"


def test_weak_evidence_adds_up_over_sources(store):
    _ev(store, "email", "me@example.org", 0.25, "chunk:1")
    assert store.get("email") is None
    _ev(store, "email", "me@example.org", 0.25, "chunk:2")
    _ev(store, "email", "other@example.org", 0.25, "chunk:2")
    _ev(store, "email", "me@example.org", 0.25, "chunk:3")
    assert store.get("email").value == "me@example.org"


def test_user_values_and_pins_survive_re_extraction(store):
    store.set("given-name", "Janie")
    _ev(store, "given-name", "Jane", 0.99, "chunk:1", change=True)
    assert store.get("given-name").value == "Janie" and store.get("given-name").pinned
    _ev(store, "organization", "Acme", 0.9, "chunk:2")
    store.pin("organization")
    _ev(store, "organization", "Initech", 0.95, "chunk:3", change=True)
    assert store.get("organization").value == "Acme"
    store.pin("organization", False)
    store.reresolve()
    assert store.get("organization").value == "Initech"
    assert store.get("organization").history[0].value == "Acme"


def test_set_validates(store):
    with pytest.raises(MnemoError):
        store.set("email", "  ")
    with pytest.raises(MnemoError):
        store.set("!!!", "x")


def test_forget_removes_and_is_not_relearned(store):
    _ev(store, "favorite-food", "pierogi", 0.9, "chunk:1")
    assert store.forget("favorite-food")
    assert store.get("favorite-food") is None
    _ev(store, "favorite-food", "pierogi", 0.9, "chunk:2")
    assert store.get("favorite-food") is None          # tombstoned
    _ev(store, "favorite-food", "sushi", 0.9, "chunk:3")
    assert store.get("favorite-food").value == "sushi"  # a new value can be learned
    assert not store.forget("no-such-key")


def test_removing_a_document_removes_its_facts(store):
    store.add_evidence([Candidate("tel", "+49 30 1234567", 0.8)], "chunk:5", "a.txt", document_id=5)
    assert store.get("tel") is not None
    store.remove_sources(document_id=5)
    assert store.get("tel") is None


def test_sensitive_values_masked_and_encrypted(store, tmp_path):
    store.set("passport-number", "ZX9981234567")
    _ev(store, "iban", "DE89 3704 0044 0532 0130 00", 0.9, "chunk:1")
    rec = store.get("passport-number")
    assert rec.sensitive and rec.value == "•••• 4567"
    assert store.get("passport-number", reveal=True).value == "ZX9981234567"
    assert store.get("iban").sensitive and store.get("iban", reveal=True).value.startswith("DE89")
    store.set("passport-number", "ZX0001112223")   # the old value goes to history, encrypted too
    assert store.get("passport-number", reveal=True).history[0].value == "ZX9981234567"
    assert store.get("passport-number").history[0].value == "•••• 4567"
    for f in tmp_path.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for secret in (b"ZX9981234567", b"ZX0001112223", b"DE89 3704", b"DE89370400"):
                assert secret not in data, f"{secret!r} in {f}"
