"""``mnemo eval locomo``: evidence recall of Mnemo's reflective memory on the LoCoMo format.

Each conversation is loaded as one user's chat history (one stored conversation per
session, with the session's date) into a fresh data folder, reflected on with the model
(prospective reflection), then each question of categories 1-4 is asked of the memory.
Recall@k = the share of a question's evidence turns found among the turns behind the top-k
retrieved items (a memory brings the turns it came from; a raw turn brings itself). The
mean number of distinct turns behind the top 5 is reported beside it, so item recall is
never mistaken for turn recall.

Compared on the same held-out questions: dense retrieval over raw turns (the baseline),
hybrid retrieval over raw turns, Mnemo's fused retrieval (memories + turns), and Mnemo with
the reranker before (the fused order, exactly) and after online training from citations
(``core.memory.reranker``: REINFORCE for its matrices, a pairwise step for its signal
weights) on the questions about the earlier
sessions (``core.evals.split``: evidence disjoint from the test questions'; reward: a shown
item holds an evidence turn, standing in for the model's citation).

Two figures say what a reranker change is worth without looking at the held-out questions: the
best order of the candidates (those holding evidence first: the most any reranking of the same
K candidates can reach, so the share of that gap the trained reranker closes), and a forward
check on the training side (``FORWARD_CUTS``): a fresh reranker trained on the earlier training
questions and tested on the later ones, as the held-out questions are later than the training ones.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from core.grounding.check import Support
from core.errors import Cancelled
from core.evals.answer_words import AnswerWords
from core.evals.budget import BUDGETS, Item, budget_recall
from core.evals.split import Split, split_by_time
from core.evals.locomo_data import CATEGORIES, Conversation, Question, load_locomo
from core.jobs import CancelToken, Progress, ProgressFn, no_progress
from core.memory.reflect import ReflectionStats
from core.memory.reranker import SIGNAL_LR, Reranker
from core.memory.retrieval import Candidate, Retrieved, embed_query, features
from core.memory.store import TURNS
from core.search.fusion import rrf

if TYPE_CHECKING:
    from core.chat.store import ConversationStore
    from core.memory.service import MemoryService
    from core.ports import ChatModelLoader, TextEmbedder
    from core.store.db import Database

KS = (5, 10, 20)
METHODS = ("dense turns (baseline)", "hybrid turns", "mnemo fused", "mnemo reranked, untrained",
           "mnemo reranked, trained", "mnemo fused, whole memories", "best order of the candidates")
# the cuts of the training questions (by session time) of the forward check: it trains a fresh reranker on the
# earlier ones and tests it on the later ones, so that reranker changes can be chosen without the held-out half
FORWARD_CUTS = (0.35, 0.5, 0.65)


def recall(order: Sequence[Item], evidence: set[str], k: int) -> float:
    """Item recall@k: the share of ``evidence`` among all the turns behind the top ``k`` items."""
    got = {d for it in order[:k] for d in it.turns}
    return len(evidence & got) / len(evidence) if evidence else 0.0


def token_f1(pred: str, gold: str) -> float:
    """SQuAD-style token F1 (lower-cased, punctuation and articles dropped)."""
    def toks(s: str) -> list[str]:
        s = re.sub(r"\b(a|an|the|and)\b", " ", re.sub(r"[^\w\s]", " ", str(s).lower()))
        return s.split()
    p, g = toks(pred), toks(gold)
    common = sum(min(p.count(w), g.count(w)) for w in set(p) & set(g))
    if not p or not g or common == 0:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


class _Scores:
    def __init__(self) -> None:
        self.rows: dict[str, dict[int, list[list[float]]]] = defaultdict(lambda: defaultdict(list))

    def add(self, method: str, cat: int, order: Sequence[Item], ev: set[str]) -> None:
        turns5 = len({d for it in order[:5] for d in it.turns})
        at_budget = [budget_recall(order, ev, b) for b in BUDGETS]
        self.rows[method][cat].append([*(recall(order, ev, k) for k in KS), turns5,
                                       *(r for r, _ in at_budget), *(t for _, t in at_budget)])

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        nk, nb = len(KS), len(BUDGETS)
        for method, cats in sorted(self.rows.items(), key=lambda mc: METHODS.index(mc[0])):
            allrows = np.array([r for rows in cats.values() for r in rows])
            def pack(a: np.ndarray) -> dict[str, float]:
                return {**{f"recall@{k}": round(float(a[:, j].mean()), 4) for j, k in enumerate(KS)},
                        "turns@5": round(float(a[:, nk].mean()), 2),
                        **{f"budget@{b}": round(float(a[:, nk + 1 + j].mean()), 4) for j, b in enumerate(BUDGETS)},
                        **{f"tokens@{b}": round(float(a[:, nk + 1 + nb + j].mean()), 1)
                           for j, b in enumerate(BUDGETS)},
                        "n": int(len(a))}
            out[method] = {"overall": pack(allrows),
                           "by_category": {CATEGORIES[c]: pack(np.array(rows)) for c, rows in sorted(cats.items())}}
        return out


@dataclass(frozen=True)
class _Params:
    """The evaluation's settings (``run_locomo``'s keywords)."""

    k: int
    m: int
    tau: float
    lr: float
    baseline: float
    train_frac: float
    epochs: int
    answers: bool
    seed: int

    def settings(self, model: bool) -> dict[str, Any]:
        return {"k": self.k, "m": self.m, "tau": self.tau, "lr": self.lr, "baseline": self.baseline,
                "train_frac": self.train_frac, "epochs": self.epochs, "model": model}


@dataclass
class _Tally:
    """What the conversations add up to: scores, timings, reflection figures, latencies, answer F1."""

    scores: _Scores = field(default_factory=_Scores)        # held-out questions
    scores_all: _Scores = field(default_factory=_Scores)    # every question, no reranker training
    scores_train: _Scores = field(default_factory=_Scores)  # the training questions, before and after training
    scores_forward: _Scores = field(default_factory=_Scores)  # training side: earlier questions train, later test
    timing: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    refl: ReflectionStats = field(default_factory=ReflectionStats)
    latency_ms: list[float] = field(default_factory=list)   # query embedding + hybrid search + rerank
    search_ms: list[float] = field(default_factory=list)    # hybrid search + rerank (query vector given)
    f1s: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    invented: list[bool] = field(default_factory=list)      # answers holding a value the conversation lacks
    n_train: int = 0
    n_test: int = 0
    n_dropped: int = 0                                       # evidence on both sides of the time cut
    updates: int = 0                                         # reranker training steps
    answer_words: AnswerWords = field(default_factory=AnswerWords)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.timing[phase] += time.perf_counter() - t0


@dataclass
class _Home:
    """One conversation's fresh data folder, opened."""

    db: Database
    conversations: ConversationStore
    memory: MemoryService


