"""DocumentService with the real embedder: import, provenance, dedupe, updates, forget, bad input,
recovery of vectors lost between the SQLite commit and Chroma, watched folders, hybrid search."""
from __future__ import annotations

import os
import shutil
import sqlite3

import pytest
from types import SimpleNamespace

from core.documents.search import COLLECTION
from tests.fixtures.documents.make import build_broken, build_corpus
from tests.fakes import FakeEmbedder


@pytest.fixture
def services(tmp_path, shared_embedder):
    """The documents feature alone (no other feature listening), on the real embedder."""
    from core.documents import DocumentService
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.vectors import VectorIndex

    db = Database(tmp_path / "mnemo.sqlite3")
    vectors = VectorIndex(tmp_path / "vectors")
    settings_store = SettingsStore(tmp_path / "settings.json")
    documents = DocumentService(db, vectors, lambda: shared_embedder, settings_store)
    yield SimpleNamespace(documents=documents, vectors=vectors, settings_store=settings_store,
                          db_path=tmp_path / "mnemo.sqlite3", rebuild_vectors=documents.rebuild_vectors,
                          settings=settings_store.settings)
    db.close()


@pytest.fixture
def docs(services):
    return services.documents


@pytest.fixture
def corpus(tmp_path):
    return build_corpus(tmp_path / "corpus")


def _chunk_ids(services, doc_id=None):
    con = sqlite3.connect(services.db_path)
    sql = "select id from chunk" + (" where document_id = ?" if doc_id else "")
    ids = {r[0] for r in con.execute(sql, (doc_id,) if doc_id else ())}
    con.close()
    return ids


def test_import_search_and_provenance(docs, services, corpus):
    events = []
    docs.add_listener(lambda e, i: events.append((e, i)))
    report = docs.import_paths([corpus["md"].parent])
    assert len(report.imported) == len(corpus) and not report.skipped and not report.cancelled
    assert report.embedded == report.chunks == len(_chunk_ids(services))
    assert sorted(events) == sorted(("imported", i) for i in report.document_ids)
    assert services.vectors.ids(COLLECTION) == {str(i) for i in _chunk_ids(services)}

    hit = docs.search("When is my dentist check-up?", k=5)[0]
    assert "Dr. Quill" in hit.text and hit.source.startswith("notes.md line ")
    assert hit.meta["path"] == str(corpus["md"]) and hit.meta["line"] == 1
    hit = docs.search("lamp cleaned on Sunday", k=3)[0]
    assert hit.source == "manual.pdf p. 2" and hit.meta["page"] == 2
    hit = docs.search("roofing invoice", k=3)[0]
    assert hit.meta["message_id"] == "<mbox-1@example.org>" and hit.source == "inbox.mbox › 'Invoice 42' (2024-06-04)"
    # Keyword-only terms (no vector sense) still come first through FTS5.
    assert docs.search("SW1Y", k=3)[0].source == "contact 'Ada Lovelace' (contacts.vcf)"
    views = list(docs.iter_chunks([hit.document_id]))
    assert [v.ordinal for v in views] == list(range(len(views))) and views[0].format == "email"
    assert len(list(docs.iter_chunks())) == report.chunks


def test_unchanged_changed_duplicate_and_moved(docs, services, corpus, tmp_path):
    docs.import_paths([corpus["md"], corpus["txt"]])
    again = docs.import_paths([corpus["md"], corpus["txt"]])
    assert len(again.unchanged) == 2 and again.chunks == 0

    md = docs.list_documents()[0] if docs.list_documents()[0].name == "notes.md" else docs.list_documents()[1]
    old = _chunk_ids(services, md.id)
    corpus["md"].write_text("# Garden\n\nThe orchid flowers in winter.\n", encoding="utf-8")
    events = []
    docs.add_listener(lambda e, i: events.append((e, i)))
    upd = docs.import_paths([corpus["md"]])
    assert upd.updated == [str(corpus["md"])] and events == [("updated", md.id)]
    new = _chunk_ids(services, md.id)
    assert new and not (new & old)
    assert not ({str(i) for i in old} & services.vectors.ids(COLLECTION))  # old vectors gone too
    assert docs.search("orchid winter", k=1)[0].document_id == md.id
    assert not any("Dr. Quill" in h.text for h in docs.search("dentist Quill", k=5))

    copy = tmp_path / "copy.txt"
    shutil.copy(corpus["txt"], copy)
    dup = docs.import_paths([copy])
    assert dup.skipped and "same content as" in dup.skipped[0][1]

    moved = tmp_path / "moved.txt"
    corpus["txt"].rename(moved)
    mv = docs.import_paths([moved])
    assert mv.updated == [str(moved)] and len(docs.list_documents()) == 2
    assert any(d.path == str(moved) for d in docs.list_documents())


