"""Move the vector index between the data folder and a Chroma server, and say how full each one is.

``migrate`` copies every collection of this data folder from one ``VectorIndex`` to another
in batches, then checks that each copy holds as many vectors as its source. When the source
cannot be read (a damaged folder, a server that is gone) it fills the target from SQLite
instead, which is the source of truth: the caller's ``rebuild`` writes the chunk, memory
and turn vectors SQLite keeps, and the topic items (kept only in Chroma) are embedded again
from their texts. The source is never changed; the caller switches ``storage.vectors``
only after ``migrate`` returned.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from core.documents.store import COLLECTION as CHUNKS
from core.errors import StorageError
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.memory.store import MEMORIES, TURNS
from core.persona.topics import COLLECTION as TOPIC_ITEMS
from core.ports import TextEmbedder
from core.store.db import Database, scalar
from core.store.embedding import LABELS, checked
from core.store.vectors import VectorIndex

log = logging.getLogger(__name__)

BATCH = 2000
# how many vectors each collection should hold, by SQLite (what reached Chroma)
SQLITE_COUNTS = {
    CHUNKS: "SELECT count(*) FROM chunk WHERE vector_state = 1",
    MEMORIES: "SELECT count(*) FROM memory WHERE vector IS NOT NULL",
    TURNS: "SELECT count(*) FROM memory_turn WHERE vector IS NOT NULL",
    TOPIC_ITEMS: "SELECT count(*) FROM persona_topic_item",
}


def sqlite_counts(db: Database) -> dict[str, int]:
    """Vectors each collection should hold, by the database."""
    with db.read() as conn:
        return {name: int(scalar(conn, q) or 0) for name, q in SQLITE_COUNTS.items()}


@dataclass(frozen=True)
class CollectionCount:
    name: str
    vectors: int           # in the index
    expected: int | None   # by SQLite (None: a collection SQLite knows nothing of)

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def matches(self) -> bool:
        return self.expected is None or self.vectors == self.expected


def counts(index: VectorIndex, db: Database) -> list[CollectionCount]:
    """Each collection of this data folder in ``index`` beside what SQLite says it should hold."""
    want = sqlite_counts(db)
    here = set(index.names())
    names = sorted(here | {n for n, c in want.items() if c})
    return [CollectionCount(n, index.count(n) if n in here else 0, want.get(n)) for n in names]


@dataclass
class MigrateReport:
    copied: dict[str, int] = field(default_factory=dict)   # vectors per collection now in the target
    rebuilt: bool = False      # filled from SQLite because the source was unreadable
    reason: str = ""           # why the source was not read

    @property
    def total(self) -> int:
        return sum(self.copied.values())


Rebuild = Callable[[VectorIndex], int]   # fill an index from SQLite (chunks, memories, turns); vectors written


def migrate(source: VectorIndex, target: VectorIndex, db: Database, rebuild: Rebuild,
            embedder: Callable[[], TextEmbedder] | None = None, progress: ProgressFn = no_progress,
            cancel: CancelToken | None = None, batch: int = BATCH) -> MigrateReport:
    """Copy every collection of ``source`` into ``target`` (replacing what it held), checked by counts."""
    cancel = token_or_new(cancel)
    if source.location == target.location:
        raise StorageError(f"The vectors are already in {target.location.describe()}.", "Nothing to migrate.")
    target.names()  # a target that is down or refuses us says so now, before anything is written
    try:
        names = source.names()
        sizes = {n: source.count(n) for n in names}
    except Exception as exc:  # a damaged folder, a server that is gone: SQLite still has it all
        return _rebuild(target, db, rebuild, embedder, progress, cancel, _why(exc))
    total = sum(sizes.values())
    report = MigrateReport()
    done = 0
    progress(Progress(0, total, "copying vectors"))
    for name in names:
        target.drop(name)
        n = 0
        pages = source.read(name, batch)
        while True:
            cancel.raise_if_cancelled("Migration stopped; storage.vectors is unchanged. Run it again.")
            try:
                page = next(pages, None)
            except Exception as exc:  # the source broke while read: SQLite still has it all
                return _rebuild(target, db, rebuild, embedder, progress, cancel, _why(exc))
            if page is None:
                break
            ids, vecs, metas = page
            target.upsert(name, ids, vecs, metas)  # a target that fails stops the migration, said plainly
            n += len(ids)
            done += len(ids)
            progress(Progress(min(done, total), total, f"copying {LABELS.get(name, name)}"))
        report.copied[name] = n
    for name in names:
        got = target.count(name)
        if got != sizes[name]:
            raise StorageError(
                f"The copy of '{name}' in {target.location.describe()} holds {got} vectors, the source "
                f"{sizes[name]}: storage.vectors is unchanged.",
                "Run the migration again; if it keeps failing, 'mnemo vectors status' shows both.")
    progress(Progress(total, total, "done"))
    return report


def _why(exc: Exception) -> str:
    return exc.message if isinstance(exc, StorageError) else f"{type(exc).__name__}: {str(exc)[:300]}"


def _rebuild(target: VectorIndex, db: Database, rebuild: Rebuild, embedder: Callable[[], TextEmbedder] | None,
             progress: ProgressFn, cancel: CancelToken, reason: str) -> MigrateReport:
    log.warning("the vector index to migrate could not be read (%s): rebuilding it from the database", reason)
    cancel.raise_if_cancelled()
    progress(Progress(0, 0, "the source is unreadable: rebuilding from the database"))
    for name in SQLITE_COUNTS:
        target.drop(name)
    rebuild(target)
    report = MigrateReport(rebuilt=True, reason=reason)
    if embedder is not None:
        _embed_topic_items(target, db, embedder, progress, cancel)
    want = sqlite_counts(db)
    here = set(target.names())
    for name, expected in want.items():
        got = target.count(name) if name in here else 0
        if name == TOPIC_ITEMS and embedder is None:
            continue  # not embedded again without an embedder: the persona fills it as it places items
        if got != expected:
            raise StorageError(
                f"The rebuilt '{name}' in {target.location.describe()} holds {got} vectors, the database "
                f"{expected}: storage.vectors is unchanged.",
                "Run 'mnemo doctor' to check the database, then the migration again.")
        if got or name in here:
            report.copied[name] = got
    return report


def _embed_topic_items(target: VectorIndex, db: Database, embedder: Callable[[], TextEmbedder],
                       progress: ProgressFn, cancel: CancelToken) -> int:
    """Topic items keep their vectors only in Chroma: embed their texts again into ``target``."""
    from core.store.reembed import SOURCES

    src = next(s for s in SOURCES if s.collection == TOPIC_ITEMS)
    with db.read() as conn:
        total = int(scalar(conn, src.count_sql, {"a": ""}) or 0)
    cursor, done = "", 0
    model = embedder() if total else None
    while model is not None:
        cancel.raise_if_cancelled()
        with db.read() as conn:
            rows = src.rows(conn, cursor, 64)
        if not rows:
            break
        vecs = checked(model, model.embed([r[1] for r in rows]), len(rows))
        target.upsert(TOPIC_ITEMS, [r[0] for r in rows], vecs, [r[2] for r in rows])
        cursor = str(rows[-1][0])
        done += len(rows)
        progress(Progress(done, total, f"embedding {LABELS.get(TOPIC_ITEMS, TOPIC_ITEMS)} again"))
    return done
