"""The timeline's rows: facts, memories and imports with their dates and sources; the kind and word filter."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.insights.timeline import TimelineEvent, filter_events, timeline


def test_facts_memories_and_imports_newest_first(services, shared_embedder, tmp_path) -> None:
    services.set_embedder(shared_embedder)
    note = tmp_path / "house.txt"
    note.write_text("The boiler in the cellar was serviced in March by Hamish the plumber.\n", encoding="utf-8")
    services.documents.import_paths([note])
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    services.documents.import_paths([bad])
    services.memory.store.add("The user's boiler was serviced in March.", ["msg:1"], ["User: my boiler..."], 3,
                              "2 Mar 2025")
    services.persona.facts.set("email", "fiona@example.org", source="user")
    services.persona.facts.set("iban", "GB33BUKB20201555555555", source="user")
    events = timeline(services.memory.store.db, services.persona.facts)
    kinds = [e.kind for e in events]
    assert kinds.count("import") == 2 and kinds.count("memory") == 1 and kinds.count("fact") == 2
    assert [e.when for e in events] == sorted((e.when for e in events), reverse=True)
    assert all(e.when.tzinfo is not None and e.when.year >= 2025 for e in events)
    by_ref = {e.ref.split(":")[0]: e for e in events}
    house = next(e for e in events if e.title == "house.txt")
    assert house.source == str(note) and "1 passage" in house.detail and house.ref.startswith("document:")
    broken = next(e for e in events if e.title == "broken.pdf")
    assert "could not be imported" in broken.detail
    memory = by_ref["memory"]
    assert memory.source == "chat 3" and "1 turn" in memory.detail and "2 Mar 2025" in memory.detail
    email = next(e for e in events if e.ref == "fact:email")
    assert email.title == "email: fiona@example.org" and email.source == "user"
    iban = next(e for e in events if e.ref == "fact:iban")
    assert "GB33BUKB20201555555555" not in iban.title      # a sensitive value stays masked


def _ev(kind: str, title: str, source: str = "", detail: str = "", age: int = 0) -> TimelineEvent:
    return TimelineEvent(datetime(2025, 5, 1, tzinfo=timezone.utc) - timedelta(days=age), kind, title, detail,
                         source, f"{kind}:{title}")


def test_filter_by_kind_and_words() -> None:
    events = [_ev("fact", "email: a@b.org", "contacts.csv"), _ev("memory", "Bakes sourdough", "chat 2"),
              _ev("import", "journal.md", "/home/f/Notes/journal.md", "12 passages (md)")]
    assert filter_events(events) == events
    assert [e.kind for e in filter_events(events, ["memory", "import"])] == ["memory", "import"]
    assert filter_events(events, []) == []
    assert [e.kind for e in filter_events(events, None, "notes passages")] == ["import"]   # every word, anywhere
    assert [e.kind for e in filter_events(events, None, "CONTACTS")] == ["fact"]
    assert filter_events(events, ["fact"], "sourdough") == []
