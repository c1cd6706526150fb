"""A mailbox's owner clues come from one pass over its chunks as they are read (a generator), with the
same clues, in the same order, as from the whole list; the persona reads a mailbox that way."""
from __future__ import annotations

from typing import Iterator

from core.documents.model import ChunkView, DocumentInfo
from core.persona.owner import document_clues


def _doc(name: str, fmt: str, meta: dict | None = None) -> DocumentInfo:
    return DocumentInfo(1, f"/home/u/{name}", name, fmt, "ok", "", 1, 1, "", meta or {}, "", "")


def _mails() -> list[ChunkView]:
    out = []
    for i in range(6):
        meta = {"mail_index": i, "message_id": f"<m{i}@x>", "from": f"Ana Silva <ana{i % 2}@example.org>",
                "to": "Me <me@example.org>" if i % 3 else "Me <me@example.org>, Bo <bo@example.org>, Cy <cy@example.org>"}
        for part in range(2):  # a mail in two chunks: its second adds nothing
            out.append(ChunkView(len(out) + 1, 1, f"Subject: {i}\nCc: Dee <dee@example.org>\n\nbody {part}", "src",
                                 dict(meta), "mbox", len(out)))
    out.append(ChunkView(len(out) + 1, 1, "an attachment's text", "src", {"mail_index": 9}, "mbox", len(out)))
    return out


class _Once:
    """An iterable that can be read only once, and says how far it was read; a chunk is good only until the
    next one is read (its metadata is emptied then), as a reader that keeps one batch at a time would."""

    def __init__(self, items: list[ChunkView]) -> None:
        self.items, self.read, self.started = items, 0, False

    def __iter__(self) -> Iterator[ChunkView]:
        assert not self.started, "the chunks were read twice"
        self.started = True
        prev = None
        for item in self.items:
            if prev is not None:
                prev.meta.clear()
            self.read += 1
            yield item
            prev = item


def _key(clues):  # type: ignore[no-untyped-def]
    return [(c.kind, c.name, c.email, round(c.weight, 6), c.detail, c.source) for c in clues]


def test_a_mailbox_gives_the_same_clues_from_one_pass_as_from_the_list():
    for doc in (_doc("export.mbox", "mbox"), _doc("Sent.mbox", "mbox"), _doc("mine.mbox", "mbox", {"owner": "self"})):
        chunks = _mails()
        once = _Once(chunks)
        streamed = document_clues(doc, once)
        assert once.read == len(chunks)
        assert _key(streamed) == _key(document_clues(doc, _mails()))
    counted = document_clues(_doc("export.mbox", "mbox"), _Once(_mails()))
    assert counted[0].kind == "mail-count" and counted[0].weight == 6.0
    assert {c.email for c in counted if c.kind == "mail-from"} == {"ana0@example.org", "ana1@example.org"}
    assert sum(c.kind == "mail-from" for c in counted) == 6
    assert document_clues(_doc("empty.mbox", "mbox"), _Once([])) == []


def test_the_persona_reads_a_mailbox_s_chunks_for_its_clues_as_they_come():
    from core.persona.service import PersonaService

    class Docs:
        def __init__(self) -> None:
            self.once = _Once(_mails())

        def get_document(self, document_id: int) -> DocumentInfo:
            return _doc("export.mbox", "mbox")

        def iter_chunks(self, document_ids: list[int] | None = None) -> _Once:
            return self.once

    class Owners:
        def replace(self, key: str, clues: list, document_id: int) -> None:  # type: ignore[type-arg]
            self.got = (key, clues, document_id)

    service = PersonaService.__new__(PersonaService)   # only what _document_clues uses
    docs, owners = Docs(), Owners()
    service._documents, service.owners = docs, owners  # type: ignore[assignment]
    service._document_clues(1)
    assert owners.got[0] == "doc:1" and owners.got[2] == 1
    assert _key(owners.got[1]) == _key(document_clues(_doc("export.mbox", "mbox"), _mails()))


def test_a_refresh_hands_the_chunks_to_the_topics_a_batch_at_a_time(monkeypatch):
    """`mnemo persona refresh` streams a big mailbox: topic material reaches the topics in bounded batches."""
    import core.persona.service as persona_service
    from core.jobs import CancelToken
    from core.persona.service import PersonaService

    monkeypatch.setattr(persona_service, "_MATERIAL_BATCH", 7)
    n = 50

    class Docs:
        def iter_chunks(self, document_ids: list[int] | None = None) -> Iterator[ChunkView]:
            for i in range(n):
                meta = {"vcard": True} if i == 3 else {}
                yield ChunkView(i + 1, 1 + i % 3, f"chunk number {i} with enough words to count", "src", meta,
                                "mbox", i)

    class Topics:
        batches: list[int] = []

        def add_items(self, items):  # type: ignore[no-untyped-def]
            self.batches.append(len(list(items)))
            return self.batches[-1]

        def update(self, progress, cancel):  # type: ignore[no-untyped-def]
            return ["t"]

    class Owners:
        def extracted_for(self) -> str:
            return "sig"

    class Me:
        signature = "sig"

    read: list[int] = []
    clued: list[int] = []
    service = PersonaService.__new__(PersonaService)
    service._documents, service.topics, service.owners = Docs(), Topics(), Owners()  # type: ignore[assignment]
    service.conversations, service._memories, service._embedder = None, None, object()  # type: ignore[assignment]
    service._document_clues = clued.append  # type: ignore[method-assign]
    service.owner = lambda: Me()  # type: ignore[method-assign, assignment, return-value]
    service._extract_chunk = lambda ch, _s, _m: read.append(ch.id)  # type: ignore[method-assign, assignment, misc]
    service.update_bio = lambda *a, **k: None  # type: ignore[method-assign, assignment]
    stats = service._refresh(lambda p: None, CancelToken(), False, True, True)
    assert stats == {"chunks": n, "messages": 0, "topics": 1}
    assert read == list(range(1, n + 1)) and clued == [1, 2, 3]
    assert max(service.topics.batches) <= 7 and sum(service.topics.batches) == n - 1  # the vCard chunk is no topic