class _Refs:
    """Message refs ("msg:12") to LoCoMo dialogue ids, for one conversation."""

    def __init__(self, ref2dia: dict[str, str]) -> None:
        self.ref2dia = ref2dia

    def dias(self, refs: Sequence[str]) -> list[str]:
        return [self.ref2dia.get(r, r) for r in refs]

    def order(self, cands: list[Candidate], order: Sequence[int]) -> list[Item]:
        return [Item.of(self.dias(cands[i].turn_refs), cands[i].text) for i in order]

    def turns(self, mem: MemoryService, ids: list[int]) -> list[Item]:
        tmap = mem.store.turns(ids)
        return [Item.of([self.ref2dia.get(tmap[i].ref, "")], tmap[i].text) for i in ids]


def _load_history(home: _Home, conv: Conversation) -> tuple[list[int], dict[str, str]]:
    """Store each session as a conversation; return their ids and msg ref -> dia_id."""
    ids, ref2dia = [], {}
    a = conv.speakers[0]
    for s in conv.sessions:
        cid = home.conversations.create(f"{conv.sample_id} session {s.index}", meta={"session_date": s.date}).id
        assert cid is not None  # stored: SQLite gave it its id
        ids.append(cid)
        for t in s.turns:
            role = "user" if t.speaker == a else "assistant"
            msg = home.conversations.add_message(cid, role, t.text, meta={"speaker": t.speaker}, created_at=s.when)
            ref2dia[f"msg:{msg.id}"] = t.dia_id
    return ids, ref2dia


def _open(home: Path, embedder: TextEmbedder, llm: ChatModelLoader | None) -> _Home:
    from core.chat.store import ConversationStore
    from core.memory.service import MemoryService
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.vectors import VectorIndex

    db = Database(home / "mnemo.sqlite3")
    conversations = ConversationStore(db)
    memory = MemoryService(db, VectorIndex(home / "vectors"), conversations, SettingsStore(home / "settings.json"),
                           llm, lambda: embedder, home / "models")
    return _Home(db, conversations, memory)


