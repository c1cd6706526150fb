"""The topic map: memories and document passages as 2-D points, grouped into labelled topics.

Points are the vectors the stores already keep in SQLite (``memory.vector`` float32,
``chunk.vector`` float16), never re-embedded. They are projected with PCA: embeddings share a
large common component, and PCA's centring removes it, so the two axes show how items differ
(TruncatedSVD, meant for sparse counts, does not centre, and its first axis would mostly be that
shared offset). Groups are the persona's topics (``persona_topic_item``) where an item is placed
in one, so the map shows the very topics Mnemo uses; the items no topic holds yet are grouped with
KMeans on their full vectors and labelled with their most distinctive words (TF-IDF).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

from core.store.db import Database

ROLE_WORDS = {"user", "assistant", "mnemo"}   # the roles in chat text and memory notes: in every topic, naming none
MAX_POINTS = 3000     # more would crowd the picture; an even sample of them is drawn
MAX_CLUSTERS = 8      # KMeans groups for the items no persona topic holds
TEXT_LIMIT = 2000     # characters of an item's text kept with its point (what a click shows)


@dataclass(frozen=True)
class MapPoint:
    """One memory (``memory:<id>``) or passage (``chunk:<id>``) at (x, y) in topic ``cluster``."""

    ref: str
    kind: str            # "memory" | "passage"
    x: float
    y: float
    cluster: int         # index into TopicMap.clusters
    text: str
    source: str          # "journal.md line 3", "chat 4 (12 May 2025)"
    meta: dict[str, Any] = field(default_factory=dict)   # a passage's path and page, to open it


@dataclass(frozen=True)
class MapCluster:
    label: str
    words: list[str]
    size: int
    persona_topic: int | None   # the persona topic's id, None for a KMeans group
    x: float                    # where its label goes: the mean of its points
    y: float


@dataclass
class TopicMap:
    points: list[MapPoint]
    clusters: list[MapCluster]
    method: str = "PCA"
    explained: tuple[float, float] = (0.0, 0.0)   # variance share of the two axes
    total: int = 0                                # items with a vector (points is an even sample above MAX_POINTS)
    note: str = ""                                # what was left out, and why


@dataclass
class _Item:
    ref: str
    kind: str
    vec: np.ndarray
    text: str
    source: str
    meta: dict[str, Any]


def _ids(db: Database) -> list[tuple[str, int, int]]:
    """(kind, id, vector width) of every memory and passage with a stored vector, memories first, by id."""
    with db.read() as conn:
        mem = conn.execute("SELECT id, length(vector) / 4 FROM memory WHERE vector IS NOT NULL ORDER BY id")
        out = [("memory", int(i), int(w)) for i, w in mem]
        chunks = conn.execute("SELECT id, length(vector) / 2 FROM chunk WHERE vector IS NOT NULL ORDER BY id")
        out += [("passage", int(i), int(w)) for i, w in chunks]
    return out


def _in(ids: Sequence[int]) -> Iterator[str]:
    """``IN (...)`` lists of at most 500 ids (SQLite limits the parameters of one statement)."""
    for start in range(0, len(ids), 500):
        yield ",".join(str(int(i)) for i in ids[start:start + 500])


def _memory_items(db: Database, ids: Sequence[int]) -> dict[int, _Item]:
    out = {}
    with db.read() as conn:
        for part in _in(ids):
            for mid, summary, cid, date, blob in conn.execute(
                    f"SELECT id, summary, conversation_id, session_date, vector FROM memory WHERE id IN ({part})"):
                where = f"chat {cid}" if cid else "memory"
                out[int(mid)] = _Item(f"memory:{mid}", "memory", np.frombuffer(blob, dtype=np.float32).copy(),
                                      summary, f"{where} ({date})" if date else where, {})
    return out


def _chunk_items(db: Database, ids: Sequence[int]) -> dict[int, _Item]:
    import json

    from core.documents.store import fs_path

    out = {}
    with db.read() as conn:
        for part in _in(ids):
            for cid, text, source, meta, path, blob in conn.execute(
                    "SELECT c.id, c.text, c.source, c.meta, d.path, c.vector FROM chunk c JOIN document d "
                    f"ON d.id = c.document_id WHERE c.id IN ({part})"):
                m = json.loads(meta or "{}")
                m.setdefault("path", fs_path(path))
                out[int(cid)] = _Item(f"chunk:{cid}", "passage", np.frombuffer(blob, dtype=np.float16).astype(np.float32),
                                      text[:TEXT_LIMIT], source, m)
    return out


def _items(db: Database, limit: int) -> tuple[list[_Item], int, str]:
    """The items to draw (an even sample of ``limit`` when there are more), how many there are, and a note.

    Only ids and widths are read for all of them; vectors and texts only for the sample. Items of one vector
    width are kept (the most common): widths differ only while a re-embed is half done."""
    ids = _ids(db)
    widths: dict[int, int] = {}
    for _, _, w in ids:
        widths[w] = widths.get(w, 0) + 1
    note = ""
    if len(widths) > 1:
        keep = max(widths, key=lambda w: widths[w])
        left = len(ids) - widths[keep]
        note = (f"{left} item{'s' if left != 1 else ''} with vectors of another width {'are' if left != 1 else 'is'} "
                "left out until 'mnemo reembed' has finished.")
        ids = [t for t in ids if t[2] == keep]
    total = len(ids)
    if total > limit:
        ids = [ids[i] for i in np.unique(np.linspace(0, total - 1, limit).round().astype(int))]
        note = " ".join(x for x in (note, f"Showing an even sample of {len(ids)} of {total} items.") if x)
    mems = _memory_items(db, [i for k, i, _ in ids if k == "memory"])
    chunks = _chunk_items(db, [i for k, i, _ in ids if k == "passage"])
    items = [(mems if k == "memory" else chunks).get(i) for k, i, _ in ids]
    return [it for it in items if it is not None], total, note   # one forgotten since its id was read is left out


def _persona_topics(db: Database) -> tuple[dict[str, int], dict[int, tuple[str, list[str]]]]:
    """ref -> persona topic id, and topic id -> (name, keywords)."""
    import json

    with db.read() as conn:
        placed = {r: int(t) for r, t in conn.execute(
            "SELECT ref, topic_id FROM persona_topic_item WHERE topic_id IS NOT NULL")}
        topics = {int(i): (n or "", json.loads(k) if isinstance(k, str) else list(k or []))
                  for i, n, k in conn.execute("SELECT id, name, keywords FROM persona_topic")}
    return placed, topics


def _project(X: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    if len(X) < 3:
        return np.zeros((len(X), 2)) + np.arange(len(X))[:, None] * [1.0, 0.0], (0.0, 0.0)
    from sklearn.decomposition import PCA

    # ARPACK finds just the two leading components (a full SVD computes all of them)
    pca = PCA(n_components=2, svd_solver="arpack", random_state=0)
    P = pca.fit_transform(X)
    r = pca.explained_variance_ratio_
    return P, (float(r[0]), float(r[1]))


def distinctive_words(texts: list[str], groups: list[int], k: int = 3) -> dict[int, list[str]]:
    """Each group's words that are frequent in it and rare elsewhere (mean TF-IDF inside minus outside)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    if not texts:
        return {}
    try:
        vec = TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | ROLE_WORDS), max_features=8000, sublinear_tf=True,
                              token_pattern=r"(?u)\b[^\W\d_][^\W\d_-]{2,}\b")
        M = vec.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return {}
    terms = np.asarray(vec.get_feature_names_out())
    g = np.asarray(groups)
    out: dict[int, list[str]] = {}
    for gid in sorted(set(groups)):
        inside = np.asarray(M[g == gid].mean(axis=0)).ravel()
        rest = np.asarray(M[g != gid].mean(axis=0)).ravel() if (g != gid).any() else 0.0
        score = inside - rest
        top = [int(i) for i in np.argsort(-score)[:k] if score[i] > 0]
        out[gid] = [str(terms[i]) for i in top]
    return out


