"""Retrieval for RMM: top-K candidates by hybrid search, then the learnable reranker orders them.

Candidates come from three places, fused by weighted reciprocal rank: topic memories
(dense + BM25 over date, note and source turns), raw turns (L0 memory: dense + BM25, so
nothing said is lost if a note is poor) and, when the documents feature is there, document
passages. A raw turn already behind a better-ranked memory is dropped (it adds nothing).

With ``through_memories`` (Mnemo's way: MemoryService sets it) memories lead to their turns:
each memory ranking becomes a ranking of the turns behind its memories (a memory's turns
nearest the query first), fused with the turn rankings, and the candidates are turns, each
with its date and speaker. A memory found by its whole segment lifts the one turn that holds
the answer, and the model's context is not spent on the rest of the segment: at the same
budget of turns this beats both plain hybrid turns and whole memories on LoCoMo's
development conversations (``mnemo eval locomo``).
A question turn among the candidates brings the turn after it (in the same conversation) to the place
just before it: the reply is where the answer is, and the question alone spends the budget. The
turns' keyword search leaves out the speakers' names (every turn starts with its speaker's).
Both were chosen on the development conversations' training-side questions (B@5 0.565 -> 0.619).
The fused score becomes the reranker's prior p in [0, 1]; what can tell a cited candidate
from another on any question, whatever its topic, are its signals (``signals``: where each
ranking placed it, the question's words it holds, whether its speaker is the one asked about,
whether it is next to a strong hit, whether it holds a time when asked when, whether the turn
before it holds the question's words, ...), whose weights the reranker learns from citations.
"""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from core.memory.reranker import SIGNALS, Reranker, kind_index
from core.memory.store import MAX_TEXT_TURNS, MEMORIES, TURNS, MemoryStore
from core.ports import DocumentSearch, TextEmbedder
from core.search.fusion import STOPWORDS, rrf
from core.store.embedding import embed_query, embed_texts

__all__ = ["Candidate", "Retrieved", "Retriever", "DEFAULT_WEIGHTS", "embed_query", "embed_texts", "features"]

# Weights of the rankings in the fusion (BM25 is the stronger signal on conversations; MiniLM
# misses names and rare words): memory-bm25, memory-dense, turn-bm25, turn-dense, passages.
DEFAULT_WEIGHTS = {"mem_kw": 1.0, "mem_dense": 0.6, "turn_kw": 0.5, "turn_dense": 0.3, "passage": 1.0}


@dataclass
class Candidate:
    """One memory, raw turn or passage that may be shown to the model."""

    kind: str                      # "memory" | "turn" | "passage"
    id: int
    text: str
    source: str
    turn_refs: list[str]
    prior: float = 0.0
    vec: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    signals: np.ndarray | None = None   # [len(SIGNALS)] in [0, 1], set by the retriever

    @property
    def ref(self) -> str:
        return f"{'chunk' if self.kind == 'passage' else self.kind}:{self.id}"


@dataclass
class Retrieved:
    query_vec: np.ndarray
    candidates: list[Candidate]
    scores: np.ndarray             # reranker scores, aligned with candidates
    seconds: float = 0.0

    def order(self) -> list[int]:
        return [int(i) for i in np.argsort(-self.scores, kind="stable")]