def test_forget_removes_everything(docs, services, corpus):
    report = docs.import_paths([corpus["pdf"], corpus["txt"]])
    pdf_id = report.document_ids[0]
    ids = _chunk_ids(services, pdf_id)
    events = []
    docs.add_listener(lambda e, i: events.append((e, i)))
    assert docs.forget(pdf_id) == len(ids)
    assert events == [("forgotten", pdf_id)]
    assert not _chunk_ids(services, pdf_id)
    assert not ({str(i) for i in ids} & services.vectors.ids(COLLECTION))
    con = sqlite3.connect(services.db_path)
    assert con.execute("select count(*) from chunk_fts where chunk_fts match 'lighthouse'").fetchone()[0] == 0
    con.close()
    assert all(h.document_id != pdf_id for h in docs.search("lighthouse keeper weather", k=5))


def test_bad_input_reported_and_stored_data_untouched(docs, services, corpus, tmp_path):
    good = docs.import_paths([corpus["pdf"]])
    before = [(c.id, c.text) for c in docs.iter_chunks()]
    bad = build_broken(tmp_path / "bad")
    big = tmp_path / "bad" / "big.txt"
    big.write_text("x " * 30_000)
    services.settings_store.set("documents.max_file_mb", 0.05)
    loop = tmp_path / "bad" / "loop"
    loop.mkdir()
    os.symlink(loop, loop / "again")
    os.symlink(tmp_path / "bad" / "nowhere.txt", tmp_path / "bad" / "dangling.txt")
    # The stored PDF becomes corrupt on disk: the import must keep what it had.
    corpus["pdf"].write_bytes(b"%PDF-1.4 broken")
    report = docs.import_paths([tmp_path / "bad", corpus["pdf"], tmp_path / "absent.md"])
    reasons = dict(report.skipped)
    assert set(reasons) >= {str(p) for p in bad.values()} | {str(big), str(corpus["pdf"])}
    assert "empty file" in reasons[str(bad["empty"])] and "larger than the limit" in reasons[str(big)]
    assert "encrypted" in reasons[str(bad["encrypted"])]
    assert any("loop" in r for r in reasons.values())
    assert "broken or looping symbolic link" in reasons[str(tmp_path / "bad" / "dangling.txt")]
    assert "no such file" in reasons[str(tmp_path / "absent.md")]
    assert not report.imported and [(c.id, c.text) for c in docs.iter_chunks()] == before
    doc = docs.get_document(good.document_ids[0])
    assert doc.status == "ok" and doc.error.startswith("last import failed")
    errors = {d.name: d.error for d in docs.list_documents("error")}
    assert "not UTF-8" in errors["latin1.txt"]


def test_pending_vectors_are_recovered(docs, services, corpus, monkeypatch):
    # Simulate a crash between the SQLite commit and the Chroma write.
    monkeypatch.setattr(docs, "_embed", lambda batch, report=None: None)
    docs.import_paths([corpus["md"], corpus["csv"]])
    assert docs.store.count_pending() > 0 and services.vectors.count(COLLECTION) == 0
    monkeypatch.undo()
    docs.import_paths([corpus["txt"]])  # any later import finishes the job first
    assert docs.store.count_pending() == 0
    assert services.vectors.ids(COLLECTION) == {str(i) for i in _chunk_ids(services)}
    # And Chroma can be rebuilt from SQLite alone.
    services.vectors.drop(COLLECTION)
    assert services.rebuild_vectors() == len(_chunk_ids(services))
    assert docs.search("basil aphids", k=1)[0].source.startswith("notes.md")


