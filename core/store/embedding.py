"""Embedding as the stores use it, and the record of which embedder made each collection's vectors.

``embed_texts`` / ``embed_query`` run the embedder (on one torch thread on the CPU, see
``models.threads``) and check what comes back: as many rows as texts, each ``dim`` wide.

``VectorSpaces`` is the ``vector_space`` table: per Chroma collection, the embedder (name and
width) whose vectors it and SQLite's copies hold, and while a re-embed is under way the
embedder it re-embeds with and the last row it finished. Stores check it before they search
or write (``check``), so vectors of another embedder fail loudly with an ``EmbedderError``
that says to run ``mnemo reembed``, instead of ranking nonsense or failing deep inside.
The first write to a collection records its embedder; a data folder made before this table
existed is recorded from the width of the vectors it holds.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

import numpy as np

from core.errors import EmbedderError
from core.ports import TextEmbedder
from models.threads import one_thread
from core.store.db import Database

REEMBED_HINT = ("Run 'mnemo reembed' to embed them again with the embedder now set "
                "(or set model.embedder_path back).")
LABELS = {"chunks": "document passages", "memories": "memories", "memory_turns": "remembered chat turns",
          "persona_items": "topic items"}


# ---- the embedder -------------------------------------------------------------------------------------------
def checked(embedder: TextEmbedder, vecs: Any, n: int) -> np.ndarray:
    """``vecs`` as float32 [n, dim], or an ``EmbedderError`` saying what the embedder got wrong."""
    arr = np.asarray(vecs, dtype=np.float32)
    dim = int(embedder.dim)
    if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] != dim:
        raise EmbedderError(f"The embedder {embedder.name} returned vectors of shape {list(arr.shape)} for {n} "
                            f"texts, not [{n}, {dim}].",
                            "Check model.embedder_path: it must be a sentence-transformers model folder.")
    return arr


def embed_texts(embedder: TextEmbedder, texts: Sequence[str]) -> np.ndarray:
    """Embed ``texts`` -> float32 [len(texts), dim], on one CPU thread when the embedder runs on the CPU."""
    texts = list(texts)
    if embedder.device == "cpu":
        with one_thread():
            vecs = embedder.embed(texts)
    else:
        vecs = embedder.embed(texts)
    return checked(embedder, vecs, len(texts))


def embed_query(embedder: TextEmbedder, text: str) -> np.ndarray:
    return embed_texts(embedder, [text])[0]


# ---- the record ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Space:
    """Which embedder made a collection's vectors; ``target_*`` while a re-embed is under way."""

    collection: str
    embedder: str
    dim: int
    target_embedder: str | None = None
    target_dim: int | None = None
    cursor: str = ""

    @property
    def reembedding(self) -> bool:
        return self.target_dim is not None

    @property
    def label(self) -> str:
        return LABELS.get(self.collection, self.collection)


def same_embedder(name_a: str, dim_a: int, name_b: str, dim_b: int) -> bool:
    """Same width, and the same name where both are known."""
    return dim_a == dim_b and (not name_a or not name_b or name_a == name_b)


def _who(name: str, dim: int) -> str:
    return f"{name or 'an embedder whose name was not recorded'} ({dim} wide)"


def mismatch(collection: str, made_by: str, made_dim: int, name: str, dim: int) -> EmbedderError:
    return EmbedderError(
        f"The {LABELS.get(collection, collection)} in this data folder were embedded by {_who(made_by, made_dim)}; "
        f"the embedder now set is {_who(name, dim)}.", REEMBED_HINT)


def unfinished(space: Space) -> EmbedderError:
    return EmbedderError(
        f"The {space.label} are being embedded again with {_who(space.target_embedder or '', space.target_dim or 0)}"
        " and that is not finished yet.",
        "Run 'mnemo reembed' to finish it (it goes on where it stopped), or wait for the running one.")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_BY_DB: "weakref.WeakKeyDictionary[Any, VectorSpaces]" = weakref.WeakKeyDictionary()
_BY_DB_LOCK = threading.Lock()