def features(cands: list[Candidate]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reranker's inputs for candidates: vectors [K, d], priors [K], kind indices [K], signals [K, S]."""
    sig = np.stack([c.signals if c.signals is not None else np.zeros(len(SIGNALS), np.float32) for c in cands])
    return (np.stack([c.vec for c in cands]), np.array([c.prior for c in cands], np.float32),  # type: ignore[misc]
            kind_index([c.kind for c in cands]), sig.astype(np.float32))


_SPEAKER = re.compile(r"^([^:\n]{1,40}):", re.M)
_WORD = re.compile(r"[\w']+")
# a time in a turn: a date memory resolved ("(7 May 2023)"), a relative time, a month, weekday or year
_TIME = re.compile(r"\(\d{1,2} [A-Z][a-z]+ \d{4}\)|\b(?:yesterday|today|tonight|last (?:week|weekend|month|year|night)"
                   r"|next (?:week|weekend|month|year)|ago|(?:19|20)\d\d|january|february|march|april|may|june|july"
                   r"|august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday"
                   r"|sunday)\b", re.I)
_WHEN = re.compile(r"^\s*(?:when|what (?:date|day|month|year|time))\b|\bhow long\b", re.I)
_STOP = frozenset(STOPWORDS | {"about", "after", "any", "been", "can", "could", "into", "like", "more", "other", "some",
                                "than", "would"})
_NEIGHBOURS = 5          # a candidate next to one of the fused top 5 is a neighbour of a strong hit
_LONG = 60               # words at which a candidate counts as long


def speakers_of(c: Candidate) -> list[str]:
    """Who speaks in a candidate's lines ("Name: words"; a memory's first line is its note)."""
    lines = c.text.split("\n")
    return [m.group(1).strip() for line in (lines[1:] if c.kind == "memory" and len(lines) > 1 else lines)
            if (m := _SPEAKER.match(line))]


def _stems(text: str) -> set[str]:
    return {w.lower().strip("'")[:5] for w in _WORD.findall(text)}


def _said(c: Candidate) -> str:
    """A candidate's words without the speakers' names in front of its lines."""
    return _SPEAKER.sub("", c.text if c.kind != "memory" else c.text.split("\n", 1)[-1])


def signals(cands: list[Candidate], ranks: list[dict[tuple[str, int], float]], query: str,
            q: np.ndarray) -> np.ndarray:
    """The candidates' ``SIGNALS`` [K, S], in fused order: their place in each ranking (``ranks``: rank over the
    ranking's length; 1 first .. 0 absent); the share of MAX_TEXT_TURNS each costs; the share of its lines
    spoken by someone the query names; the share of the query's words (speakers' names and stopwords left
    out, five-letter stems, weighted by how few candidates hold them) its own words hold; its cosine with the
    query; whether it is the turn next to one of the fused top 5; its length; whether it is a question;
    whether it holds a time when the query asks when; its fused place; and the query's words the turn just
    before it holds (its overlap, when that turn is a candidate too): a reply to a line that asked or said what
    the question asks about is where the answer usually is."""
    words = {w for w in _WORD.findall(query.lower())}
    who = [speakers_of(c) for c in cands]
    names = {w for ws in who for s in ws for w in _WORD.findall(s.lower())}
    qstems = {w[:5] for w in words if len(w) > 2 and w not in _STOP and w not in names}
    said = [_said(c) for c in cands]
    held = [_stems(t) & qstems for t in said]
    df = {w: sum(w in h for h in held) for w in qstems}
    idf = {w: float(np.log(1.0 + len(cands) / (1.0 + n))) for w, n in df.items()}
    total = sum(idf.values())
    top = {(c.meta.get("conversation_id"), c.id) for c in cands[:_NEIGHBOURS] if c.kind == "turn"}
    when = bool(_WHEN.search(query))
    K = len(cands)
    out = np.zeros((K, len(SIGNALS)), np.float32)
    for n, c in enumerate(cands):
        key = (c.kind, c.id)
        named = [any(w in words for w in _WORD.findall(s.lower()) if len(w) > 2) for s in who[n]]
        conv = c.meta.get("conversation_id")
        out[n] = [*(1.0 - r[key] if key in r else 0.0 for r in ranks),
                  min(len(c.turn_refs), MAX_TEXT_TURNS) / MAX_TEXT_TURNS,
                  sum(named) / len(named) if named else 0.0,
                  sum(idf[w] for w in held[n]) / total if total else 0.0,
                  float(c.vec @ q) if c.vec is not None else 0.0,
                  float(c.kind == "turn" and conv is not None and ((conv, c.id - 1) in top or (conv, c.id + 1) in top)),
                  min(len(_WORD.findall(said[n])), _LONG) / _LONG,
                  float(said[n].rstrip().endswith("?")),
                  float(when and bool(_TIME.search(said[n]))),
                  1.0 - n / K, 0.0]
    ov, aft = SIGNALS.index("overlap"), SIGNALS.index("after_match")
    at = {(c.meta.get("conversation_id"), c.id): n for n, c in enumerate(cands)
          if c.kind == "turn" and c.meta.get("conversation_id") is not None}
    for n, c in enumerate(cands):
        before = at.get((c.meta.get("conversation_id"), c.id - 1)) if c.kind == "turn" else None
        if before is not None:
            out[n, aft] = out[before, ov]
    return out


class Retriever:
    """Hybrid top-K + reranking over one store (and documents, when given)."""

    def __init__(self, store: MemoryStore, embedder: Callable[[], TextEmbedder], reranker: Reranker,
                 documents: DocumentSearch | None = None, weights: dict[str, float] | None = None,
                 rrf_k: Callable[[], int] = lambda: 60, through_memories: bool = False) -> None:
        self.store = store
        self._embedder = embedder
        self.reranker = reranker
        self._documents = documents
        self.weights = dict(DEFAULT_WEIGHTS, **(weights or {}))
        self._rrf_k = rrf_k
        self.through_memories = through_memories   # memories lead to their turns (the turns are the candidates)
        self._qcache: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()

    def query_vector(self, query: str) -> np.ndarray:
        embedder = self._embedder()
        key = (id(embedder), query)  # another embedder (a changed setting) has other vectors
        v = self._qcache.get(key)
        if v is None:
            v = embed_query(embedder, query)
            self._qcache[key] = v
            while len(self._qcache) > 256:
                self._qcache.popitem(last=False)
        return v

    def retrieve(self, query: str, k: int = 20, use_turns: bool = True, use_memories: bool = True,
                 qvec: np.ndarray | None = None) -> Retrieved:
        """Top-``k`` candidates with their reranker scores (best first after ``order()``)."""
        t0 = time.perf_counter()
        q = self.query_vector(query) if qvec is None else qvec
        n = max(2 * k, 40)
        rankings: list[list[tuple[str, int]]] = []
        weights: list[float] = []
        w = self.weights
        none: list[tuple[str, int]] = []
        mem_kw = [("memory", i) for i, _ in self.store.keyword(MEMORIES, query, n)] if use_memories else none
        mem_dn = [("memory", i) for i, _ in self.store.dense(MEMORIES, q, n)] if use_memories else none
        turn_kw = [("turn", i) for i, _ in self.store.keyword(TURNS, self._without_speakers(query), n)] \
            if use_turns else none
        turn_dn = [("turn", i) for i, _ in self.store.dense(TURNS, q, n)] if use_turns else none
        if use_memories and self.through_memories:   # memories lead to their turns: rankings of turns
            mem_kw, mem_dn = self._through_memories([mem_kw, mem_dn], q)
        if use_memories:
            rankings += [mem_kw, mem_dn]
            weights += [w["mem_kw"], w["mem_dense"]]
        if use_turns:
            rankings += [turn_kw, turn_dn]
            weights += [w["turn_kw"], w["turn_dense"]]
        passages: dict[int, Any] = {}
        if self._documents is not None:
            hits = self._documents.search(query, k)
            passages = {int(h.chunk_id): h for h in hits}
            rankings.append([("passage", int(h.chunk_id)) for h in hits])
            weights.append(w["passage"])
        fused = rrf(rankings, k=self._rrf_k(), weights=weights)
        cands = self._materialise(fused, k, passages)
        if cands:
            hi, lo = max(c.prior for c in cands), min(c.prior for c in cands)
            ranks = [{key: r / max(len(lst), n) for r, key in enumerate(lst)} for lst in (mem_kw, mem_dn, turn_kw, turn_dn)]
            for c, sig in zip(cands, signals(cands, ranks, query, q)):
                c.prior = (c.prior - lo) / (hi - lo) if hi > lo else 1.0
                c.signals = sig
            scores = self.reranker.scores(q, *features(cands))
        else:
            scores = np.zeros(0, np.float32)
        return Retrieved(q, cands, scores, time.perf_counter() - t0)

    def _without_speakers(self, query: str) -> str:
        """The query for the turns' keyword search without the speakers' names: every turn starts with its
        speaker's, so a name matches half the conversation (at a BM25 weight of ~0) and fills the ranking's tail
        with turns that share nothing else with the question; who speaks is a reranker signal instead."""
        names = {w for s in self.store.speakers() for w in _WORD.findall(s.lower())}
        kept = [w for w in _WORD.findall(query) if w.lower() not in names]
        return " ".join(kept) if kept else query

    def _through_memories(self, lists: list[list[tuple[str, int]]], q: np.ndarray) -> list[list[tuple[str, int]]]:
        """Memory rankings as rankings of their source turns (a memory's turns nearest the query first)."""
        sources = self.store.sources_of(list({i for lst in lists for _, i in lst}))
        tid = self.store.turn_ids({r for refs in sources.values() for r in refs})
        ids = list(tid.values())
        cos = dict(zip(ids, (self.store.vectors_of(TURNS, ids) @ q).tolist())) if ids else {}
        out = []
        for lst in lists:
            seen: set[int] = set()
            turns: list[tuple[str, int]] = []
            for _, i in lst:
                src = [tid[r] for r in sources.get(i, []) if r in tid]
                if not src and i in sources:   # no stored turn behind it (added directly): the memory itself
                    turns.append(("memory", i))
                for t in sorted(src, key=lambda t: -cos[t]):
                    if t not in seen:
                        seen.add(t)
                        turns.append(("turn", t))
            out.append(turns)
        return out

    def _materialise(self, fused: list[tuple[Any, float]], k: int, passages: dict[int, Any]) -> list[Candidate]:
        head = fused[: 3 * k]
        mem_ids = [i for (kind, i), _ in head if kind == "memory"]
        turn_ids = [i for (kind, i), _ in head if kind == "turn"]
        mems = self.store.many(mem_ids)
        turns = self.store.turns(turn_ids)
        # the turn after each question asked among them comes just before it: most likely its answer
        asked = [i for i in turn_ids if i in turns and turns[i].text.rstrip().endswith("?")]
        more = self.store.turns([i + 1 for i in asked if i + 1 not in turns])
        turns.update(more)
        turn_ids += list(more)
        reply = {i: i + 1 for i in asked if i + 1 in turns and turns[i + 1].conversation_id == turns[i].conversation_id}
        head = [e for key, sc in head
                for e in ([(("turn", reply[key[1]]), sc), (key, sc)] if key[0] == "turn" and key[1] in reply
                          else [(key, sc)])]
        mvecs = dict(zip(mem_ids, self.store.vectors_of(MEMORIES, mem_ids)))
        tvecs = dict(zip(turn_ids, self.store.vectors_of(TURNS, turn_ids)))
        covered: set[str] = set()
        out: list[Candidate] = []
        pending_passages: list[Candidate] = []
        for (kind, i), score in head:
            if len(out) >= k:
                break
            if kind == "memory" and i in mems:
                m = mems[i]
                covered.update(m.sources)
                out.append(Candidate("memory", i, m.text, f"memory of {m.session_date}" if m.session_date else "memory",
                                     list(m.sources), score, mvecs[i], {"summary": m.summary}))
            elif kind == "turn" and i in turns:
                t = turns[i]
                if t.ref in covered:
                    continue
                covered.add(t.ref)
                out.append(Candidate("turn", i, t.text, f"chat of {t.session_date}" if t.session_date else "chat",
                                     [t.ref], score, tvecs[i], {"conversation_id": t.conversation_id}))
            elif kind == "passage" and i in passages:
                h = passages[i]
                c = Candidate("passage", i, h.text, h.source, [], score, None, dict(h.meta or {}))
                out.append(c)
                pending_passages.append(c)
        if pending_passages:
            vecs = embed_texts(self._embedder(), [c.text[:1000] for c in pending_passages])
            for c, v in zip(pending_passages, vecs):
                c.vec = v
        return out
