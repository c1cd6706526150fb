"""Re-embedding: after the embedder changed, embed every stored text again, as a resumable job.

Four collections hold vectors: document chunks, memories, remembered chat turns (SQLite keeps
a copy of each of those vectors) and topic items (Chroma only; their texts are read again
from the chunk, memory or message they stand for). A Chroma collection has a fixed width,
so a collection is dropped and filled again.

Resumable: per collection, ``vector_space`` records the embedder being re-embedded with and
the last row finished. Rows go in id order, in batches: each batch is written to Chroma, then
its SQLite copies and the new cursor are committed in one transaction. A run that is killed
or cancelled leaves the cursor at the last batch committed; the next run goes on from there
(it redoes at most the one batch that reached Chroma but not SQLite) and only the last batch
of a collection marks it done. ``plan`` says beforehand how many items a run will embed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from core.documents.store import COLLECTION as CHUNKS
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.memory.store import MEMORIES, TURNS
from core.persona.topics import COLLECTION as TOPIC_ITEMS
from core.ports import TextEmbedder, VectorStore
from core.store.embedding import LABELS, VectorSpaces, checked, same_embedder
from core.store.db import Database, scalar

log = logging.getLogger(__name__)

BATCH = 64
Row = tuple[Any, str, dict[str, Any]]   # (id or ref, text to embed, Chroma metadata)


# ---- what each collection's rows are ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Source:
    collection: str
    count_sql: str                 # rows after :after
    rows: Callable[[Any, str, int], list[Row]]                  # (connection, cursor, limit) -> rows
    keep: Callable[[Any, Sequence[Any], np.ndarray], None]      # SQLite copies, in the caller's transaction
    width_sql: str = ""            # the width of one stored vector ('' = ask Chroma)
    int_keys: bool = True

    def after(self, cursor: str) -> Any:
        return (int(cursor) if cursor else 0) if self.int_keys else cursor


def _chunk_rows(conn: Any, cursor: str, n: int) -> list[Row]:
    q = "SELECT id, text, document_id FROM chunk WHERE id > :a ORDER BY id LIMIT :n"
    return [(r[0], r[1], {"document_id": r[2]}) for r in conn.execute(q, {"a": int(cursor or 0), "n": n})]


def _keep_chunks(conn: Any, ids: Sequence[Any], vecs: np.ndarray) -> None:
    half = np.asarray(vecs, dtype=np.float16)
    conn.executemany("UPDATE chunk SET vector = :v, vector_state = 1 WHERE id = :i",
                     [{"v": half[k].tobytes(), "i": i} for k, i in enumerate(ids)])


def _memory_rows(conn: Any, cursor: str, n: int) -> list[Row]:
    q = "SELECT id, text, conversation_id FROM memory WHERE id > :a ORDER BY id LIMIT :n"
    return [(r[0], r[1], {"c": r[2] or 0}) for r in conn.execute(q, {"a": int(cursor or 0), "n": n})]


def _turn_rows(conn: Any, cursor: str, n: int) -> list[Row]:
    # the text a turn is indexed by: MemoryStore.turn_index_text
    q = "SELECT id, text, session_date, conversation_id FROM memory_turn WHERE id > :a ORDER BY id LIMIT :n"
    return [(r[0], f"({r[2]}) {r[1]}" if r[2] else r[1], {"c": r[3]})
            for r in conn.execute(q, {"a": int(cursor or 0), "n": n})]


def _keeper(table: str) -> Callable[[Any, Sequence[Any], np.ndarray], None]:
    def keep(conn: Any, ids: Sequence[Any], vecs: np.ndarray) -> None:
        full = np.asarray(vecs, dtype=np.float32)
        conn.executemany(f"UPDATE {table} SET vector = :v WHERE id = :i",
                         [{"v": full[k].tobytes(), "i": i} for k, i in enumerate(ids)])
    return keep


_SOURCE_TEXT = {"chunk": "SELECT id, text FROM chunk", "memory": "SELECT id, summary FROM memory",
                "message": "SELECT id, content FROM message"}


def _topic_rows(conn: Any, cursor: str, n: int) -> list[Row]:
    """Topic items with the text they were embedded from (the source's, else the stored snippet)."""
    items = conn.execute("SELECT ref, document_id, snippet FROM persona_topic_item WHERE ref > :a "
                         "ORDER BY ref LIMIT :n", {"a": cursor, "n": n}).fetchall()
    wanted: dict[str, list[int]] = {}
    for ref, _, _ in items:
        kind, _, num = str(ref).partition(":")
        if kind in _SOURCE_TEXT and num.isdigit():
            wanted.setdefault(kind, []).append(int(num))
    texts: dict[str, str] = {}
    for kind, ids in wanted.items():
        q = f"{_SOURCE_TEXT[kind]} WHERE id IN ({','.join(str(i) for i in ids)})"
        texts.update({f"{kind}:{i}": t for i, t in conn.execute(q) if t})
    return [(ref, texts.get(ref) or snippet, {"d": d if d is not None else -1}) for ref, d, snippet in items]


def _width(table: str, item_bytes: int) -> str:
    return f"SELECT length(vector) / {item_bytes} FROM {table} WHERE vector IS NOT NULL LIMIT 1"


SOURCES = (
    _Source(CHUNKS, "SELECT count(*) FROM chunk WHERE id > :a", _chunk_rows, _keep_chunks, _width("chunk", 2)),
    _Source(MEMORIES, "SELECT count(*) FROM memory WHERE id > :a", _memory_rows, _keeper("memory"),
            _width("memory", 4)),
    _Source(TURNS, "SELECT count(*) FROM memory_turn WHERE id > :a", _turn_rows, _keeper("memory_turn"),
            _width("memory_turn", 4)),
    _Source(TOPIC_ITEMS, "SELECT count(*) FROM persona_topic_item WHERE ref > :a", _topic_rows,
            lambda conn, ids, vecs: None, int_keys=False),
)


# ---- the plan and the job ----------------------------------------------------------------------------------
@dataclass
class ReembedPlan:
    """What a run will do: items to embed per collection (those already done by a stopped run left out)."""

    embedder: str
    dim: int
    counts: dict[str, int] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)    # collections a stopped run had started

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        """One sentence for the user, before the job starts."""
        if not self.total:
            return f"Every stored vector already comes from {self.embedder} ({self.dim} wide); nothing to re-embed."
        parts = ", ".join(f"{n:,} {LABELS.get(c, c)}" for c, n in self.counts.items() if n)
        again = " (going on where the last run stopped)" if self.resumed else ""
        return f"Re-embedding {self.total:,} items with {self.embedder} ({self.dim} wide){again}: {parts}."