def _prepare_folder(workdir: Path, conv: Conversation, reuse: bool) -> tuple[Path, bool]:
    """The conversation's data folder (emptied unless ``reuse`` finds a reflected one) and whether it is reused."""
    home = Path(workdir) / re.sub(r"[^\w.-]", "_", conv.sample_id)
    reused = reuse and (home / "ref2dia.json").exists()
    if not reused:
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
    (home / "models" / "reranker.safetensors").unlink(missing_ok=True)  # every user starts untrained
    return home, reused


def _reflect(svc: _Home, folder: Path, reused: bool, conv: Conversation, tally: _Tally,
             progress: ProgressFn, cancel: CancelToken | None) -> _Refs:
    """Load the sessions as stored conversations and reflect on each; returns the ref -> dia_id map."""
    with tally.timed("load history"):
        if reused:  # development only: the folder of an earlier run, reflected already
            conv_ids: list[int] = []
            ref2dia = json.loads((folder / "ref2dia.json").read_text())
        else:
            conv_ids, ref2dia = _load_history(svc, conv)
    for si, cid in enumerate(conv_ids):
        if cancel is not None and cancel.cancelled:
            raise Cancelled("Evaluation stopped.")
        progress(Progress(si, len(conv_ids), f"{conv.sample_id}: reflecting on session {si + 1}/{len(conv_ids)}"))
        tally.refl.add(svc.memory.reflect_conversation(cid, cancel))
    (folder / "ref2dia.json").write_text(json.dumps(ref2dia))
    return _Refs(ref2dia)


def _split_questions(conv: Conversation, p: _Params) -> tuple[list[Question], Split]:
    """All questions of categories 1-4 with evidence in the loaded sessions, and their split by session time
    (``core.evals.split``: no test question's evidence is any training question's)."""
    known = {t.dia_id for s in conv.sessions for t in s.turns}
    qs = [q for q in conv.questions if q.category in (1, 2, 3, 4) and q.evidence & known]
    return qs, split_by_time(qs, conv.sessions, p.train_frac)


def _score_baselines(mem: MemoryService, refs: _Refs, qs: list[Question], test: list[Question],
                     qvecs: dict[str, np.ndarray], p: _Params, tally: _Tally, train: Sequence[Question] = ()) -> None:
    """Dense turns, hybrid turns, fused and untrained-reranker orders for every question."""
    test_ids = {id(q) for q in test}
    train_ids = {id(q) for q in train}
    for q in qs:
        qv = qvecs[q.question]
        dense = refs.turns(mem, [i for i, _ in mem.store.dense(TURNS, qv, 20)])
        kw = mem.store.keyword(TURNS, q.question, 40)
        dn = mem.store.dense(TURNS, qv, 40)
        hybrid = refs.turns(mem, [i for i, _ in rrf([[i for i, _ in kw], [i for i, _ in dn]])][:20])
        got = mem.retriever.retrieve(q.question, k=p.k, qvec=qv)
        fused_order = refs.order(got.candidates, range(len(got.candidates)))
        untrained = refs.order(got.candidates, got.order())
        mode, mem.retriever.through_memories = mem.retriever.through_memories, False
        try:   # what Mnemo did before memories led to their turns: a memory shown whole, with all its turns
            whole = mem.retriever.retrieve(q.question, k=p.k, qvec=qv)
        finally:
            mem.retriever.through_memories = mode
        whole_order = refs.order(whole.candidates, range(len(whole.candidates)))
        best = _best_order(fused_order, q.evidence)
        for sc in ([tally.scores_all] + ([tally.scores] if id(q) in test_ids else [])):
            sc.add(METHODS[0], q.category, dense, q.evidence)
            sc.add(METHODS[1], q.category, hybrid, q.evidence)
            sc.add(METHODS[2], q.category, fused_order, q.evidence)
            sc.add(METHODS[3], q.category, untrained, q.evidence)
            sc.add(METHODS[5], q.category, whole_order, q.evidence)
            sc.add(METHODS[6], q.category, best, q.evidence)
        if id(q) in train_ids:
            tally.scores_train.add(METHODS[3], q.category, untrained, q.evidence)


