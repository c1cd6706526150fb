"""The memory store: turns and topic memories in SQLite (the truth), FTS5 for words, Chroma for vectors.

Every write goes to SQLite first (one transaction, with a float32 copy of the vector so
Chroma can be rebuilt), then to Chroma. Searches return ``(id, score)`` rankings that the
retrieval pipeline fuses. Vectors written and queries searched are checked against the
embedder recorded for the collection (``core.store.embedding.VectorSpaces``). The in-memory
copies for exact search (``_vec``, ``_mat``) are shared by the chat, reflection and import
threads: one lock guards them, and a matrix built while a write happened is not kept.
"""
from __future__ import annotations

import builtins
import json
import logging
import threading
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
from sqlmodel import col, select

from core.errors import EmbedderError, MnemoError
from core.memory.dates import parse_day, with_dates
from core.memory.tables import Memory, MemoryRevision, MemoryTurn
from core.ports import TextEmbedder, VectorStore
from core.search.fusion import fts5_query
from core.store.embedding import VectorSpaces, embed_texts
from core.store.clock import utcnow
from core.store.db import Database, scalar

log = logging.getLogger(__name__)

MEMORIES = "memories"
TURNS = "memory_turns"
MAX_TEXT_TURNS = 12        # source turns written into a memory's indexed text
EXACT_MAX = 50_000         # up to this many vectors, dense search is an exact matrix product in memory


@dataclass
class TurnIn:
    """A turn to remember: its ref (``msg:<id>``), who said it, what, and the session's date."""

    ref: str
    speaker: str
    text: str
    session_date: str = ""

    @property
    def line(self) -> str:
        return f"{self.speaker}: {' '.join(self.text.split())}" if self.speaker else " ".join(self.text.split())


def memory_text(summary: str, session_date: str, turn_lines: Sequence[str]) -> str:
    """The text a memory is indexed by: its date, its summary and the turns behind it, each relative time
    ("yesterday") followed by its date (``core.memory.dates``)."""
    when = parse_day(session_date)
    head = f"({session_date}) {with_dates(summary, when)}" if session_date else summary
    return "\n".join([head, *(with_dates(line, when) for line in turn_lines[:MAX_TEXT_TURNS])])


def _blob(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype=np.float32).tobytes()


def _unblob(b: bytes | None) -> np.ndarray | None:
    return None if b is None else np.frombuffer(b, dtype=np.float32).copy()


class MemoryNotFound(MnemoError):
    """No memory has this id."""