@dataclass
class ReembedReport:
    embedded: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.embedded.values())


class Reembedder:
    """Embeds the stored texts of one data folder again with the embedder now set."""

    def __init__(self, db: Database, vectors: VectorStore, embedder: Callable[[], TextEmbedder], batch: int = BATCH) -> None:
        self.db = db
        self.vectors = vectors
        self._embedder = embedder
        self.batch = batch
        self.spaces = VectorSpaces.of(db)

    def _count(self, src: _Source, cursor: str) -> int:
        with self.db.read() as conn:
            return int(scalar(conn, src.count_sql, {"a": src.after(cursor)}) or 0)

    def _stored_width(self, src: _Source) -> int | None:
        if not src.width_sql:
            return self.vectors.width(src.collection)
        with self.db.read() as conn:
            w = scalar(conn, src.width_sql)
        return None if w is None else int(w)

    def _resuming(self, src: _Source, name: str, dim: int) -> bool:
        space = self.spaces.get(src.collection)
        return (space is not None and space.reembedding
                and same_embedder(space.target_embedder or "", space.target_dim or 0, name, dim))

    def _todo(self, src: _Source, name: str, dim: int, force: bool) -> tuple[int, bool]:
        """(rows to embed, whether a stopped run of this embedder is resumed)."""
        space = self.spaces.get(src.collection)
        if not force and self._resuming(src, name, dim):
            assert space is not None
            return self._count(src, space.cursor), bool(space.cursor)
        if force:
            return self._count(src, ""), False
        if space is None:  # a data folder older than the record: its vectors are right if they are this wide
            width = self._stored_width(src)
            return (0 if width is None or width == dim else self._count(src, "")), False
        return (0 if same_embedder(space.embedder, space.dim, name, dim) else self._count(src, "")), False

    def plan(self, force: bool = False) -> ReembedPlan:
        """How many items ``run`` would embed (``force``: every one, even those of this embedder)."""
        embedder = self._embedder()
        name, dim = embedder.name, embedder.dim
        plan = ReembedPlan(name or type(embedder).__name__, dim)
        for src in SOURCES:
            n, resumed = self._todo(src, name, dim, force)
            plan.counts[src.collection] = n
            if resumed:
                plan.resumed.append(src.collection)
        return plan

    def needed(self) -> bool:
        """Whether some stored vectors are not of the embedder now set (or a re-embed is unfinished)."""
        return self.plan().total > 0

    def run(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
            force: bool = False) -> ReembedReport:
        """Re-embed what ``plan(force)`` lists; raise ``Cancelled`` when asked to stop (a rerun goes on)."""
        cancel = token_or_new(cancel)
        embedder = self._embedder()
        name, dim = embedder.name, embedder.dim
        plan = self.plan(force)
        report = ReembedReport()
        done = 0
        try:
            for src in SOURCES:
                if not plan.counts.get(src.collection):
                    self._settle(src, name, dim)
                    continue
                done = self._collection(src, embedder, name, dim, force, plan.total, done, report, progress, cancel)
        finally:
            self.spaces.changed()  # stores drop their in-memory vectors
        progress(Progress(plan.total, plan.total, "re-embedding done"))
        return report

    def _settle(self, src: _Source, name: str, dim: int) -> None:
        """A collection with nothing left to embed: finish a stopped run, or record the embedder now set."""
        if self._resuming(src, name, dim):
            self.spaces.finish(src.collection)   # a run stopped after its last batch
            return
        space = self.spaces.get(src.collection)
        if space is not None and not space.reembedding and same_embedder(space.embedder, space.dim, name, dim):
            return
        if self._count(src, "") == 0:
            self.vectors.drop(src.collection)   # empty: it may change width
        self.spaces.record(src.collection, name, dim)  # (or a data folder older than the record, of this width)

    def _collection(self, src: _Source, embedder: TextEmbedder, name: str, dim: int, force: bool, total: int,
                    done: int, report: ReembedReport, progress: ProgressFn, cancel: CancelToken) -> int:
        coll = src.collection
        space = self.spaces.get(coll)
        resuming = not force and self._resuming(src, name, dim)
        if not resuming:
            self.spaces.begin(coll, name, dim)
        cursor = space.cursor if resuming and space is not None else ""
        if not cursor:
            self.vectors.drop(coll)  # fixed width: start an empty collection (again, if a run stopped before a batch)
        label = f"re-embedding {LABELS.get(coll, coll)}"
        progress(Progress(done, total, label))
        while True:
            cancel.raise_if_cancelled("Re-embedding stopped; run 'mnemo reembed' to go on where it stopped.")
            with self.db.read() as conn:
                rows = src.rows(conn, cursor, self.batch)
            if not rows:
                break
            keys = [r[0] for r in rows]
            # a batch job: the embedder's own threads (as an import embeds), widths checked
            vecs = checked(embedder, embedder.embed([r[1] for r in rows]), len(rows))
            self.vectors.upsert(coll, keys, vecs, [r[2] for r in rows])
            cursor = str(keys[-1])
            with self.db.write() as conn:
                src.keep(conn, keys, vecs)
                self.spaces.advance(conn, coll, cursor)
            done += len(rows)
            report.embedded[coll] = report.embedded.get(coll, 0) + len(rows)
            progress(Progress(min(done, total), total, label))
        self.spaces.finish(coll)
        log.info("re-embedded %d %s with %s", report.embedded.get(coll, 0), LABELS.get(coll, coll), name)
        return done