def test_vcard_of_the_user(docs, corpus):
    report = docs.import_paths([corpus["vcf"]], owner_self=True)
    doc = docs.get_document(report.document_ids[0])
    assert doc.meta["owner"] == "self" and doc.format == "vcard"
    cards = [c.meta["vcard"] for c in docs.iter_chunks([doc.id])]
    assert cards[0]["email"][0] == "ada@example.org" and cards[1]["fn"] == "Charles Babbage"


def test_watched_folder_new_changed_deleted(docs, services, tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    (folder / "a.md").write_text("Alpha note about kayaks.\n")
    assert docs.watch(folder) == str(folder)
    assert services.settings_store.settings.documents.watched_folders == [str(folder)]
    assert docs.scan_watched().imported == [str(folder / "a.md")]
    (folder / "b.md").write_text("Beta note about violins.\n")
    (folder / "a.md").write_text("Alpha note about canoes now.\n")
    r = docs.scan_watched()
    assert r.imported == [str(folder / "b.md")] and r.updated == [str(folder / "a.md")]
    (folder / "b.md").unlink()
    r = docs.scan_watched()
    assert r.missing == [str(folder / "b.md")]
    statuses = {d.name: d.status for d in docs.list_documents()}
    assert statuses == {"a.md": "ok", "b.md": "missing"}

    # The poller picks up a change by itself.
    from core.documents.watch import FolderPoller

    calls = []
    poller = FolderPoller(docs.watched, lambda: False, lambda: calls.append(docs.scan_watched()), interval_s=0.05)
    assert poller.poll_once() and not poller.poll_once()
    (folder / "c.md").write_text("Gamma note about oboes.\n")
    assert poller.poll_once() and calls[-1].imported == [str(folder / "c.md")]
    assert docs.unwatch(folder) and services.settings_store.settings.documents.watched_folders == []


def test_cancel_keeps_committed_documents(docs, services, corpus):
    from core.jobs import CancelToken

    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p)
        if p.done >= 2:
            token.cancel()

    report = docs.import_paths([corpus["md"].parent], progress=progress, cancel=token)
    assert report.cancelled and 2 <= len(report.imported) < len(corpus)
    assert {"chunks", "chunks_per_s", "eta_s"} <= set(seen[-1].extra)
    rest = docs.import_paths([corpus["md"].parent])
    assert len(rest.unchanged) == len(report.imported) and len(rest.imported) == len(corpus) - len(report.imported)
    assert docs.store.count_pending() == 0


def test_services_build_documents(home):
    from app.services import Services

    with Services(home) as s:
        # Passages reach the chat through the memory provider, which reads this DocumentService.
        assert s.memory.provider in s.chat.providers and s.memory.retriever._documents is s.documents


def test_update_reuses_vectors_of_unchanged_chunks(services, shared_embedder, tmp_path):
    embedded: list[str] = []

    class Counting(FakeEmbedder):
        def embed(self, texts):
            embedded.extend(texts)
            return shared_embedder.embed(texts)

    counting = Counting(dim=shared_embedder.dim, name=shared_embedder.name)
    docs = services.documents
    docs._embedder = lambda: counting
    log = tmp_path / "journal.md"
    paras = [f"Entry {i}: " + "we sailed along the fjord and counted seals. " * 6 for i in range(6)]
    log.write_text("\n\n".join(paras))
    first = docs.import_paths([log]).embedded
    assert first >= 2 and len(embedded) == first
    embedded.clear()
    log.write_text("\n\n".join(paras + ["Entry 6: a brand new day about glaciers and puffins."]))
    report = docs.import_paths([log])
    assert report.updated == [str(log)] and 0 < len(embedded) < report.chunks  # only the changed tail
    assert docs.store.count_pending() == 0
    assert services.vectors.ids(COLLECTION) == {str(i) for i in _chunk_ids(services)}
    assert "glaciers" in docs.search("glaciers puffins", k=1)[0].text


def test_background_watcher_starts_with_a_scan_and_stops(docs, tmp_path):
    import time

    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "n.md").write_text("Note about the tram timetable.\n")
    docs.watch(folder)
    docs.start_watching(interval_s=0.1)
    deadline = time.time() + 60
    while time.time() < deadline and not docs.list_documents():
        time.sleep(0.1)
    docs.stop_watching()
    assert [d.name for d in docs.list_documents()] == ["n.md"]
