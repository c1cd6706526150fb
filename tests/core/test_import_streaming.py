"""A mailbox of any size imports in bounded memory: read message by message, chunked by a generator,
stored in batches (a 'partial' document with a checkpoint until whole), embedded from SQLite in
batches. Cancelled or stopped, the next import continues where it stopped and the result is the
same as a clean import's; an updated mailbox keeps the vectors of its unchanged messages.

Memory is compared with tracemalloc against a small mailbox imported in the same process (Python's
own allocations, decompressors and parsers included), never against a clock."""
from __future__ import annotations

import io
import sqlite3
import tracemalloc
from email.message import EmailMessage
from pathlib import Path

from core.documents.importers import mail
from core.documents.writer import PARTIAL
from core.jobs import CancelToken
from tests.fakes import FakeEmbedder

WORDS = ("garden invoice holiday project report music travel budget meeting recipe boat letter doctor dentist "
         "school family river piano friend mountain tea paris lisbon week month year").split()


class NoVectors:
    """A vector store that keeps nothing (the pipeline's memory is measured, not Chroma's)."""

    def upsert(self, collection, ids, vectors, metas=None) -> None:
        pass

    def delete(self, collection, ids) -> None:
        pass


class Counting(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def embed(self, texts):
        self.texts += len(texts)
        return super().embed(texts)


def _mail(i: int, paragraphs: int = 3) -> bytes:
    m = EmailMessage()
    m["From"] = f"friend{i % 7}@example.org"
    m["To"] = "me@example.org"
    m["Subject"] = f"Message {i} about the {WORDS[i % len(WORDS)]}"
    m["Date"] = f"Tue, {1 + i % 28:02d} Oct 2024 10:00:00 +0000"
    m["Message-ID"] = f"<m{i}@example.org>"
    m.set_content("\n\n".join(" ".join(WORDS[(i * 7 + j * 3 + k) % len(WORDS)] for k in range(120)).capitalize() + "."
                              for j in range(paragraphs)))
    return b"From friend@example.org Tue Oct  1 10:00:00 2024\n" + bytes(m).replace(b"\r\n", b"\n") + b"\n"


def _mbox(path: Path, n: int, first: int = 0, paragraphs: int = 3) -> Path:
    with open(path, "ab") as f:
        for i in range(first, first + n):
            f.write(_mail(i, paragraphs))
    return path


def _service(home: Path, vectors=None, embedder=None):
    from core.documents import DocumentService
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.vectors import VectorIndex

    home.mkdir(parents=True, exist_ok=True)
    db = Database(home / "mnemo.sqlite3")
    emb = embedder or FakeEmbedder()
    svc = DocumentService(db, vectors if vectors is not None else VectorIndex(home / "vectors"), lambda: emb,
                          SettingsStore(home / "settings.json"))
    return svc, db


def _chunks(db_file: Path) -> list[tuple]:
    con = sqlite3.connect(db_file)
    try:
        return con.execute("SELECT c.ordinal, c.text, c.source, c.meta, c.vector_state FROM chunk c "
                           "ORDER BY c.ordinal").fetchall()
    finally:
        con.close()


# ---- the mail importer is lazy --------------------------------------------------------------------
class _Counted(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


def test_the_mailbox_reader_yields_each_message_before_reading_the_next():
    data = b"".join(_mail(i) for i in range(200))
    opened: list[_Counted] = []

    def open_fp() -> _Counted:
        opened.append(_Counted(data))
        return opened[-1]

    parsed = mail.sections_of(open_fp, "box.mbox")
    pieces = parsed.read()
    first = next(pieces)
    assert opened[-1].read_bytes < 3 * len(_mail(0))             # the first mail, not the mailbox
    assert [s.label for s in first.sections] == ["box.mbox › 'Message 0 about the garden' (2024-10-01)"]
    second = next(pieces)
    assert first.end is not None and second.end is not None and second.end.index == 2
    rest = list(parsed.read(second.end))                          # continues from a mark
    assert len(rest) == 198 and rest[0].sections[0].meta["subject"].startswith("Message 2 ")
    assert parsed.meta["messages"] == 200
    assert list(parsed.read(rest[-1].end)) == [] and parsed.meta["messages"] == 200   # from the very end


# ---- bounded memory -------------------------------------------------------------------------------
def _import_peak(tmp_path: Path, name: str, n_mails: int) -> tuple[int, int, int]:
    box = _mbox(tmp_path / f"{name}.mbox", n_mails, paragraphs=40)
    svc, db = _service(tmp_path / f"home-{name}", vectors=NoVectors())
    svc.settings_store.set("retrieval.chunk_chars", 20_000)       # few chunks: the test stays quick
    try:
        tracemalloc.start()
        report = svc.import_paths([box])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        db.close()
    assert report.imported == [str(box)] and report.embedded == report.chunks
    return box.stat().st_size, peak, report.chunks


def test_a_big_mailbox_imports_in_memory_that_does_not_grow_with_its_size(tmp_path):
    _import_peak(tmp_path, "warm", 3)                                         # modules and caches loaded
    small_size, small_peak, _ = _import_peak(tmp_path, "small", 15)           # ~0.4 MB
    big_size, big_peak, chunks = _import_peak(tmp_path, "big", 300)           # ~9 MB
    assert big_size > 15 * small_size and chunks >= 300
    # Holding the mailbox, its sections or its chunks (as the import once did) would add several times
    # the file's size to the small import's peak; streaming adds one batch (at most 256 chunks or
    # SAVE_CHARS characters) and one message, whatever the size of the mailbox.
    assert big_peak < small_peak + big_size / 3, (small_peak, big_peak, big_size)


# ---- cancel, resume, update -----------------------------------------------------------------------
def test_a_cancelled_mailbox_import_is_continued_and_matches_a_clean_one(tmp_path):
    box = _mbox(tmp_path / "export.mbox", 400)
    clean, db = _service(tmp_path / "clean")
    want = clean.import_paths([box])
    db.close()

    events: list[tuple[str, int]] = []
    svc, db = _service(tmp_path / "home")
    svc.add_listener(lambda event, doc_id: events.append((event, doc_id)))
    token = CancelToken()

    def stop_after_a_few_batches(p):
        if p.extra.get("embedded", 0) >= 300:
            token.cancel()

    first = svc.import_paths([box], progress=stop_after_a_few_batches, cancel=token)
    assert first.cancelled and not first.imported and not events
    doc = svc.store.by_path(str(box))
    assert doc.status == PARTIAL and 0 < doc.n_chunks < want.chunks and doc.meta["resume"]["mark"]
    assert svc.search("dentist piano", k=3)                       # what is stored is searchable already

    second = svc.import_paths([box])
    assert second.imported == [str(box)] and not second.cancelled
    assert events == [("imported", doc.id)]
    assert first.chunks + second.chunks <= want.chunks + 300       # continued, not started again
    db.close()
    assert _chunks(tmp_path / "home" / "mnemo.sqlite3") == _chunks(tmp_path / "clean" / "mnemo.sqlite3")
    svc, db = _service(tmp_path / "home")
    done = svc.store.by_path(str(box))
    assert done.status == "ok" and "resume" not in done.meta and done.meta["messages"] == 400
    assert svc.store.count_pending() == 0 and svc.vectors.ids("chunks") == {str(c.id) for c in svc.iter_chunks()}
    db.close()


def test_a_grown_mailbox_is_updated_reusing_the_vectors_of_its_old_messages(tmp_path):
    box = _mbox(tmp_path / "export.mbox", 300)
    embedder = Counting()
    svc, db = _service(tmp_path / "home", embedder=embedder)
    first = svc.import_paths([box])
    embedded_first = embedder.texts
    _mbox(box, 20, first=300)
    second = svc.import_paths([box])
    assert second.updated == [str(box)] and second.chunks > first.chunks
    assert embedder.texts - embedded_first < 2 * (second.chunks - first.chunks)   # only the new mails
    doc = svc.store.by_path(str(box))
    assert doc.status == "ok" and doc.n_chunks == second.chunks == svc.store.count_chunks()
    assert svc.vectors.ids("chunks") == {str(c.id) for c in svc.iter_chunks()}
    assert sorted(c.ordinal for c in svc.iter_chunks()) == list(range(second.chunks))
    db.close()


def test_a_mailbox_changed_during_an_unfinished_import_is_read_again_from_the_start(tmp_path):
    box = _mbox(tmp_path / "export.mbox", 300)
    svc, db = _service(tmp_path / "home")
    token = CancelToken()
    svc.import_paths([box], progress=lambda p: token.cancel() if p.extra.get("embedded") else None,
                     cancel=token)
    assert svc.store.by_path(str(box)).status == PARTIAL
    _mbox(box, 5, first=300)
    report = svc.import_paths([box])
    assert report.imported == [str(box)]
    doc = svc.store.by_path(str(box))
    assert doc.status == "ok" and doc.meta["messages"] == 305 and doc.n_chunks == svc.store.count_chunks()
    assert sorted(c.ordinal for c in svc.iter_chunks()) == list(range(doc.n_chunks))
    db.close()


def test_a_mail_programs_mailbox_without_an_extension_is_read_and_its_index_skipped(tmp_path):
    folder = tmp_path / "Thunderbird" / "Local Folders"
    folder.mkdir(parents=True)
    _mbox(folder / "Inbox", 4)
    (folder / "Inbox.msf").write_text("// <!-- <mdb:mork:z v=\"1.4\"/> -->")
    (folder / "README").write_text("not a mailbox, no extension")
    svc, db = _service(tmp_path / "home")
    report = svc.import_paths([tmp_path / "Thunderbird"])
    assert [Path(p).name for p in report.imported] == ["Inbox"]
    assert not any(Path(p).suffix == ".msf" for p, _ in report.skipped)
    (doc,) = svc.store.list()
    assert doc.format == "email" and doc.n_chunks >= 4
    db.close()
