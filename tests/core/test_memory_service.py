"""The memory service in Services: chat shows memories as [i], citations train and persist the reranker,
edit keeps revisions, forget removes from SQLite and Chroma, the CLI works, idle reflection waits."""
from __future__ import annotations

import json

import pytest

from app.cli.main import main
from core.chat.citations import parse_citations
from core.memory.store import MEMORIES
from tests.fakes import FakeChatModel, FakeDocuments


def _notes(messages, schema):
    """Notes that quote each part's first turn; every new memory is added."""
    props = schema["properties"]
    if "note1" in props:
        parts = messages[1]["content"].split("Part ")[1:]
        return {f"note{i}": p.split("\n")[1][:60] for i, p in enumerate(parts, 1)}
    return {"decisions": [{"action": "ADD", "stored": 0}] * props["decisions"]["minItems"]}


def _history(services):
    cid = services.conversations.create("old chat", meta={"session_date": "3 March 2024"}).id
    for role, text in [("user", "My sister Clara lives in Porto and teaches chemistry."),
                       ("assistant", "Porto is a lovely city. Does Clara enjoy teaching?"),
                       ("user", "She loves it, and she plays volleyball on weekends."),
                       ("assistant", "Volleyball is great exercise."),
                       ("user", "I am training for the Lisbon half marathon in October."),
                       ("assistant", "Good luck with the half marathon!")]:
        services.conversations.add_message(cid, role, text)
    return cid


@pytest.fixture
def mem_services(services, shared_embedder):
    services.set_embedder(shared_embedder)
    services.set_llm(FakeChatModel("Clara teaches chemistry in Porto [1].", json=_notes))
    services.chat.providers = [services.memory.provider]   # only memory, so [1] is ours
    return services


def test_citation_parsing_cases():
    assert parse_citations("yes [1]", 3) == [1]
    assert parse_citations("a [1, 3] b [2][3]", 3) == [1, 3, 2]
    assert parse_citations("nothing used [NO_CITE]", 3) == []
    assert parse_citations("[7] [x] [1-2] [] [a, 1]", 3) == []


def test_reflect_then_chat_cites_memory_and_trains_reranker(mem_services):
    s = mem_services
    _history(s)
    stats = s.memory.reflect_pending()
    assert stats.added >= 2 and s.memory.pending_conversations() == []
    reply = s.chat.send("Where does my sister live?")
    system = s._llm.messages[0]["content"]
    assert "[1] (" in system and "Porto" in system
    assert reply.sources[0]["cited"] and reply.sources[0]["kind"] in ("memory", "turn")
    r = s.memory.reranker
    assert r.updates == 1 and (s.paths.models / "reranker.safetensors").exists()
    assert r.W_q.any()


def test_edit_keeps_revision_and_forget_removes_everywhere(mem_services):
    s = mem_services
    _history(s)
    s.memory.reflect_pending()
    m = s.memory.list()[0]
    s.memory.edit(m.id, "Clara, the user's sister, teaches chemistry in Porto.")
    assert s.memory.revisions(m.id)[0].summary == m.summary
    assert "Clara, the user's sister" in s.memory.get(m.id).text
    assert str(m.id) in s.vectors.ids(MEMORIES)
    s.memory.forget(m.id)
    assert str(m.id) not in s.vectors.ids(MEMORIES)
    assert m.id not in [x.id for x in s.memory.list()]
    with pytest.raises(Exception, match="no memory"):
        s.memory.get(m.id)


def test_cli_memory_commands(mem_services, capsys, home):
    s = mem_services
    _history(s)
    s.memory.reflect_pending()
    mid = s.memory.list()[0].id
    s.close()
    assert main(["--home", str(home), "memory", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["sources"] for r in rows)
    assert main(["--home", str(home), "memory", "edit", str(mid), "Clara plays volleyball"]) == 0
    assert main(["--home", str(home), "memory", "show", str(mid)]) == 0
    out = capsys.readouterr().out
    assert "Clara plays volleyball" in out and "Earlier versions" in out and "[msg:" in out
    assert main(["--home", str(home), "memory", "forget", str(mid)]) == 0
    assert main(["--home", str(home), "memory", "show", str(mid)]) == 2


def test_idle_reflection_waits_for_quiet(mem_services):
    s = mem_services
    _history(s)
    s.settings_store.update({"reflection.idle_minutes": "0.1"})
    s.memory.idle.touch()
    assert s.memory.idle.run_once() == 0                  # the user was just active
    s.memory.idle.last_activity -= 60
    assert s.memory.pending_conversations(idle_seconds=3600) == []   # the chat itself is recent
    s.memory.idle._pending = lambda idle: s.memory.pending_conversations(0)
    assert s.memory.idle.run_once() == 1 and s.memory.list()


def test_document_passages_join_the_candidates(mem_services):
    s = mem_services
    _history(s)
    s.memory.reflect_pending()
    docs = FakeDocuments()
    chunk = docs.add("Clara's school is the Liceu in Porto.", name="letters.pdf")
    s.memory.retriever._documents = docs
    got = s.memory.retriever.retrieve("Which school does Clara teach at?", k=10)
    kinds = {c.kind for c in got.candidates}
    assert "passage" in kinds and "memory" in kinds
    p = next(c for c in got.candidates if c.kind == "passage")
    assert p.ref == f"chunk:{chunk.id}" and p.vec is not None and p.source == chunk.source