class MemoryStore:
    """CRUD and search over turns and memories of one data folder."""

    def __init__(self, db: Database, vectors: VectorStore, embedder: Callable[[], TextEmbedder]) -> None:
        self.db = db
        self.vectors = vectors
        self._embedder = embedder
        self.spaces = VectorSpaces.of(db)
        self._lock = threading.Lock()  # guards _vec, _mat and _gen
        self._vec: dict[tuple[str, int], np.ndarray] = {}   # (collection, id) -> unit vector
        self._mat: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}  # collection -> (ids, matrix) for exact search
        self._gen: dict[str, int] = {}  # collection -> writes so far (a matrix built across a write is stale)
        self._speakers: tuple[int, frozenset[str]] | None = None   # (turn writes then, the turns' speakers)
        self.spaces.on_change(self.drop_caches)

    # ---- embedding ----------------------------------------------------------------------------
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return embed_texts(self._embedder(), list(texts))

    def _check(self, collection: str, width: int, writing: bool) -> None:
        """Vectors ``width`` wide of the current embedder belong in ``collection`` (else EmbedderError)."""
        self.spaces.check(collection, self._embedder().name, width, writing=writing,
                          stored_width=lambda: self._stored_width(collection))

    def _stored_width(self, collection: str) -> int | None:
        table = "memory" if collection == MEMORIES else "memory_turn"
        with self.db.read() as conn:
            n = scalar(conn, f"SELECT length(vector) FROM {table} WHERE vector IS NOT NULL LIMIT 1")
        return None if n is None else int(n) // 4

    def _cached(self, collection: str, items: Iterable[tuple[int, np.ndarray]] = (), gone: int | None = None) -> None:
        """After a write: keep the new vectors, drop a forgotten one, and the collection's matrix."""
        with self._lock:
            self._gen[collection] = self._gen.get(collection, 0) + 1
            self._mat[collection] = None
            for rid, v in items:
                self._vec[(collection, rid)] = v
            if gone is not None:
                self._vec.pop((collection, gone), None)

    def drop_caches(self) -> None:
        """Forget every in-memory vector (after a re-embed rewrote them in SQLite)."""
        with self._lock:
            for c in (MEMORIES, TURNS):
                self._gen[c] = self._gen.get(c, 0) + 1
            self._vec.clear()
            self._mat.clear()

    # ---- turns ----------------------------------------------------------------------------------
    def add_turns(self, conversation_id: int, turns: Sequence[TurnIn], vecs: np.ndarray | None = None) -> list[MemoryTurn]:
        """Store turns not stored yet (by ref) with their vectors; return all of them, in order."""
        if not turns:
            return []
        with self.db.session() as s:
            known = {t.ref: t for t in s.exec(select(MemoryTurn).where(col(MemoryTurn.ref).in_([t.ref for t in turns])))}
        new = [t for t in turns if t.ref not in known]
        if new:
            if vecs is None or len(vecs) != len(turns):
                new_vecs = self.embed([self.turn_index_text(t) for t in new])
            else:
                pos = {t.ref: i for i, t in enumerate(turns)}
                new_vecs = np.stack([vecs[pos[t.ref]] for t in new])
            self._check(TURNS, int(new_vecs.shape[1]), writing=True)
            rows = [MemoryTurn(ref=t.ref, conversation_id=conversation_id, speaker=t.speaker, text=self.turn_text(t),
                               session_date=t.session_date, vector=_blob(v)) for t, v in zip(new, new_vecs)]
            with self.db.session() as s:
                s.add_all(rows)
                s.flush()
                for r in rows:
                    s.refresh(r)
            self.vectors.upsert(TURNS, [r.id for r in rows], new_vecs, [{"c": conversation_id} for _ in rows])  # type: ignore[misc]  # ids set by flush
            self._cached(TURNS, [(int(r.id), v) for r, v in zip(rows, new_vecs)])  # type: ignore[arg-type]
            for r in rows:
                known[r.ref] = r
        return [known[t.ref] for t in turns]

    @staticmethod
    def turn_text(t: TurnIn) -> str:
        """A turn as stored and shown: "Speaker: words", relative times followed by their dates."""
        return with_dates(t.line, parse_day(t.session_date))

    @staticmethod
    def turn_index_text(t: TurnIn) -> str:
        text = MemoryStore.turn_text(t)
        return f"({t.session_date}) {text}" if t.session_date else text

    def speakers(self) -> frozenset[str]:
        """Everyone who speaks in a stored turn (read again after turns are written)."""
        gen = self._gen.get(TURNS, 0)
        got = self._speakers
        if got is not None and got[0] == gen:
            return got[1]
        with self.db.read() as conn:
            names = frozenset(str(s) for (s,) in conn.execute("SELECT DISTINCT speaker FROM memory_turn") if s)
        self._speakers = (gen, names)
        return names

    def turns_by_ref(self, refs: Iterable[str]) -> dict[str, MemoryTurn]:
        refs = list(refs)
        if not refs:
            return {}
        with self.db.session() as s:
            return {t.ref: t for t in s.exec(select(MemoryTurn).where(col(MemoryTurn.ref).in_(refs)))}

    def turn_ids(self, refs: Iterable[str]) -> dict[str, int]:
        """Stored turns' ids by ref (no rows, no vectors: what ranking through memories needs, fast)."""
        refs = list(refs)
        if not refs:
            return {}
        with self.db.read() as conn:
            q = "SELECT ref, id FROM memory_turn WHERE ref IN (SELECT value FROM json_each(:refs))"
            return {str(r): int(i) for r, i in conn.execute(q, {"refs": json.dumps(refs)})}

    def sources_of(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Memories' source refs by id (no rows, no vectors)."""
        if not ids:
            return {}
        with self.db.read() as conn:
            q = f"SELECT id, sources FROM memory WHERE id IN ({','.join(str(int(i)) for i in ids)})"
            return {int(i): list(json.loads(src) if isinstance(src, str) else (src or [])) for i, src in conn.execute(q)}

    def turns(self, ids: Sequence[int]) -> dict[int, MemoryTurn]:
        if not ids:
            return {}
        with self.db.session() as s:
            return {t.id: t for t in s.exec(select(MemoryTurn).where(col(MemoryTurn.id).in_(list(ids))))}  # type: ignore[misc]

    # ---- memories -------------------------------------------------------------------------------
    def add(self, summary: str, sources: Sequence[str], turn_lines: Sequence[str], conversation_id: int | None,
            session_date: str = "", meta: dict | None = None, vec: np.ndarray | None = None) -> Memory:
        text = memory_text(summary, session_date, turn_lines)
        v = self.embed([text])[0] if vec is None else vec
        self._check(MEMORIES, int(v.shape[0]), writing=True)
        m = Memory(summary=summary, text=text, sources=list(sources), conversation_id=conversation_id,
                   session_date=session_date, meta=meta or {}, vector=_blob(v))
        with self.db.session() as s:
            s.add(m)
            s.flush()
            s.refresh(m)
        self.vectors.upsert(MEMORIES, [m.id], v[None, :], [{"c": conversation_id or 0}])  # type: ignore[list-item]
        self._cached(MEMORIES, [(int(m.id), v)])  # type: ignore[arg-type]
        return m

    def add_many(self, items: Sequence[tuple[str, list[str], list[str], int | None, str, dict]],
                 vecs: np.ndarray | None = None) -> list[Memory]:
        """Add several memories (summary, sources, turn lines, conversation id, date, meta) with one embedding batch."""
        if not items:
            return []
        texts = [memory_text(su, d, lines) for su, _, lines, _, d, _ in items]
        if vecs is None or len(vecs) != len(items):
            vecs = self.embed(texts)
        self._check(MEMORIES, int(vecs.shape[1]), writing=True)
        rows = [Memory(summary=su, text=t, sources=list(src), conversation_id=cid, session_date=d, meta=meta or {},
                       vector=_blob(v)) for (su, src, _, cid, d, meta), t, v in zip(items, texts, vecs)]
        with self.db.session() as s:
            s.add_all(rows)
            s.flush()
            for r in rows:
                s.refresh(r)
        self.vectors.upsert(MEMORIES, [r.id for r in rows], vecs, [{"c": r.conversation_id or 0} for r in rows])  # type: ignore[misc]  # ids set by flush
        self._cached(MEMORIES, [(int(r.id), v) for r, v in zip(rows, vecs)])  # type: ignore[arg-type]
        return rows

    def get(self, memory_id: int) -> Memory:
        with self.db.session() as s:
            m = s.get(Memory, memory_id)
        if m is None:
            raise MemoryNotFound(f"There is no memory {memory_id}.", "List them with 'mnemo memory list'.")
        return m

    def many(self, ids: Sequence[int]) -> dict[int, Memory]:
        if not ids:
            return {}
        with self.db.session() as s:
            return {m.id: m for m in s.exec(select(Memory).where(col(Memory.id).in_(list(ids))))}  # type: ignore[misc]

    def list(self, query: str = "", limit: int = 100, offset: int = 0) -> list[Memory]:
        with self.db.session() as s:
            stmt = select(Memory).order_by(Memory.updated_at.desc()).offset(offset).limit(limit)  # type: ignore[attr-defined]
            if query:
                stmt = stmt.where(Memory.text.contains(query))  # type: ignore[attr-defined]
            return list(s.exec(stmt))

    def count(self) -> int:
        with self.db.read() as conn:
            return int(scalar(conn, "SELECT count(*) FROM memory"))

    def revisions(self, memory_id: int) -> builtins.list[MemoryRevision]:
        with self.db.session() as s:
            return list(s.exec(select(MemoryRevision).where(MemoryRevision.memory_id == memory_id)
                               .order_by(MemoryRevision.id)))  # type: ignore[arg-type]

    def update(self, memory_id: int, summary: str, sources: Sequence[str] | None = None, reason: str = "edit") -> Memory:
        """Change a memory's summary (and sources), keeping the previous text as a revision."""
        summary = " ".join(summary.split())
        if not summary:
            raise MnemoError("A memory cannot be empty.", "Use 'mnemo memory forget ID' to delete it instead.")
        old = self.get(memory_id)
        new_sources = list(sources) if sources is not None else list(old.sources)
        turns = self._ordered_turns(new_sources)
        text = memory_text(summary, old.session_date, [t.text for t in turns])
        v = self.embed([text])[0]
        self._check(MEMORIES, int(v.shape[0]), writing=True)
        with self.db.session() as s:
            m = s.get(Memory, memory_id)
            assert m is not None
            s.add(MemoryRevision(memory_id=memory_id, summary=m.summary, sources=list(m.sources), reason=reason))
            m.summary, m.text, m.sources, m.updated_at, m.vector = summary, text, new_sources, utcnow(), _blob(v)
            s.add(m)
            s.flush()
            s.refresh(m)
        self.vectors.upsert(MEMORIES, [memory_id], v[None, :], [{"c": m.conversation_id or 0}])
        self._cached(MEMORIES, [(memory_id, v)])
        return m

    def _ordered_turns(self, refs: Sequence[str]) -> builtins.list[MemoryTurn]:
        by = self.turns_by_ref(refs)
        return [by[r] for r in refs if r in by]

    def undo_interrupted(self, conversation_id: int, refs: Sequence[str]) -> int:
        """Drop memories an interrupted reflection ADDed from turns that were never marked reflected.

        Merges of such a run are kept: redoing them is harmless (sources and text are deduplicated).
        """
        pending = set(refs) - set(self.turns_by_ref(refs))
        if not pending:
            return 0
        with self.db.session() as s:
            rows = list(s.exec(select(Memory).where(Memory.conversation_id == conversation_id)))
        doomed = [m.id for m in rows if m.sources and set(m.sources) <= pending]
        for mid in doomed:
            self.forget(mid)  # type: ignore[arg-type]
        return len(doomed)

    def forget(self, memory_id: int) -> None:
        """Delete a memory and its revisions from SQLite and its vector from Chroma."""
        self.get(memory_id)
        with self.db.write() as conn:
            conn.execute("DELETE FROM memory_revision WHERE memory_id = ?", (memory_id,))
            conn.execute("DELETE FROM memory WHERE id = ?", (memory_id,))
        self.vectors.delete(MEMORIES, [memory_id])
        self._cached(MEMORIES, gone=memory_id)

    # ---- vectors ---------------------------------------------------------------------------------
    def vectors_of(self, collection: str, ids: Sequence[int]) -> np.ndarray:
        """Unit vectors of memories or turns, from the cache or SQLite (never re-embedded)."""
        with self._lock:
            got = {i: self._vec[(collection, i)] for i in ids if (collection, i) in self._vec}
            gen = self._gen.get(collection, 0)
        missing = [i for i in ids if i not in got]
        if missing:
            table = "memory" if collection == MEMORIES else "memory_turn"
            with self.db.read() as conn:
                q = f"SELECT id, vector FROM {table} WHERE id IN ({','.join(str(int(i)) for i in missing)})"
                for rid, blob in conn.execute(q):
                    v = _unblob(blob)
                    if v is not None:
                        got[rid] = v
            with self._lock:
                for rid in missing if self._gen.get(collection, 0) == gen else ():  # none if a write came between
                    if rid in got:
                        self._vec[(collection, rid)] = got[rid]
        if not ids:
            return np.zeros((0, self._dim(collection)), np.float32)
        dim = next(iter(got.values())).shape[0] if got else self._dim(collection)
        return np.stack([got.get(i, np.zeros(dim, np.float32)) for i in ids])

    def _dim(self, collection: str) -> int:
        """The width of the collection's vectors: as recorded, else as stored, else the embedder's."""
        space = self.spaces.get(collection)
        if space is not None and (space.target_dim or space.dim):
            return int(space.target_dim or space.dim)
        width = self._stored_width(collection)
        if width is not None:
            return width
        return self._embedder().dim

    def rebuild_vectors(self) -> int:
        """Rebuild both Chroma collections from the vectors kept in SQLite."""
        total = 0
        for collection, table in ((MEMORIES, "memory"), (TURNS, "memory_turn")):
            with self.db.read() as conn:
                rows = [(rid, _unblob(b), {"c": c or 0}) for rid, b, c in
                        conn.execute(f"SELECT id, vector, conversation_id FROM {table} WHERE vector IS NOT NULL")]
            total += self.vectors.rebuild(collection, rows)  # type: ignore[arg-type]  # the query skips NULL vectors
        return total

    # ---- search ----------------------------------------------------------------------------------
    def dense(self, collection: str, qvec: np.ndarray, n: int) -> builtins.list[tuple[int, float]]:
        """Nearest vectors: exact search over an in-memory copy up to EXACT_MAX rows, Chroma above."""
        q = np.asarray(qvec, np.float32)
        self._check(collection, int(q.shape[-1]), writing=False)
        mat = self._matrix(collection)
        if mat is None:
            hits = self.vectors.query(collection, q, n)
            return [(int(h.id), 1.0 - h.distance) for h in hits]
        ids, M = mat
        if len(ids) == 0:
            return []
        if M.shape[1] != q.shape[-1]:
            raise EmbedderError(f"The stored {'memories' if collection == MEMORIES else 'chat turns'} are "
                                f"{M.shape[1]} wide but the query is {q.shape[-1]} wide.",
                                "Run 'mnemo reembed' to embed them again with the embedder now set.")
        sims = M @ q
        top = np.argpartition(-sims, min(n, len(ids)) - 1)[:n] if len(ids) > n else np.arange(len(ids))
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(int(ids[i]), float(sims[i])) for i in top]

    def _matrix(self, collection: str) -> tuple[np.ndarray, np.ndarray] | None:
        with self._lock:
            cached = self._mat.get(collection)
            gen = self._gen.get(collection, 0)
        if cached is not None:
            return cached
        table = "memory" if collection == MEMORIES else "memory_turn"
        with self.db.read() as conn:
            n = scalar(conn, f"SELECT count(*) FROM {table}")
            if n > EXACT_MAX:
                return None
            rows = conn.execute(f"SELECT id, vector FROM {table} WHERE vector IS NOT NULL ORDER BY id").fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        M = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows]) if rows else np.zeros((0, 0), np.float32)
        with self._lock:
            if self._gen.get(collection, 0) == gen:  # no write since it was read: keep it
                self._mat[collection] = (ids, M)
        return ids, M

    def keyword(self, collection: str, query: str, n: int) -> builtins.list[tuple[int, float]]:
        q = fts5_query(query)
        if not q:
            return []
        table = "memory_fts" if collection == MEMORIES else "memory_turn_fts"
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT rowid, bm25({table}) FROM {table} WHERE {table} MATCH :q "
                                f"ORDER BY bm25({table}) LIMIT :n", {"q": q, "n": n}).fetchall()
        return [(int(r), -float(s)) for r, s in rows]

    # ---- cache of model outputs ------------------------------------------------------------------
    def cache_get(self, key: str) -> str | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM memory_llm_cache WHERE key = :k", {"k": key}).fetchone()
        return row[0] if row else None

    def cache_put(self, key: str, value: str) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO memory_llm_cache(key, value) VALUES (:k, :v)", {"k": key, "v": value})
