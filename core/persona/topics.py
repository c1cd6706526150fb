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
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from sqlalchemy import delete
from sqlmodel import col, select

from core.errors import Cancelled
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.persona.tables import PersonaTopic, PersonaTopicItem
from core.store.db import Database
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
            items = list(s.exec(select(PersonaTopicItem).where(col(PersonaTopicItem.topic_id).is_not(None))))
        ex: dict[int, list[str]] = {}
        for it in items:
            ex.setdefault(it.topic_id or 0, []).append(it.snippet[:120])
        return [TopicView(t.id or 0, t.name, t.description, list(t.keywords or []), t.size, ex.get(t.id or 0, [])[:3])
                for t in topics]

    def known_refs(self) -> set[str]:
        with self.db.session() as s:
            return set(s.exec(select(PersonaTopicItem.ref)).all())

    # ---- writing ----------------------------------------------------------------------------------------------
    @_locked
    def add_items(self, items: Iterable[tuple[str, str, int | None]]) -> int:
        """Embed and store new items ``(ref, text, document_id)``, ``ADD_BATCH`` at a time; ``update`` places them."""
        known = self.known_refs()
        added = 0
        fresh: builtins.list[tuple[str, str, int | None]] = []
        for r, t, d in items:
            if r in known or len(t.strip()) < 20:
                continue
            known.add(r)
            fresh.append((r, t, d))
            if len(fresh) >= ADD_BATCH:
                added += self._add_batch(fresh)
                fresh = []
        return added + (self._add_batch(fresh) if fresh else 0)

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
        """Drop items (of a forgotten document or message); return the topics that changed."""
        with self.db.session() as s:
            s.connection().exec_driver_sql("PRAGMA secure_delete=ON")
            q = select(PersonaTopicItem)
            q = q.where(PersonaTopicItem.document_id == document_id) if document_id is not None else \
                q.where(col(PersonaTopicItem.ref).in_(list(refs)))
            rows = list(s.exec(q))
            touched = {r.topic_id for r in rows if r.topic_id is not None}
            gone = [r.ref for r in rows]
            for r in rows:
                s.delete(r)
        if gone:
            self.vectors.delete(COLLECTION, gone)
        self._recount(touched)
        return touched  # type: ignore[return-value]

    @_locked
    def scrub(self, values: Sequence[str]) -> None:
        """Remove forgotten values from stored snippets and descriptions."""
        values = [v for v in values if v and len(v) >= 3]
        if not values:
            return
        pat = re.compile("|".join(re.escape(v) for v in values), re.I)
        with self.db.session() as s:
            s.connection().exec_driver_sql("PRAGMA secure_delete=ON")
            for it in s.exec(select(PersonaTopicItem)):
                if pat.search(it.snippet):
                    it.snippet = pat.sub("…", it.snippet)
                    s.add(it)
            for t in s.exec(select(PersonaTopic)):
                if pat.search(t.description) or pat.search(t.name):
                    t.description, t.name = pat.sub("…", t.description), pat.sub("…", t.name)
                    t.keywords = [k for k in t.keywords if not pat.search(k)]
                    s.add(t)

    @_locked
    def rebuild(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> set[int]:
        with self.db.session() as s:
            s.exec(delete(PersonaTopic))
            for it in s.exec(select(PersonaTopicItem)):
                it.topic_id = None
                s.add(it)
        return self.update(progress, cancel)

    @_locked
    def update(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> set[int]:
        """Place unplaced items, form new topics, name the ones that need it; return changed topic ids."""
        cancel = token_or_new(cancel)
        with self.db.session() as s:
            items = list(s.exec(select(PersonaTopicItem)))
        if not items:
            return set()
        self._spaces.check_ready(COLLECTION)  # half re-embedded vectors would place items by two embedders
        vec = self._vectors([it.ref for it in items])
        items = [it for it in items if it.ref in vec]
        placed = [it for it in items if it.topic_id is not None]
        loose = [it for it in items if it.topic_id is None]
        changed: set[int] = set()
        assign: dict[str, int] = {}
        if placed and loose:
            tids = sorted({it.topic_id for it in placed if it.topic_id is not None})
            cents = np.stack([_unit(np.mean([vec[it.ref] for it in placed if it.topic_id == t], axis=0)) for t in tids])
            for it in loose:
                sims = cents @ vec[it.ref]
                j = int(np.argmax(sims))
                if sims[j] >= ASSIGN_SIM:
                    assign[it.ref] = tids[j]
                    changed.add(tids[j])
        rest = [it for it in loose if it.ref not in assign]
        new_groups: list[list[str]] = []
        if len(rest) >= MIN_TOPIC:
            from sklearn.cluster import AgglomerativeClustering

            step = -(-len(rest) // CLUSTER_AT_MOST)   # every item, or an evenly spread sample of CLUSTER_AT_MOST
            sample = rest[::step]
            X = np.stack([vec[it.ref] for it in sample])
            labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                             distance_threshold=MERGE_DISTANCE).fit_predict(X)
            for lab in sorted(set(labels.tolist())):
                refs = [it.ref for it, l in zip(sample, labels) if l == lab]
                if len(refs) >= MIN_TOPIC:
                    new_groups.append(refs)
            if step > 1 and new_groups:   # the items outside the sample join the nearest new topic, or stay loose
                cents = np.stack([_unit(np.mean([vec[r] for r in g], axis=0)) for g in new_groups])
                for i, it in enumerate(rest):
                    if i % step:
                        sims = cents @ vec[it.ref]
                        j = int(np.argmax(sims))
                        if sims[j] >= ASSIGN_SIM:
                            new_groups[j].append(it.ref)
        with self.db.session() as s:
            for refs in new_groups:
                t = PersonaTopic(name="", description="")
                s.add(t)
                s.flush()
                for r in refs:
                    assign[r] = t.id  # type: ignore[assignment]
                changed.add(t.id)  # type: ignore[arg-type]
            for it in s.exec(select(PersonaTopicItem).where(col(PersonaTopicItem.ref).in_(list(assign)))):
                it.topic_id = assign[it.ref]
                s.add(it)
        self._recount(changed)
        self._name(changed, progress, cancel)
        return changed

    # ---- internals --------------------------------------------------------------------------------------------
    def _vectors(self, refs: builtins.list[str]) -> dict[str, np.ndarray]:
        return {i: _unit(v) for i, v in self.vectors.vectors(COLLECTION, refs).items()}

    def _recount(self, topic_ids: set[int]) -> None:
        with self.db.session() as s:
            for tid in topic_ids:
                t = s.get(PersonaTopic, tid)
                if t is None:
                    continue
                t.size = len(s.exec(select(PersonaTopicItem.ref).where(PersonaTopicItem.topic_id == tid)).all())
                if t.size == 0:
                    s.delete(t)
                else:
                    t.updated_at = utcnow()
                    s.add(t)

    def _name(self, topic_ids: set[int], progress: ProgressFn, cancel: CancelToken) -> None:
        with self.db.session() as s:
            topics = [t for t in s.exec(select(PersonaTopic)) if t.id in topic_ids and
                      (not t.name or t.size >= 1.5 * max(1, t.named_size))]
            items = list(s.exec(select(PersonaTopicItem).where(col(PersonaTopicItem.topic_id).is_not(None))))
        if not topics:
            return
        keywords = _keywords(items, stop=self._stop_words())
        for n, t in enumerate(topics):
            if cancel.cancelled:
                raise Cancelled("Topic naming stopped.")
            progress(Progress(n, len(topics), "naming topics"))
            kws = keywords.get(t.id or 0, [])
            texts = [it.snippet[:300] for it in items if it.topic_id == t.id][:5]
            name, desc = self._ask_name(texts, kws)
            with self.db.session() as s:
                row = s.get(PersonaTopic, t.id)
                if row is not None:
                    row.name, row.description, row.keywords = self._redact(name), self._redact(desc), kws
                    row.named_size, row.updated_at = row.size, utcnow()
                    s.add(row)

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


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def _keywords(items: list[PersonaTopicItem], k: int = 8, stop: set[str] = frozenset()) -> dict[int, list[str]]:  # type: ignore[assignment]
    """Top TF-IDF terms of each topic (its items against all items)."""
    docs = [it.snippet for it in items]
    if not docs:
        return {}
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    try:
        vec = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | {w.lower() for w in stop}), max_features=5000,
                              token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]{2,}\b")
        X = vec.fit_transform(docs)
    except ValueError:  # only stop words
        return {}
    terms = np.asarray(vec.get_feature_names_out())
    out: dict[int, list[str]] = {}
    for tid in {it.topic_id for it in items if it.topic_id is not None}:
        rows = [i for i, it in enumerate(items) if it.topic_id == tid]
        score = np.asarray(X[rows].mean(axis=0)).ravel()
        out[tid] = [str(t) for t in terms[np.argsort(-score)[:k]] if t]  # type: ignore[index]
    return out