def _answer_words(mem: MemoryService, refs: _Refs, qs: list[Question], conv: Conversation, tally: _Tally) -> None:
    """How much of each answer the memories built from its evidence turns hold (``core.evals.answer_words``)."""
    dia2ref = {d: r for r, d in refs.ref2dia.items()}
    text_of = {t.dia_id: f"{t.speaker}: {t.text}" for s in conv.sessions for t in s.turns}
    by_turn: dict[str, list[Any]] = defaultdict(list)
    for m in mem.store.list(limit=1_000_000):
        for r in m.sources:
            by_turn[r].append(m)
    for q in qs:
        mems = {m.id: m for d in q.evidence for m in by_turn.get(dia2ref.get(d, ""), [])}.values()
        tally.answer_words.add(q.answer, [m.text.split("\n", 1)[0] for m in mems], [m.text for m in mems],
                               [text_of[d] for d in q.evidence if d in text_of])


def _best_order(order: Sequence[Item], evidence: set[str]) -> list[Item]:
    """The candidates holding evidence first (each group in its order): the most a reranking can reach."""
    return sorted(order, key=lambda it: not set(it.turns) & evidence)


@dataclass
class _Asked:
    """One question's candidates as the reranker sees them (they do not depend on its weights)."""

    q: Question
    got: Retrieved
    feats: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]   # features(got.candidates)
    cited: list[bool]                                               # holds an evidence turn

    @classmethod
    def of(cls, mem: MemoryService, refs: _Refs, q: Question, qvec: np.ndarray, p: _Params) -> "_Asked":
        got = mem.retriever.retrieve(q.question, k=p.k, qvec=qvec)
        return cls(q, got, features(got.candidates) if got.candidates else (np.zeros(0),) * 4,  # type: ignore[arg-type]
                   [bool(set(refs.dias(c.turn_refs)) & q.evidence) for c in got.candidates])

    def order(self, reranker: Reranker) -> list[int]:
        if not self.got.candidates:
            return []
        return [int(i) for i in np.argsort(-reranker.scores(self.got.query_vec, *self.feats), kind="stable")]


def _train(reranker: Reranker, asked: Sequence[_Asked], p: _Params, rng: np.random.Generator) -> int:
    """Online learning on the training questions, in time order, ``epochs`` passes: reward +1 for a shown item
    holding an evidence turn (the citation a right answer makes), -1 for one shown and not; returns the number
    of updates."""
    n = 0
    for _ in range(p.epochs):
        for a in asked:
            if not a.got.candidates:
                continue
            M, prior, kinds, sig = a.feats
            scores = reranker.scores(a.got.query_vec, M, prior, kinds, sig)
            shown = reranker.sample(scores, min(p.m, len(a.got.candidates)), p.tau, rng)
            rewards = [1.0 if a.cited[i] else -1.0 for i in shown]
            reranker.update(a.got.query_vec, M, prior, shown, rewards, lr=p.lr, baseline=p.baseline, tau=p.tau,
                            kinds=kinds, signals=sig)
            n += 1
    return n


def _train_reranker(mem: MemoryService, refs: _Refs, train: list[Question], qvecs: dict[str, np.ndarray],
                    p: _Params, rng: np.random.Generator) -> int:
    """The user's reranker trained on the training questions (``_train``) and saved; returns the updates."""
    n = _train(mem.reranker, [_Asked.of(mem, refs, q, qvecs[q.question], p) for q in train], p, rng)
    mem.reranker.save()
    return n


def _forward_check(mem: MemoryService, refs: _Refs, train: list[Question], conv: Conversation,
                   qvecs: dict[str, np.ndarray], p: _Params, tally: _Tally) -> None:
    """Training side only: at each of ``FORWARD_CUTS`` (by session time, evidence disjoint), a fresh reranker
    learns from the earlier training questions and is scored on the later ones, before and after."""
    asked = {id(q): _Asked.of(mem, refs, q, qvecs[q.question], p) for q in train}
    rng = np.random.default_rng(p.seed + 1)   # its own draws: the held-out figures do not depend on it
    for frac in FORWARD_CUTS:
        split = split_by_time(train, conv.sessions, frac)
        if not split.train or not split.test:
            continue
        fresh = Reranker(mem.reranker.dim, beta0=mem.reranker.beta0, signal_lr=mem.reranker.signal_lr)
        _train(fresh, [asked[id(q)] for q in split.train], p, rng)
        for q in split.test:
            a = asked[id(q)]
            cands = a.got.candidates
            tally.scores_forward.add(METHODS[3], q.category, refs.order(cands, range(len(cands))), q.evidence)
            tally.scores_forward.add(METHODS[4], q.category, refs.order(cands, a.order(fresh)), q.evidence)


