"""Topics ("shades"): the user's memories and documents clustered by embedding, named by the model.

Incremental: a new item joins the nearest topic when it is close enough to the topic's
centroid; items that fit nowhere wait until enough of them cluster together
(agglomerative clustering, cosine, average linkage) to make a new topic. A topic is
(re)named when it is new or has grown by half since it was last named. Vectors are kept
in Chroma (collection ``persona_items``), keyed by the item's ref; the embedder that made
them is recorded (``core.store.embedding.VectorSpaces``) and new items of another embedder
fail with an ``EmbedderError`` until ``mnemo reembed`` has embedded the items again.
"""
from __future__ import annotations

import builtins
import functools
import itertools
import json
import logging
import random
import re
import threading
from array import array
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
from sqlalchemy import func
from sqlmodel import col, select

from core.errors import Cancelled
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.persona.tables import PersonaTopic, PersonaTopicItem
from core.store.db import Database, scalar
from core.store.embedding import VectorSpaces, checked
from core.store.clock import utcnow
from core.ports import ChatModel, EmbedderLoader, VectorStore

log = logging.getLogger(__name__)

COLLECTION = "persona_items"
ASSIGN_SIM = 0.35          # cosine similarity to a centroid that makes an item join a topic
MERGE_DISTANCE = 0.75      # average-linkage cosine distance under which items form one topic (MiniLM: unrelated texts sit near 0.9-1.0)
MIN_TOPIC = 3              # items a new topic needs
CLUSTER_AT_MOST = 3000     # unplaced items clustered at once (average linkage keeps n² distances: 3000 -> ~70 MB);
                           # beyond, a spread sample forms the topics and the other items join them by centroid
ADD_BATCH = 512            # items embedded and stored at a time (a whole mailbox is never held at once)
UPDATE_BATCH = 2048        # items whose vectors an update reads at a time (2048 x 384 floats: ~3 MB)
NAME_AT_MOST = 20000       # snippets (of all topics) a topic's keywords are weighed against; beyond, a spread sample
NAME_PER_TOPIC = 2000      # a topic's snippets its keywords come from; beyond, a spread sample
SNIPPET = 400

NAME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 40}, "description": {"type": "string", "maxLength": 200}},
    "required": ["name", "description"],
}


@dataclass
class TopicView:
    id: int
    name: str
    description: str
    keywords: list[str]
    size: int
    examples: list[str]