def topic_map(db: Database, limit: int = MAX_POINTS, max_clusters: int = MAX_CLUSTERS, seed: int = 0) -> TopicMap:
    """Every memory and passage with a stored vector (an even sample of ``limit``), projected and grouped."""
    items, total, note = _items(db, limit)
    if not items:
        return TopicMap([], [], total=0, note=note)
    from threadpoolctl import threadpool_limits

    # One BLAS/OpenMP thread while it computes: a few thousand points need no more, and on a busy machine the
    # threads mostly wait on each other (measured under load, 3000 x 384: KMeans 3.1 s with 2 threads, 0.3 s with 1).
    with threadpool_limits(limits=1):
        return _topic_map(items, total, note, db, max_clusters, seed)


def _topic_map(items: list[_Item], total: int, note: str, db: Database, max_clusters: int, seed: int) -> TopicMap:
    X = np.stack([it.vec for it in items]).astype(np.float32)
    X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    P, explained = _project(X)
    placed, topics = _persona_topics(db)
    group = np.full(len(items), -1)
    labels: list[tuple[str, list[str], int | None]] = []
    by_topic: dict[int, int] = {}
    for i, it in enumerate(items):
        tid = placed.get(it.ref)
        if tid is not None and tid in topics:
            if tid not in by_topic:
                by_topic[tid] = len(labels)
                name, kws = topics[tid]
                labels.append((name or " / ".join(w.title() for w in kws[:3]) or f"Topic {tid}", kws[:3], tid))
            group[i] = by_topic[tid]
    loose = np.flatnonzero(group < 0)
    if len(loose):
        k = max(1, min(max_clusters, len(loose), round(math.sqrt(len(loose) / 3))))
        if k > 1:
            from sklearn.cluster import KMeans

            sub = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(X[loose])
        else:
            sub = np.zeros(len(loose), dtype=int)
        words = distinctive_words([it.text for it in items], [int(g) if g >= 0 else -1 - int(s)
                                                              for g, s in zip(group, _scatter(loose, sub, len(items)))])
        base = len(labels)
        for c in range(k):
            w = words.get(-1 - c, [])
            labels.append((" · ".join(w) if w else "Other", w, None))
        group[loose] = base + sub
    points = [MapPoint(it.ref, it.kind, float(P[i, 0]), float(P[i, 1]), int(group[i]), it.text, it.source, it.meta)
              for i, it in enumerate(items)]
    clusters = []
    for c, (label, words_, tid) in enumerate(labels):
        mask = group == c
        cx, cy = (P[mask].mean(axis=0) if mask.any() else (0.0, 0.0))
        clusters.append(MapCluster(label, list(words_), int(mask.sum()), tid, float(cx), float(cy)))
    return TopicMap(points, clusters, "PCA", explained, total, note)


def _scatter(loose: np.ndarray, sub: np.ndarray, n: int) -> np.ndarray:
    """KMeans labels of ``loose`` spread over all ``n`` items (0 elsewhere; only read where loose)."""
    out = np.zeros(n, dtype=int)
    out[loose] = sub
    return out