def _test_trained(mem: MemoryService, refs: _Refs, test: list[Question], embedder: TextEmbedder,
                  llm: ChatModelLoader | None, p: _Params, tally: _Tally, store: Support) -> None:
    """The trained reranker on the held-out questions, timed per question (and answered, with ``answers``)."""
    for q in test:
        t1 = time.perf_counter()
        qv = embed_query(embedder, q.question)
        t2 = time.perf_counter()
        got = mem.retriever.retrieve(q.question, k=p.k, qvec=qv)
        order = got.order()
        tally.latency_ms.append(1000 * (time.perf_counter() - t1))
        tally.search_ms.append(1000 * (time.perf_counter() - t2))
        tally.scores.add(METHODS[4], q.category, refs.order(got.candidates, order), q.evidence)
        if p.answers and llm is not None:
            f1, invented = _answer(llm, q, [got.candidates[i] for i in order[:p.m]], store)
            tally.f1s[q.category].append(f1)
            tally.invented.append(invented)


def _evaluate_conversation(conv: Conversation, workdir: Path, embedder: TextEmbedder, llm: ChatModelLoader | None,
                           answer_llm: ChatModelLoader | None,
                           p: _Params, reuse: bool, rng: np.random.Generator, tally: _Tally,
                           progress: ProgressFn, cancel: CancelToken | None) -> None:
    """Load, reflect, score the baselines, train the reranker and test it, for one conversation."""
    folder, reused = _prepare_folder(workdir, conv, reuse)
    svc = _open(folder, embedder, llm)
    mem = svc.memory
    try:
        refs = _reflect(svc, folder, reused, conv, tally, progress, cancel)
        qs, split = _split_questions(conv, p)
        train, test = split.train, split.test
        tally.n_train, tally.n_test = tally.n_train + len(train), tally.n_test + len(test)
        tally.n_dropped += len(split.dropped)
        with tally.timed("embed questions"):
            qvecs = {q.question: mem.retriever.query_vector(q.question) for q in qs}
        with tally.timed("baselines"):
            _score_baselines(mem, refs, qs, test, qvecs, p, tally, train)
            _answer_words(mem, refs, qs, conv, tally)
        with tally.timed("train reranker"):
            tally.updates += _train_reranker(mem, refs, train, qvecs, p, rng)
            _forward_check(mem, refs, train, conv, qvecs, p, tally)
            for q in train:   # how well it fits what it learnt from (not a held-out figure)
                got = mem.retriever.retrieve(q.question, k=p.k, qvec=qvecs[q.question])
                tally.scores_train.add(METHODS[4], q.category, refs.order(got.candidates, got.order()), q.evidence)
        with tally.timed("test questions"):
            store = Support.of([s.date_time for s in conv.sessions] + [t.text for s in conv.sessions for t in s.turns])
            _test_trained(mem, refs, test, embedder, answer_llm, p, tally, store)
    finally:
        mem.close()
        svc.db.close()


def run_locomo(path: Path, workdir: Path, embedder: TextEmbedder, llm: ChatModelLoader | None, *, k: int = 20,
               m: int = 5, tau: float = 0.5, lr: float = 1e-3, baseline: float = 0.5, train_frac: float = 0.5,
               epochs: int = 5, answers: bool = False, max_conversations: int | None = None,
               max_sessions: int | None = None, seed: int = 0, reuse: bool = False, progress: ProgressFn = no_progress,
               cancel: CancelToken | None = None, answer_llm: ChatModelLoader | None = None) -> dict[str, Any]:
    """Run the evaluation; ``llm`` None = reflection without the model (extractive notes); with ``answers``,
    ``answer_llm`` (default ``llm``) answers the held-out questions."""
    answer_llm = answer_llm or llm
    t_all = time.perf_counter()
    p = _Params(k, m, tau, lr, baseline, train_frac, epochs, answers, seed)
    convs = load_locomo(path)[:max_conversations]
    rng = np.random.default_rng(seed)
    tally = _Tally()
    for ci, conv in enumerate(convs):
        if max_sessions:
            conv.sessions = conv.sessions[:max_sessions]
        _evaluate_conversation(conv, workdir, embedder, llm, answer_llm, p, reuse, rng, tally, progress, cancel)
        progress(Progress(ci + 1, len(convs), f"{conv.sample_id} done"))
    return _result(path, convs, p, llm is not None, tally, time.perf_counter() - t_all)