def _locked(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(self: "TopicStore", *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return fn(self, *args, **kwargs)
    return wrapper


class TopicStore:
    """Keeps topic items, their vectors and the topics themselves up to date."""

    def __init__(self, db: Database, vectors: VectorStore, embedder: EmbedderLoader,
                 llm: Callable[[], ChatModel | None] | None,
                 redact: Callable[[str], str] = lambda t: t, stop_words: Callable[[], set[str]] = set) -> None:
        self.db = db
        self.vectors = vectors
        self._spaces = VectorSpaces.of(db)
        self._embedder = embedder
        self._llm = llm
        self._redact = redact
        self._stop_words = stop_words   # e.g. the user's own name: true of every topic, so it names none
        self._lock = threading.RLock()  # the worker and an import or the CLI may change topics at once

    # ---- reading ----------------------------------------------------------------------------------------------
    def list(self) -> list[TopicView]:
        with self.db.session() as s:
            topics = list(s.exec(select(PersonaTopic).order_by(col(PersonaTopic.size).desc())))
        with self.db.read() as conn:   # three examples a topic, not every item
            ex = {t.id: [x[:120] for x, in conn.execute("SELECT snippet FROM persona_topic_item WHERE topic_id = ? "
                                                        "ORDER BY rowid LIMIT 3", (t.id,))] for t in topics}
        return [TopicView(t.id or 0, t.name, t.description, list(t.keywords or []), t.size, ex.get(t.id, []))
                for t in topics]

    def known_refs(self) -> set[str]:
        with self.db.session() as s:
            return set(s.exec(select(PersonaTopicItem.ref)).all())

    # ---- writing ----------------------------------------------------------------------------------------------
    @_locked
    def add_items(self, items: Iterable[tuple[str, str, int | None]]) -> int:
        """Embed and store new items ``(ref, text, document_id)``, ``ADD_BATCH`` at a time; ``update`` places them.

        Which are new is asked of the database a batch at a time (not every stored ref held at once)."""
        added = 0
        fresh: builtins.list[tuple[str, str, int | None]] = []
        pending: dict[str, tuple[str, str, int | None]] = {}   # not yet checked against the stored refs

        def check() -> None:
            with self.db.read() as conn:
                stored = {r for r, in conn.execute(
                    f"SELECT ref FROM persona_topic_item WHERE ref IN ({','.join('?' * len(pending))})", list(pending))}
            fresh.extend(v for r, v in pending.items() if r not in stored)
            pending.clear()

        waiting: set[str] = set()   # refs in ``fresh``, not stored yet
        for r, t, d in items:
            if r in pending or r in waiting or len(t.strip()) < 20:
                continue
            pending[r] = (r, t, d)
            if len(pending) >= ADD_BATCH:
                check()
                waiting = {x for x, _, _ in fresh}
            while len(fresh) >= ADD_BATCH:
                added += self._add_batch(fresh[:ADD_BATCH])
                del fresh[:ADD_BATCH]
                waiting = {x for x, _, _ in fresh}
        if pending:
            check()
        while fresh:
            added += self._add_batch(fresh[:ADD_BATCH])
            del fresh[:ADD_BATCH]
        return added

    def _add_batch(self, fresh: builtins.list[tuple[str, str, int | None]]) -> int:
        embedder = self._embedder()
        vecs = checked(embedder, embedder.embed([t for _, t, _ in fresh]), len(fresh))
        self._spaces.check(COLLECTION, embedder.name, int(vecs.shape[1]), writing=True,
                           stored_width=lambda: self.vectors.width(COLLECTION))
        self.vectors.upsert(COLLECTION, [r for r, _, _ in fresh], vecs, [{"d": d if d is not None else -1} for _, _, d in fresh])
        with self.db.session() as s:
            for r, t, d in fresh:
                s.add(PersonaTopicItem(ref=r, document_id=d, snippet=self._redact(" ".join(t.split())[:SNIPPET])))
        return len(fresh)

    @_locked
    def remove(self, refs: Sequence[str] = (), document_id: int | None = None) -> set[int]:
        """Drop items (of a forgotten document or message), ``UPDATE_BATCH`` at a time (a mailbox's million items
        are never held at once); return the topics that changed."""
        touched: set[int] = set()
        with self.db.read() as conn:
            conn.execute("PRAGMA secure_delete=ON")
        if document_id is not None:
            pages: Iterator[tuple[str, tuple[Any, ...]]] = itertools.repeat(("document_id = ?", (document_id,)))
        else:
            wanted = list(refs)
            pages = ((f"ref IN ({','.join('?' * len(part))})", tuple(part))
                     for part in (wanted[i:i + UPDATE_BATCH] for i in range(0, len(wanted), UPDATE_BATCH)))
        for where, params in pages:
            with self.db.write() as conn:
                rows = conn.execute(f"SELECT rowid, ref, topic_id FROM persona_topic_item WHERE {where} LIMIT ?",
                                    (*params, UPDATE_BATCH)).fetchall()
                conn.executemany("DELETE FROM persona_topic_item WHERE rowid = ?", [(r[0],) for r in rows])
            if rows:
                touched |= {t for _, _, t in rows if t is not None}
                self.vectors.delete(COLLECTION, [r for _, r, _ in rows])
            if document_id is not None and len(rows) < UPDATE_BATCH:
                break
        self._recount(touched)
        return touched

    @_locked
    def scrub(self, values: Sequence[str]) -> None:
        """Remove forgotten values from stored snippets and descriptions."""
        values = [v for v in values if v and len(v) >= 3]
        if not values:
            return
        pat = re.compile("|".join(re.escape(v) for v in values), re.I)
        with self.db.read() as conn:
            conn.execute("PRAGMA secure_delete=ON")
        with self.db.write() as conn:   # one transaction; the items read a page at a time
            last = -(2 ** 63)
            while rows := conn.execute("SELECT rowid, snippet FROM persona_topic_item WHERE rowid > ? ORDER BY rowid "
                                       "LIMIT ?", (last, UPDATE_BATCH)).fetchall():
                last = rows[-1][0]
                conn.executemany("UPDATE persona_topic_item SET snippet = ? WHERE rowid = ?",
                                 [(pat.sub("…", x), rowid) for rowid, x in rows if pat.search(x)])
            for tid, name, desc, kws in conn.execute(
                    "SELECT id, name, description, keywords FROM persona_topic").fetchall():
                keywords = json.loads(kws or "[]")
                if pat.search(desc) or pat.search(name) or any(pat.search(k) for k in keywords):  # a keyword alone too
                    keywords = [k for k in keywords if not pat.search(k)]
                    conn.execute("UPDATE persona_topic SET name = ?, description = ?, keywords = ? WHERE id = ?",
                                 (pat.sub("…", name), pat.sub("…", desc), json.dumps(keywords), tid))

    @_locked
    def rebuild(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> set[int]:
        with self.db.write() as conn:
            conn.execute("DELETE FROM persona_topic")
            conn.execute("UPDATE persona_topic_item SET topic_id = NULL WHERE topic_id IS NOT NULL")
        return self.update(progress, cancel)

    @_locked
    def update(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> set[int]:
        """Place unplaced items, form new topics, name the ones that need it; return changed topic ids.

        Bounded memory: vectors are read ``UPDATE_BATCH`` items at a time (the existing topics' centroids are
        summed page by page, loose items join them page by page and their assignments are written page by
        page), only the clustered sample (at most ``CLUSTER_AT_MOST``) is held at once, and of the loose items
        that fit no topic only their rowids are kept until the sample is drawn from them."""
        cancel = token_or_new(cancel)
        with self.db.read() as conn:
            if scalar(conn, "SELECT 1 FROM persona_topic_item LIMIT 1") is None:
                return set()
            loose_n = int(scalar(conn, "SELECT COUNT(*) FROM persona_topic_item WHERE topic_id IS NULL") or 0)
        self._spaces.check_ready(COLLECTION)  # half re-embedded vectors would place items by two embedders
        changed: set[int] = set()
        if loose_n:
            tids, cents = self._centroids(cancel)
            rest = array("q")   # rowids of the loose items that joined no topic, in order
            done = 0
            for rows, vec in self._pages("topic_id IS NULL", cancel):
                done += len(rows)
                progress(Progress(done, loose_n, "placing items"))
                if tids:
                    changed |= self._join(rows, vec, tids, cents, rest)
                else:
                    rest.extend(rowid for rowid, ref, _ in rows if ref in vec)
            changed |= self._cluster(rest, cancel)
        self._recount(changed)
        self._name(changed | self._unnamed(), progress, cancel)
        return changed

    # ---- internals --------------------------------------------------------------------------------------------
    def _pages(self, where: str, cancel: CancelToken,
               ) -> Iterator[tuple[builtins.list[tuple[int, str, int | None]], dict[str, np.ndarray]]]:
        """The items matching ``where`` (rowid, ref, topic id) in rowid order, ``UPDATE_BATCH`` at a time (keyset paging),
        each page with the vectors of its items (an item without a vector is missing from them)."""
        last = -(2 ** 63)
        while True:
            if cancel.cancelled:
                raise Cancelled("Topic update stopped.")
            with self.db.read() as conn:
                rows = conn.execute(f"SELECT rowid, ref, topic_id FROM persona_topic_item WHERE rowid > ? AND {where} "
                                    "ORDER BY rowid LIMIT ?", (last, UPDATE_BATCH)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield rows, self._vectors([ref for _, ref, _ in rows])

    def _centroids(self, cancel: CancelToken) -> tuple[builtins.list[int], np.ndarray]:
        """The existing topics (ids, sorted) and the unit centroids of their items' vectors, summed page by page."""
        sums: dict[int, np.ndarray] = {}
        for rows, vec in self._pages("topic_id IS NOT NULL", cancel):
            for _, ref, t in rows:
                if t is not None and ref in vec:
                    acc = sums.get(t)
                    sums[t] = vec[ref].astype(np.float64) if acc is None else acc + vec[ref]
        tids = sorted(sums)
        if not tids:
            return [], np.zeros((0, 0), dtype=np.float32)
        return tids, np.stack([_unit(sums[t]) for t in tids]).astype(np.float32)

    def _join(self, rows: builtins.list[tuple[int, str, int | None]], vec: dict[str, np.ndarray], tids: builtins.list[int],
              cents: np.ndarray, rest: array | None) -> set[int]:
        """Assign the page's items to their nearest topic (``tids``, centroids ``cents``) where close enough and
        write that, the topics' sizes with it; the rowids of the others go to ``rest`` (if given)."""
        have = [(rowid, ref) for rowid, ref, _ in rows if ref in vec]
        if not have:
            return set()
        sims = np.stack([vec[ref] for _, ref in have]) @ cents.T
        best = np.argmax(sims, axis=1)
        joined: builtins.list[tuple[int, str]] = []
        for (rowid, ref), j, s in zip(have, best.tolist(), sims[np.arange(len(have)), best].tolist()):
            if s >= ASSIGN_SIM:
                joined.append((tids[j], ref))
            elif rest is not None:
                rest.append(rowid)
        if joined:
            grown: dict[int, int] = {}
            for t, _ in joined:
                grown[t] = grown.get(t, 0) + 1
            with self.db.write() as conn:
                conn.executemany("UPDATE persona_topic_item SET topic_id = ? WHERE ref = ?", joined)
                conn.executemany("UPDATE persona_topic SET size = size + ? WHERE id = ?",
                                 [(n, t) for t, n in grown.items()])
        return {t for t, _ in joined}

    def _cluster(self, rest: array, cancel: CancelToken) -> set[int]:
        """Form new topics from the loose items at rowids ``rest`` (all of them, or a spread sample of
        ``CLUSTER_AT_MOST``); beyond the sample, the other loose items join the nearest new topic or stay loose."""
        if len(rest) < MIN_TOPIC:
            return set()
        from sklearn.cluster import AgglomerativeClustering

        step = -(-len(rest) // CLUSTER_AT_MOST)
        wanted = spread_sample(rest, CLUSTER_AT_MOST)
        sample: builtins.list[str] = []
        with self.db.read() as conn:
            for i in range(0, len(wanted), 500):
                part = wanted[i:i + 500].tolist()
                sample += [r for r, in conn.execute(
                    f"SELECT ref FROM persona_topic_item WHERE topic_id IS NULL AND rowid IN ({','.join('?' * len(part))}) "
                    "ORDER BY rowid", part)]
        vec = self._vectors(sample)
        sample = [r for r in sample if r in vec]
        if len(sample) < MIN_TOPIC:
            return set()
        X = np.stack([vec[r] for r in sample])
        labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                         distance_threshold=MERGE_DISTANCE).fit_predict(X)
        groups = [[r for r, l in zip(sample, labels) if l == lab] for lab in sorted(set(labels.tolist()))]
        groups = [g for g in groups if len(g) >= MIN_TOPIC]
        if not groups:
            return set()
        tids: builtins.list[int] = []
        with self.db.session() as s:
            for refs in groups:
                t = PersonaTopic(name="", description="", size=len(refs))
                s.add(t)
                s.flush()
                tids.append(t.id)  # type: ignore[arg-type]
                s.connection().exec_driver_sql(
                    f"UPDATE persona_topic_item SET topic_id = ? WHERE ref IN ({','.join('?' * len(refs))})",
                    (t.id, *refs))
        changed = set(tids)
        if step > 1:
            cents = np.stack([_unit(np.mean([vec[r] for r in g], axis=0)) for g in groups])
            del X, vec
            in_sample = set(sample)
            for rows, page in self._pages("topic_id IS NULL", cancel):
                changed |= self._join([r for r in rows if r[1] not in in_sample], page, tids, cents, None)
        return changed

    def _unnamed(self) -> set[int]:
        """Topics left without a name (an update stopped before naming them): named by the next update."""
        with self.db.read() as conn:
            return {t for t, in conn.execute("SELECT id FROM persona_topic WHERE name = ''")}

    def _vectors(self, refs: builtins.list[str]) -> dict[str, np.ndarray]:
        return {i: _unit(v) for i, v in self.vectors.vectors(COLLECTION, refs).items()}

    def _recount(self, topic_ids: set[int]) -> None:
        with self.db.session() as s:
            for tid in topic_ids:
                t = s.get(PersonaTopic, tid)
                if t is None:
                    continue
                t.size = s.exec(select(func.count()).select_from(PersonaTopicItem)
                                .where(PersonaTopicItem.topic_id == tid)).one()
                if t.size == 0:
                    s.delete(t)
                else:
                    t.updated_at = utcnow()
                    s.add(t)

    def _name(self, topic_ids: set[int], progress: ProgressFn, cancel: CancelToken) -> None:
        with self.db.session() as s:
            topics = [t for t in s.exec(select(PersonaTopic)) if t.id in topic_ids and
                      (not t.name or t.size >= 1.5 * max(1, t.named_size))]
        if not topics:
            return
        keywords = _Keywords(self._snippets("topic_id IS NOT NULL", (), NAME_AT_MOST), stop=self._stop_words())
        for n, t in enumerate(topics):
            if cancel.cancelled:
                raise Cancelled("Topic naming stopped.")
            progress(Progress(n, len(topics), "naming topics"))
            snippets = self._snippets("topic_id = ?", (t.id,), NAME_PER_TOPIC)
            kws = keywords.of(snippets)
            name, desc = self._ask_name([x[:300] for x in snippets[:5]], kws)
            with self.db.session() as s:
                row = s.get(PersonaTopic, t.id)
                if row is not None:
                    row.name, row.description, row.keywords = self._redact(name), self._redact(desc), kws
                    row.named_size, row.updated_at = row.size, utcnow()
                    s.add(row)

    def _snippets(self, where: str, params: tuple[Any, ...], at_most: int) -> builtins.list[str]:
        """The snippets of the items matching ``where`` in rowid order: all of them, or beyond ``at_most`` a sample
        spread by rowid (every k-th rowid) of at most that many."""
        with self.db.read() as conn:
            n = int(scalar(conn, f"SELECT COUNT(*) FROM persona_topic_item WHERE {where}", params) or 0)
            every = -(-n // at_most) if n else 1
            return [x for x, in conn.execute(
                f"SELECT snippet FROM persona_topic_item WHERE {where} AND rowid % ? = 0 ORDER BY rowid LIMIT ?",
                (*params, every, at_most))]

    def _ask_name(self, texts: builtins.list[str], keywords: builtins.list[str]) -> tuple[str, str]:
        fallback = (" / ".join(k.title() for k in keywords[:3]) or "Miscellaneous",
                    "About " + ", ".join(keywords[:6]) + "." if keywords else "")
        if self._llm is None:
            return fallback
        joined = "\n".join(f"- {t}" for t in texts)
        messages = [
            {"role": "system", "content": "Name the common topic of these notes in 1 to 4 words and describe it in one "
                                          "sentence. Answer as JSON."},
            {"role": "user", "content": f"Notes:\n{joined}\nKeywords: {', '.join(keywords[:8])}"}]
        try:
            from models.llm import Sampling

            llm = self._llm()
            if llm is None:
                return fallback
            ans = llm.complete_json(messages, NAME_SCHEMA, Sampling(temperature=0.0, max_tokens=120))
        except Exception as exc:
            log.info("topic naming by the model failed (%s); using keywords", type(exc).__name__)
            return fallback
        name = " ".join(str(ans.get("name", "")).split()) if isinstance(ans, dict) else ""
        desc = " ".join(str(ans.get("description", "")).split()) if isinstance(ans, dict) else ""
        if not name or len(name.split()) > 6 or not re.search(r"[A-Za-z]", name):
            return fallback
        grounded = " ".join(texts + keywords).casefold()
        if not any(w in grounded for w in re.findall(r"[a-zà-ž]{4,}", name.casefold())):
            return fallback  # a name none of whose words the notes use is made up
        return name, desc or fallback[1]


def spread_sample(rowids: array, at_most: int) -> array:
    """At most ``at_most`` of ``rowids``: one from each run of ``len // at_most`` (rounded up), at a random place in
    it, seeded by the count (the same items give the same topics). Spread over the whole import like every k-th
    item, without falling in step with data that repeats every k items."""
    step = -(-len(rowids) // at_most)
    if step <= 1:
        return rowids
    rng = random.Random(len(rowids))
    return array("q", (rowids[min(i + rng.randrange(step), len(rowids) - 1)] for i in range(0, len(rowids), step)))


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


class _Keywords:
    """Top TF-IDF terms of a topic: its snippets scored against the snippets of all topics' items (or a spread
    sample of them: ``NAME_AT_MOST``)."""

    def __init__(self, docs: list[str], k: int = 8, stop: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

        self.k = k
        self.vec: TfidfVectorizer | None = None
        if not docs:
            return
        vec = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | {w.lower() for w in stop}), max_features=5000,
                              token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]{2,}\b")
        try:
            vec.fit(docs)
        except ValueError:  # only stop words
            return
        self.vec = vec
        self.terms = np.asarray(vec.get_feature_names_out())

    def of(self, snippets: list[str]) -> list[str]:
        if self.vec is None or not snippets:
            return []
        score = np.asarray(self.vec.transform(snippets).mean(axis=0)).ravel()
        return [str(t) for t in self.terms[np.argsort(-score)[:self.k]] if t]
