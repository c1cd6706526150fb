"""Prospective reflection (RMM): a finished session becomes topic memories, each ADDed or MERGEd.

Cost is what matters on a small CPU, so a session costs at most two model calls:
1. the session is cut into topic segments by embedding similarity of consecutive turns
   (cheap, and every memory's source turn ids are exact, never invented by the model);
   ONE JSON-schema-constrained call writes a short note per segment (clipped turns in,
   a fixed-length array out). Each note is checked against its turns (``core.memory.notes``:
   a whole sentence about the people, its values and words from what they said, never from
   the assistant's turns of a chat with Mnemo); a note that fails is replaced by an extractive one.
2. new memories whose nearest stored memory is similar enough go into ONE batched
   ADD/MERGE call; the rest are added without asking. A merge keeps the old text as a revision.
Model answers are cached by prompt hash, so re-reflecting the same session is free.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from core.errors import Cancelled
from core.jobs import CancelToken
from core.memory.notes import check_note, extractive_note, informative_words, support_turns
from core.memory.store import MEMORIES, MemoryStore, TurnIn, memory_text
from core.ports import ChatModelLoader

log = logging.getLogger(__name__)

NOTE_CHARS = 120         # longest note the model may write (one that reaches it without ending a sentence is cut: rejected)
CLIP_WORDS = 14          # words of each turn shown to the model
NOTE_SEGMENTS = 1        # notes the model writes per session (for its most informative segment): bounded cost
MAX_SOURCES = 12         # a merge that would exceed this adds instead
MERGED_CHARS = 600       # ... and so does one whose summary would grow longer than this

NOTE_SYSTEM = ("You write short memory notes. Each note is one plain sentence with the person's name and the fact, "
               "like: Ann adopted a cat named Tom.")
DECIDE_SYSTEM = ("You maintain a memory. For each new note decide: ADD if it is new information, or MERGE with the "
                 "number of the stored note that is about the same thing.")


@dataclass
class ReflectionStats:
    """What one reflection did and where its time went."""

    sessions: int = 0
    turns: int = 0
    added: int = 0
    merged: int = 0
    model_calls: int = 0
    cached_calls: int = 0
    fallback_notes: int = 0     # notes written extractively (no model, or the model's note rejected)
    rejected_notes: int = 0     # model notes that failed the grounding check
    rejections: dict[str, int] = field(default_factory=dict)   # why, by ``core.memory.notes.REASONS``
    seconds_model: float = 0.0
    seconds_embed: float = 0.0
    seconds_total: float = 0.0
    memory_ids: list[int] = field(default_factory=list)

    def add(self, other: "ReflectionStats") -> None:
        for k in ("sessions", "turns", "added", "merged", "model_calls", "cached_calls", "fallback_notes",
                  "rejected_notes", "seconds_model", "seconds_embed", "seconds_total"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        for why, n in other.rejections.items():
            self.rejections[why] = self.rejections.get(why, 0) + n
        self.memory_ids += other.memory_ids

    def reject(self, reason: str) -> None:
        self.rejected_notes += 1
        self.rejections[reason] = self.rejections.get(reason, 0) + 1


def segment(vecs: np.ndarray, max_len: int = 4, min_len: int = 2, theta: float = 0.3) -> list[list[int]]:
    """Cut consecutive turns into topic segments: a new one starts when a turn drifts from the current one."""
    segs: list[list[int]] = []
    cur: list[int] = []
    for i in range(len(vecs)):
        if cur:
            centroid = vecs[cur].mean(0)
            sim = float(vecs[i] @ centroid / (np.linalg.norm(centroid) + 1e-9))
            if len(cur) >= max_len or (len(cur) >= min_len and sim < theta):
                segs.append(cur)
                cur = []
        cur.append(i)
    if cur:
        if segs and len(cur) < min_len and len(segs[-1]) < max_len:
            segs[-1].extend(cur)
        else:
            segs.append(cur)
    return segs


def _clip(text: str, n: int = CLIP_WORDS) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


class Reflector:
    """Turns sessions into memories with the chat model."""

    def __init__(self, store: MemoryStore, llm: ChatModelLoader | None, merge_candidates: Callable[[], int] = lambda: 5,
                 merge_threshold: float = 0.85) -> None:
        self.store = store
        self._llm = llm
        self._merge_candidates = merge_candidates
        self.merge_threshold = merge_threshold

    # ---- the model, cached ----------------------------------------------------------------------
    def _ask(self, messages: list[dict[str, str]], schema: dict[str, Any], max_tokens: int,
             stats: ReflectionStats) -> Any:
        key = hashlib.sha256(json.dumps([messages, schema], sort_keys=True).encode()).hexdigest()
        hit = self.store.cache_get(key)
        if hit is not None:
            stats.cached_calls += 1
            return json.loads(hit)
        if self._llm is None:
            return None
        from models.llm import Sampling

        t0 = time.perf_counter()
        try:
            out = self._llm().complete_json(messages, schema, Sampling(temperature=0.0, max_tokens=max_tokens))
        except Exception as exc:  # a cut-off or invalid answer: fall back, never lose the session
            log.warning("reflection: the model's answer was unusable (%s); falling back", exc)
            out = None
        finally:
            stats.seconds_model += time.perf_counter() - t0
            stats.model_calls += 1
        if out is not None:
            self.store.cache_put(key, json.dumps(out))
        return out

    def write_notes(self, segs: list[list[TurnIn]], names: str, session_date: str, stats: ReflectionStats) -> list[str]:
        """One call: notes for the most informative segments; the rest, and ungrounded notes, are extractive.

        The model's work is bounded per session (NOTE_SEGMENTS notes of NOTE_CHARS at most), so
        reflection costs about the same for every session however long it is. A segment where
        no person spoke (only the assistant) gets no note: "".
        """
        ranked = sorted((j for j in range(len(segs)) if support_turns(segs[j])),
                        key=lambda j: -len(informative_words(" ".join(t.text for t in support_turns(segs[j])))))
        chosen = sorted(ranked[:NOTE_SEGMENTS])
        n = len(chosen)
        parts = []
        for j, idx in enumerate(chosen, 1):
            lines = "\n".join(f"{t.speaker or 'User'}: {_clip(t.text)}" for t in support_turns(segs[idx]))
            parts.append(f"Part {j}:\n{lines}")
        user = (f"Conversation{' between ' + names if names else ''}{' on ' + session_date if session_date else ''}.\n\n"
                + "\n\n".join(parts) + f"\n\nWrite one note per part as JSON: note1{' to note' + str(n) if n > 1 else ''}.")
        # One named property per note: SmolLM2-135M fills named strings sensibly but writes brackets
        # and newlines into the strings of a JSON array.
        keys = [f"note{j}" for j in range(1, n + 1)]
        schema = {"type": "object", "required": keys, "properties": {
            k: {"type": "string", "minLength": 12, "maxLength": NOTE_CHARS} for k in keys}}
        out = self._ask([{"role": "system", "content": NOTE_SYSTEM}, {"role": "user", "content": user}], schema,
                        max_tokens=40 * n + 16, stats=stats) if n else None
        out = out if isinstance(out, dict) else {}
        by_seg = {idx: str(out.get(k, "")) for k, idx in zip(keys, chosen)} if out else {}
        notes = []
        for j, seg in enumerate(segs):
            note = ""
            if j in by_seg:
                check = check_note(by_seg[j], seg, session_date, NOTE_CHARS)
                if check.ok:
                    note = check.note
                else:
                    stats.reject(check.reason)
                    log.debug("reflection: note %r rejected (%s)", by_seg[j], check.reason)
            if not note:
                note = extractive_note(seg)
                stats.fallback_notes += bool(note)
            notes.append(note)
        return notes

    def decide(self, new: list[str], candidates: list[list[tuple[int, str]]], stats: ReflectionStats) -> list[int | None]:
        """One batched call: for each new note, the stored memory id to merge into, or None to add."""
        stored: list[tuple[int, str]] = []
        for cands in candidates:
            for mid, summ in cands:
                if mid not in [s[0] for s in stored]:
                    stored.append((mid, summ))
        lines = ["Stored notes:"] + [f"S{i}: {summ[:160]}" for i, (_, summ) in enumerate(stored, 1)]
        lines += ["", "New notes:"] + [f"N{i}: {note[:160]}" for i, note in enumerate(new, 1)]
        lines += ["", f"Return JSON with {len(new)} decisions, one per new note: action ADD, or MERGE with the stored note number."]
        schema = {"type": "object", "required": ["decisions"], "properties": {"decisions": {
            "type": "array", "minItems": len(new), "maxItems": len(new), "items": {
                "type": "object", "required": ["action", "stored"],
                "properties": {"action": {"type": "string", "enum": ["ADD", "MERGE"]},
                               "stored": {"type": "integer", "minimum": 0, "maximum": len(stored)}}}}}}
        out = self._ask([{"role": "system", "content": DECIDE_SYSTEM}, {"role": "user", "content": "\n".join(lines)}],
                        schema, max_tokens=14 * len(new) + 16, stats=stats)
        raw = out.get("decisions", []) if isinstance(out, dict) else []
        result: list[int | None] = []
        for j, cands in enumerate(candidates):
            d = raw[j] if j < len(raw) and isinstance(raw[j], dict) else {}
            k = d.get("stored")
            allowed = {mid for mid, _ in cands}
            if d.get("action") == "MERGE" and isinstance(k, int) and 1 <= k <= len(stored) and stored[k - 1][0] in allowed:
                result.append(stored[k - 1][0])
            else:
                result.append(None)
        return result

    # ---- one session ------------------------------------------------------------------------------
    def reflect_session(self, conversation_id: int, turns: Sequence[TurnIn], session_date: str = "",
                        cancel: CancelToken | None = None) -> ReflectionStats:
        """Store the session's turns (L0) and turn them into topic memories (ADD or MERGE)."""
        stats = ReflectionStats(sessions=1, turns=len(turns))
        t_start = time.perf_counter()
        turns = [t for t in turns if t.text.strip()]
        if not turns:
            return stats
        # A session counts as reflected once its turns are stored, so they are stored last: a run
        # killed before that is undone here (its ADDed memories dropped) and done again.
        self.store.undo_interrupted(conversation_id, [t.ref for t in turns])
        t0 = time.perf_counter()
        vecs = self.store.embed([self.store.turn_index_text(t) for t in turns])
        stats.seconds_embed += time.perf_counter() - t0
        if cancel is not None and cancel.cancelled:
            raise Cancelled("Reflection stopped.")
        segs_idx = segment(vecs)
        segs = [[turns[i] for i in g] for g in segs_idx]
        names = " and ".join(dict.fromkeys(t.speaker for t in support_turns(turns) if t.speaker))
        notes = self.write_notes(segs, names, session_date, stats)
        if cancel is not None and cancel.cancelled:
            raise Cancelled("Reflection stopped.")

        # New memories as items; their vectors decide which need an ADD/MERGE question. A memory's
        # sources are the turns its note may draw on: the assistant's turns are behind none.
        kept = [(note, support_turns(seg)) for note, seg in zip(notes, segs) if note]
        notes = [note for note, _ in kept]
        items = [(note, [t.ref for t in src], [t.line for t in src], conversation_id, session_date,
                  {"origin": "reflection"}) for note, src in kept]
        t0 = time.perf_counter()
        new_vecs = self.store.embed([memory_text(n, session_date, lines) for n, _, lines, _, _, _ in items]) if items \
            else np.zeros((0, vecs.shape[1]), dtype=np.float32)
        stats.seconds_embed += time.perf_counter() - t0
        targets = self._merge_targets(notes, new_vecs, stats)
        to_add, add_idx = self._merge(items, targets, stats)
        t0 = time.perf_counter()
        added = self.store.add_many(to_add, new_vecs[add_idx] if add_idx else None)
        self.store.add_turns(conversation_id, turns, vecs)  # marks the session reflected
        stats.seconds_embed += time.perf_counter() - t0
        stats.added += len(added)
        stats.memory_ids += [m.id for m in added]  # type: ignore[misc]
        stats.seconds_total = time.perf_counter() - t_start
        return stats

    def _merge_targets(self, notes: list[str], new_vecs: np.ndarray, stats: ReflectionStats) -> dict[int, int | None]:
        """For each new note close to stored memories, the model's choice: the memory to merge into, or None."""
        ask: list[int] = []
        cands: list[list[tuple[int, str]]] = []
        for j, v in enumerate(new_vecs):
            near = [(mid, s) for mid, s in self.store.dense(MEMORIES, v, self._merge_candidates()) if s >= self.merge_threshold]
            if near:
                stored = self.store.many([mid for mid, _ in near])
                ask.append(j)
                cands.append([(mid, stored[mid].summary) for mid, _ in near if mid in stored])
        if not ask:
            return {}
        return dict(zip(ask, self.decide([notes[j] for j in ask], cands, stats)))

    def _merge(self, items: list[Any], targets: dict[int, int | None],
               stats: ReflectionStats) -> tuple[list[Any], list[int]]:
        """Merge the items that have a target (while the memory's sources stay few); return the rest to add."""
        to_add: list[Any] = []
        add_idx: list[int] = []
        for j, item in enumerate(items):
            tgt = targets.get(j)
            if tgt is not None:
                old = self.store.get(tgt)
                sources = list(dict.fromkeys([*old.sources, *item[1]]))
                merged = old.summary if item[0] in old.summary else f"{old.summary} {item[0]}"
                if len(sources) <= MAX_SOURCES and len(merged) <= MERGED_CHARS:
                    self.store.update(tgt, merged, sources, reason="merge")
                    stats.merged += 1
                    stats.memory_ids.append(tgt)
                    continue
            to_add.append(item)
            add_idx.append(j)
        return to_add, add_idx