def _result(path: Path, convs: list[Conversation], p: _Params, model: bool, tally: _Tally,
            seconds: float) -> dict[str, Any]:
    """The JSON result of ``run_locomo``."""
    refl, timing = tally.refl, tally.timing
    timing["reflection (total)"] = refl.seconds_total
    timing["reflection: model"] = refl.seconds_model
    timing["reflection: embedding"] = refl.seconds_embed
    timing["total"] = seconds
    try:
        load = [round(x, 1) for x in os.getloadavg()]
    except OSError:
        load = []
    result: dict[str, Any] = {
        "file": str(path), "conversations": [c.sample_id for c in convs],
        "sessions": refl.sessions, "turns": refl.turns,
        "questions": {"train": tally.n_train, "test": tally.n_test, "neither": tally.n_dropped,
                      "split": "by session time: train = evidence wholly before the cut, test = wholly after"},
        "settings": p.settings(model),
        "reranker": {"updates": tally.updates, "passes": p.epochs,
                     "learning": f"starts as the fused order; matrices by REINFORCE (lr {p.lr}), the prior's weight, "
                                 f"kind biases and signal weights by a pairwise step (lr {SIGNAL_LR})",
                     "reward": "citations of the evidence: a shown item is cited when it holds an evidence turn "
                               "(the model's own citations are not used to train it here)"},
        "test": tally.scores.summary(), "all_questions": tally.scores_all.summary(),
        "training_questions": tally.scores_train.summary(),
        "forward_check": {"cuts": list(FORWARD_CUTS), "methods": tally.scores_forward.summary(),
                          "what": "training side only: a fresh reranker trained on the earlier training questions, "
                                  "scored on the later ones (no held-out question is used)"},
        "latency_ms": _pct(tally.latency_ms), "search_ms": _pct(tally.search_ms),
        "load_average": load,
        "answer_words": tally.answer_words.summary(),
        "reflection": {"memories_added": refl.added, "merged": refl.merged, "model_calls": refl.model_calls,
                       "cached_calls": refl.cached_calls, "fallback_notes": refl.fallback_notes},
        "timing_s": {k_: round(v, 2) for k_, v in timing.items()},
    }
    if tally.f1s:
        allf = [x for v in tally.f1s.values() for x in v]
        result["answer_f1"] = {"overall": round(float(np.mean(allf)), 4),
                               **{CATEGORIES[c]: round(float(np.mean(v)), 4) for c, v in sorted(tally.f1s.items())}}
        result["answer_invented"] = round(float(np.mean(tally.invented)), 4) if tally.invented else 0.0
    return result


