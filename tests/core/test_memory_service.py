"""The memory service in Services: chat shows memories as [i], citations train and persist the reranker,
edit keeps revisions, forget removes from SQLite and Chroma, the CLI works, idle reflection waits."""
from __future__ import annotations

import json

import numpy as np
import pytest

from app.cli.main import main
from core.chat.citations import parse_citations
from core.memory.store import MEMORIES, TURNS
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
    assert "passage" in kinds and "turn" in kinds       # memories lead to the turns they came from
    p = next(c for c in got.candidates if c.kind == "passage")
    assert p.ref == f"chunk:{chunk.id}" and p.vec is not None and p.source == chunk.source
    s.memory.retriever.through_memories = False          # memories shown whole
    assert {"passage", "memory"} <= {c.kind for c in s.memory.retriever.retrieve("Which school does Clara teach at?",
                                                                                 k=10).candidates}


class _Row:
    def __init__(self, id, ref, text, sources=(), summary=""):
        self.id, self.ref, self.text, self.sources, self.summary = id, ref, text, list(sources), summary
        self.session_date, self.conversation_id = "3 March 2024", 1


class _Store:
    """Two memories and five turns with fixed rankings (what the retriever fuses, nothing else)."""

    def __init__(self):
        self.t = {i: _Row(i, f"msg:{i}", f"Ann: words {i}") for i in range(1, 6)}
        self.m = {1: _Row(1, "", "(3 March 2024) Ann: a note\nAnn: words 1\nAnn: words 2", ["msg:1", "msg:2"], "Ann: a note"),
                  2: _Row(2, "", "(3 March 2024) Ann: other\nAnn: words 5", ["msg:5"], "Ann: other")}
        self.v = {i: np.eye(8, dtype=np.float32)[i] for i in range(1, 6)}

    def keyword(self, coll, q, n):
        return [(1, 1.0), (2, 0.5)] if coll == MEMORIES else [(3, 1.0), (4, 0.5)]

    def speakers(self):
        return frozenset({"Ann"})

    def dense(self, coll, q, n):
        return [(1, 0.9)] if coll == MEMORIES else [(3, 0.9), (4, 0.8), (2, 0.7)]

    def many(self, ids):
        return {i: self.m[i] for i in ids if i in self.m}

    def turns(self, ids):
        return {i: self.t[i] for i in ids if i in self.t}

    def turns_by_ref(self, refs):
        return {t.ref: t for t in self.t.values() if t.ref in set(refs)}

    def turn_ids(self, refs):
        return {t.ref: t.id for t in self.turns_by_ref(refs).values()}

    def sources_of(self, ids):
        return {i: list(self.m[i].sources) for i in ids if i in self.m}

    def vectors_of(self, coll, ids):
        return np.stack([self.v[i] if coll != MEMORIES else np.eye(8, dtype=np.float32)[0] for i in ids]) \
            if len(ids) else np.zeros((0, 8), np.float32)


def test_memories_lead_to_their_turns():
    """Through a memory found first by both its rankings, its turns rank above turns found only by theirs, even
    a turn no turn ranking found (msg:1); a turn is never a candidate twice; shown whole, the memory is one item."""
    from core.memory.reranker import Reranker
    from core.memory.retrieval import Retriever

    q = np.eye(8, dtype=np.float32)[1]                    # nearest msg:1 among memory 1's turns
    r = Retriever(_Store(), lambda: None, Reranker(8), through_memories=True)
    got = r.retrieve("what did Ann say", k=10, qvec=q)
    refs = [c.turn_refs[0] for c in got.candidates]
    assert all(c.kind == "turn" for c in got.candidates) and len(refs) == len(set(refs))
    assert set(refs[:2]) == {"msg:1", "msg:2"} and set(refs) == {f"msg:{i}" for i in range(1, 6)}
    assert refs.index("msg:1") < refs.index("msg:3")     # above the turn both turn rankings put first
    assert got.candidates[0].source == "chat of 3 March 2024"
    r.through_memories = False
    whole = r.retrieve("what did Ann say", k=10, qvec=q)
    assert whole.candidates[0].kind == "memory" and whole.candidates[0].turn_refs == ["msg:1", "msg:2"]
    assert "msg:2" not in [c.turn_refs[0] for c in whole.candidates[1:]]   # behind the memory already


def test_the_reply_to_a_question_found_comes_just_before_it_and_names_leave_the_keyword_query():
    """Turn 3 asks a question and ranks first: turn 4, its reply, takes the place just before it (its answer, most
    likely); the turns' keyword search is not given the speakers' names, which every turn starts with."""
    from core.memory.reranker import Reranker
    from core.memory.retrieval import Retriever

    store = _Store()
    store.t[3].text = "Ann: Where did you go last summer?"
    asked: list[tuple[str, str]] = []
    keyword = store.keyword
    store.keyword = lambda coll, q, n: asked.append((coll, q)) or keyword(coll, q, n)
    r = Retriever(store, lambda: None, Reranker(8), through_memories=False)
    got = r.retrieve("where did Ann go", k=10, qvec=np.eye(8, dtype=np.float32)[3])
    refs = [c.turn_refs[0] for c in got.candidates if c.kind == "turn"]
    assert refs.index("msg:4") == refs.index("msg:3") - 1 and len(refs) == len(set(refs))
    assert dict(asked)[MEMORIES] == "where did Ann go" and dict(asked)[TURNS] == "where did go"
