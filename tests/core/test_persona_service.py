"""The persona service: extraction from conversations and imports, the profile in the prompt,
sensitive values never in plaintext on disk, forgetting everywhere, the biography."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.fakes import FakeChatModel, FakeEmbedder

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "persona"


def persona_json(facts=None, name="Cycling", bio=None):
    """JSON answers chosen by the schema: facts, a topic name, or a biography."""
    def answer(messages, schema):
        props = schema.get("properties", {})
        if "facts" in props:
            return {"facts": facts or []}
        if "name" in props:
            return {"name": name, "description": "Notes about it."}
        return bio or {"first_person": "I am someone.", "third_person": "They are someone."}
    return answer


def FakeLLM(facts=None, name="Cycling", bio=None) -> FakeChatModel:
    """A deterministic persona model: JSON answers by schema, the chat answer "Noted. [NO_CITE]"."""
    return FakeChatModel("Noted. [NO_CITE]", json=persona_json(facts, name, bio))


def _files_containing(home: Path, needle: str) -> list[str]:
    hits = []
    for f in home.rglob("*"):
        if f.is_file() and needle.encode() in f.read_bytes():
            hits.append(str(f.relative_to(home)))
    return hits


def test_conversation_facts_in_background_and_profile_in_prompt(services):
    fake = FakeLLM(facts=[{"key": "pet", "value": "Rex"}, {"key": "hobby", "value": "skydiving"}])
    services.set_llm(fake)
    p = services.persona
    reply = services.chat.send("Hello! My name is Jane Doe, I live in Porto and my dog is called Rex.")
    assert reply.text.startswith("Noted")
    assert p.flush(60)
    assert p.facts.get("name").value == "Jane Doe"
    assert p.facts.get("address-level2").value == "Porto"
    assert p.facts.get("pet-name").value == "Rex"
    assert p.facts.get("hobby") is None            # the model's "skydiving" is not in the text: refused
    p.facts.set("passport-number", "P12345678901")
    services.chat.send("What do you know about me?", reply.conversation_id)
    system = fake.system_prompts[-1]
    assert "Jane Doe" in system and "Porto" in system
    assert "P12345678901" not in system and "passport" not in system
    services.settings_store.set("privacy.sensitive_in_prompt", True)
    assert "P12345678901" in p.provider.prepare("q", [], None).system_text


def test_sensitive_values_never_plaintext_and_forget_removes_everywhere(services, home):
    services.set_llm(FakeLLM(bio={"first_person": "I am Jane and I love quokkastew.",
                                  "third_person": "Jane loves quokkastew."}))
    p = services.persona
    p.facts.set("given-name", "Jane")
    p.facts.set("passport-number", "ZQ4455667788")
    p.facts.set("medical-condition", "hypertensionxyz")
    p.extract_text("My IBAN is DE89 3704 0044 0532 0130 00. My favorite food is quokkastew.", "note:1", "note",
                   use_model=False)
    assert p.facts.get("iban").sensitive and p.facts.get("favorite-food").value == "quokkastew"
    p.update_bio(force=True)
    assert "quokkastew" in p.bio.get().third_person
    assert "ZQ4455667788" in p.profile_text(include_sensitive=True)
    p.profile_text()
    services.set_embedder(FakeEmbedder())
    p.add_material([(f"memory:{i}", f"Trip notes {i}: trains to Kraków, passport ZQ4455667788 packed, tickets.", None)
                    for i in range(3)])
    p.topics.update()
    assert p.topics.list() and any(f.is_file() for f in (home / "vectors").rglob("*"))
    assert "ZQ4455667788" not in " ".join(t.description + " ".join(t.examples) for t in p.topics.list())
    for secret in ("ZQ4455667788", "hypertensionxyz", "DE89 3704", "DE89370400"):
        assert _files_containing(home, secret) == [], secret   # database, WAL, Chroma, logs, settings
    assert p.facts.forget("favorite-food")
    assert "quokkastew" not in p.profile_text() and "quokkastew" not in p.bio.get().first_person
    assert _files_containing(home, "quokkastew") == []
    p.extract_text("My favorite food is quokkastew.", "note:2", "note", use_model=False)
    assert p.facts.get("favorite-food") is None  # forgotten values are not learned again


def test_edited_bio_is_kept(services):
    services.set_llm(FakeLLM(bio={"first_person": "I am Jane, a baker.", "third_person": "Jane is a baker in a small town."}))
    p = services.persona
    p.facts.set("name", "Jane Doe")
    p.bio.edit("I'm Jane. I write my own bio, thanks.")
    p.facts.set("organization", "Bakery Ltd")
    p.update_bio(force=True)
    view = p.bio.get()
    assert view.first_person == "I'm Jane. I write my own bio, thanks." and view.first_edited
    assert view.third_person == "Jane is a baker in a small town."
    assert "I write my own bio" in p.profile_text()


def test_bio_refuses_invented_numbers(services):
    services.set_llm(FakeLLM(bio={"first_person": "I was born in 1975 in Rome.", "third_person": "Jane Doe lives in Rome."}))
    p = services.persona
    p.facts.set("name", "Jane Doe")
    p.facts.set("address-level2", "Rome")
    p.update_bio(force=True)
    view = p.bio.get()
    assert "1975" not in view.first_person and "I am Jane Doe" in view.first_person
    assert view.third_person == "Jane Doe lives in Rome."


def test_import_of_own_documents(services, tmp_path):
    services.set_llm(FakeLLM(facts=[]))
    services.set_embedder(FakeEmbedder())
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("me.vcf", "address_book.vcf", "mail-received.eml", "about_me.md", "journal-2023-05.txt",
                 "journal-2024-04.txt"):
        shutil.copy(FIXTURE / "docs" / name, docs / name)
    report = services.documents.import_paths([docs], owner_self=True)
    assert len(report.imported) == 6
    p = services.persona
    facts = {f.key: f.value for f in p.facts.all()}   # rules ran during the import itself
    assert facts["email"] == "marta.kowalski@example.org" and facts["address-level2"] == "Leipzig"
    assert facts["favorite-food"] == "pierogi"        # not the friend's bacalhau
    assert "pedro" not in " ".join(facts.values()).lower() and "+351" not in facts.get("tel", "")
    assert [h.value for h in p.facts.get("address-level2").history] in ([], ["Hamburg"])
    # forgetting the vCard removes what only it said
    vcard = next(d for d in services.documents.list_documents() if d.name == "me.vcf")
    assert p.facts.get("url") is not None
    services.documents.forget(vcard.id)
    assert p.facts.get("url") is None
    # the e-mail stays: the received mail is addressed to it, and the owner is known by it
    assert p.facts.get("email") is None or "me.vcf" not in p.facts.get("email").source
    assert p.facts.get("name").value == "Marta Kowalski"   # about_me.md still says it


def test_extraction_never_blocks_the_chat(services):
    import threading

    gate = threading.Event()

    answer = persona_json()

    def slow(messages, schema):
        gate.wait(30)   # a slow model pass
        return answer(messages, schema)

    services.set_llm(FakeChatModel("Noted. [NO_CITE]", json=slow))
    p = services.persona
    reply = services.chat.send("My name is Jane Doe and my dog is called Rex.")
    assert reply.text.startswith("Noted")            # answered while the model pass is still waiting
    assert p.facts.get("name") is None
    gate.set()
    assert p.flush(60)
    assert p.facts.get("name").value == "Jane Doe"