def _pct(values: list[float]) -> dict[str, float]:
    a = np.array(values) if values else np.zeros(1)
    return {"p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "mean": round(float(a.mean()), 2)}


def _answer(llm: ChatModelLoader, q: Question, cands: list[Candidate], store: Support) -> tuple[float, bool]:
    """The answer the chat would give (checked draft or extractive fallback): its token F1, and whether it
    holds a value (number, date, phone, e-mail, URL) found nowhere in the conversation."""
    from core.chat.context import ContextItem
    from core.chat.grounded import grounded_reply, support_for
    from core.chat.prompt import build_messages
    from core.grounding.check import strip_citations
    from core.grounding.values import values_in
    from models.llm import Sampling

    items = [ContextItem(c.kind, c.ref, c.text, c.source) for c in cands]
    msgs = build_messages("Answer the question in a few words, from the notes.", [], items, [], q.question, 1800)
    done = grounded_reply(llm(), msgs, Sampling(temperature=0.0, max_tokens=48), q.question, items,
                          support_for(q.question, [], [], items))
    text = strip_citations(done.text).replace("From your notes:", "")
    invented = any(not store.has(v) for v in values_in(text, names=False))
    return token_f1(text, q.answer), invented


def format_table(result: dict[str, Any]) -> str:
    """The result as plain-text tables: held-out questions by method, overall and by category."""
    lines = [f"LoCoMo: {', '.join(result['conversations'])}: {result['sessions']} sessions, {result['turns']} turns; "
             f"questions (cat. 1-4): reranker training {result['questions']['train']}, held-out test "
             f"{result['questions']['test']}, neither {result['questions'].get('neither', 0)} (split by session time: "
             "no test question's evidence is a training question's)"]
    for title, key in (("Held-out questions", "test"), ("All questions (no reranker training)", "all_questions")):
        lines += ["", title + ": recall at a budget of 5/10/20 distinct turns (B@), the context tokens it costs "
                  "(tok@), and item recall (R@: every turn behind the top k items)",
                  f"{'method':28s} {'B@5':>6s} {'B@10':>6s} {'B@20':>6s} {'tok@5':>6s} {'tok@20':>6s} "
                  f"{'R@5':>6s} {'R@10':>6s} {'R@20':>6s} {'turns@5':>7s}  by category B@20"]
        for method, res in result[key].items():
            o = res["overall"]
            cats = "  ".join(f"{c[:6]} {v['budget@20']:.2f}" for c, v in res["by_category"].items())
            lines.append(f"{method:28s} {o['budget@5']:6.3f} {o['budget@10']:6.3f} {o['budget@20']:6.3f} "
                         f"{o['tokens@5']:6.0f} {o['tokens@20']:6.0f} "
                         f"{o['recall@5']:6.3f} {o['recall@10']:6.3f} {o['recall@20']:6.3f} {o['turns@5']:7.1f}  {cats}")
    if "reranker" in result:
        rr = result["reranker"]
        lines += ["", f"reranker trained with {rr['updates']} updates ({rr['passes']} passes over the training "
                  f"questions); it {rr.get('learning', '')}; reward: {rr['reward']}"]
        for method, res in result.get("training_questions", {}).items():
            o = res["overall"]
            lines.append(f"  on its own training questions (fit, not held-out): {method:26s} B@5 {o['budget@5']:.3f} "
                         f"B@10 {o['budget@10']:.3f} B@20 {o['budget@20']:.3f}")
        fwd = result.get("forward_check", {}).get("methods", {})
        for method, res in fwd.items():
            o = res["overall"]
            lines.append(f"  forward check, training side (earlier questions train, later ones test; {o['n']} tests over "
                         f"cuts {result['forward_check']['cuts']}): {method:26s} B@5 {o['budget@5']:.3f} "
                         f"B@10 {o['budget@10']:.3f} B@20 {o['budget@20']:.3f}")
        test = result.get("test", {})
        if all(m in test for m in (METHODS[3], METHODS[4], METHODS[6])):
            u, t, c = (test[m]["overall"] for m in (METHODS[3], METHODS[4], METHODS[6]))
            share = [(t[f"budget@{b}"] - u[f"budget@{b}"]) / (c[f"budget@{b}"] - u[f"budget@{b}"])
                     if c[f"budget@{b}"] > u[f"budget@{b}"] else 0.0 for b in BUDGETS]
            lines.append("  held-out: of the gap between the untrained order and the best order of the same candidates "
                         "the trained reranker closes " + ", ".join(f"B@{b} {x:.0%}" for b, x in zip(BUDGETS, share)))
    if "answer_words" in result:
        aw = result["answer_words"]
        lines.append(f"answer words (all {aw['questions']} questions) in the notes of the memories made from the "
                     f"evidence: {aw['in_notes']:.3f}; in their whole text (date, note, turns quoted): "
                     f"{aw['in_memory_text']:.3f}; in the evidence turns: {aw['in_evidence_turns']:.3f} "
                     f"({aw['evidence_behind_no_memory']} questions' evidence is behind no memory)")
    lat, srch = result["latency_ms"], result.get("search_ms", {})
    lines += ["", f"per question, query embedding + retrieval + rerank: p50 {lat['p50']} ms, p95 {lat['p95']} ms; "
              f"retrieval + rerank alone: p50 {srch.get('p50')} ms, p95 {srch.get('p95')} ms "
              f"(load average {result.get('load_average')})",
              "reflection: " + ", ".join(f"{k} {v}" for k, v in result["reflection"].items()),
              "time (s): " + ", ".join(f"{k} {v}" for k, v in result["timing_s"].items())]
    if "answer_f1" in result:
        lines.append("answer token F1: " + ", ".join(f"{k} {v}" for k, v in result["answer_f1"].items()))
        lines.append(f"answers holding a value found nowhere in the conversation: {result.get('answer_invented', 0.0):.3f}")
    return "\n".join(lines)