class VectorSpaces:
    """The ``vector_space`` table of one database; one instance per database (``VectorSpaces.of``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._ok: set[tuple[str, str, int, bool]] = set()   # checks that passed since the last change
        self._listeners: list[Callable[[], None]] = []

    @classmethod
    def of(cls, db: Any) -> "VectorSpaces":
        """The shared instance for ``db``: every store of a database sees the same record and cache."""
        with _BY_DB_LOCK:
            spaces = _BY_DB.get(db)
            if spaces is None:
                spaces = _BY_DB[db] = cls(db)
            return spaces

    def on_change(self, fn: Callable[[], None]) -> None:
        """Call ``fn()`` after a re-embed changed stored vectors (stores drop their in-memory copies)."""
        self._listeners.append(fn)

    def changed(self) -> None:
        with self._lock:
            self._ok.clear()
        for fn in list(self._listeners):
            fn()

    # ---- reading ----------------------------------------------------------------------------------------
    def get(self, collection: str) -> Space | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT collection, embedder, dim, target_embedder, target_dim, cursor "
                               "FROM vector_space WHERE collection = :c", {"c": collection}).fetchone()
        return Space(*row) if row else None

    def all(self) -> dict[str, Space]:
        with self.db.read() as conn:
            rows = conn.execute("SELECT collection, embedder, dim, target_embedder, target_dim, cursor "
                                "FROM vector_space").fetchall()
        return {r[0]: Space(*r) for r in rows}

    # ---- writing ----------------------------------------------------------------------------------------
    def record(self, collection: str, embedder: str, dim: int) -> None:
        """``collection`` holds vectors of ``embedder`` (and no re-embed is under way)."""
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO vector_space (collection, embedder, dim, target_embedder, "
                         "target_dim, cursor, updated_at) VALUES (:c, :e, :d, NULL, NULL, '', :t)",
                         {"c": collection, "e": embedder, "d": int(dim), "t": _now()})
        with self._lock:
            self._ok.clear()

    def begin(self, collection: str, embedder: str, dim: int) -> None:
        """A re-embed of ``collection`` with ``embedder`` starts from its first row."""
        with self.db.write() as conn:
            conn.execute("INSERT INTO vector_space (collection, embedder, dim, target_embedder, target_dim, "
                         "cursor, updated_at) VALUES (:c, '', 0, :e, :d, '', :t) ON CONFLICT(collection) DO "
                         "UPDATE SET target_embedder = :e, target_dim = :d, cursor = '', updated_at = :t",
                         {"c": collection, "e": embedder, "d": int(dim), "t": _now()})
        with self._lock:
            self._ok.clear()

    @staticmethod
    def advance(conn: Any, collection: str, cursor: str) -> None:
        """In the caller's transaction (the one that stores the rows' vectors): rows up to ``cursor`` are done."""
        conn.execute("UPDATE vector_space SET cursor = :k, updated_at = :t WHERE collection = :c",
                     {"k": cursor, "t": _now(), "c": collection})

    def finish(self, collection: str) -> None:
        """The re-embed of ``collection`` is complete: its target becomes its embedder."""
        with self.db.write() as conn:
            conn.execute("UPDATE vector_space SET embedder = target_embedder, dim = target_dim, "
                         "target_embedder = NULL, target_dim = NULL, cursor = '', updated_at = :t "
                         "WHERE collection = :c AND target_dim IS NOT NULL", {"t": _now(), "c": collection})
        with self._lock:
            self._ok.clear()

    # ---- the check ----------------------------------------------------------------------------------------
    def check(self, collection: str, name: str, dim: int, *, writing: bool,
              stored_width: Callable[[], int | None] | None = None) -> None:
        """Raise an ``EmbedderError`` unless vectors of ``name`` (``dim`` wide) belong in ``collection`` now.

        ``stored_width()`` says how wide the vectors already stored are (None: none stored); it is asked
        only when the record is missing (a data folder older than it) or disagrees (an empty collection
        may change embedder freely). During a re-embed, writes of its embedder are fine; searches fail.
        """
        key = (collection, name, int(dim), writing)
        with self._lock:
            if key in self._ok:
                return
        space = self.get(collection)
        if space is None:
            width = stored_width() if stored_width is not None else None
            if width is not None and width != dim:
                raise mismatch(collection, "", width, name, dim)
            self.record(collection, name, dim)
        elif space.reembedding:
            if not same_embedder(space.target_embedder or "", space.target_dim or 0, name, dim):
                raise mismatch(collection, space.target_embedder or "", space.target_dim or 0, name, dim)
            if not writing:
                raise unfinished(space)
        elif not same_embedder(space.embedder, space.dim, name, dim):
            if stored_width is None or stored_width() is not None:
                raise mismatch(collection, space.embedder, space.dim, name, dim)
            self.record(collection, name, dim)   # nothing stored: the collection is free to change embedder
        elif name and not space.embedder:
            self.record(collection, name, dim)   # recorded by a write that did not know the name
        with self._lock:
            self._ok.add(key)

    def check_ready(self, collection: str) -> None:
        """Raise while a re-embed of ``collection`` is under way (its vectors are half old, half new)."""
        space = self.get(collection)
        if space is not None and space.reembedding:
            raise unfinished(space)
