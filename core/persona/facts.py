"""The fact store: profile facts with history, pins, forgetting and conflict supersession.

Extraction never writes a fact directly: it adds *evidence* (key, value, source,
confidence) and the store resolves each key from all its evidence. Evidence combines as
a noisy-or over sources; a change statement ("I moved to Berlin") discounts evidence
older than itself, so the new value supersedes the old one and the old value moves to
the fact's history with its source. Values the user typed (or pinned) are never
overwritten by extraction. Sensitive values are stored only encrypted.
"""
from __future__ import annotations

import builtins
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from core.errors import MnemoError
from core.persona.crypto import FactCipher
from core.persona.keys import is_sensitive, is_valid_key, mask, normalize_key
from core.persona.rules import Candidate
from core.persona.tables import (PersonaEvidence, PersonaFact, PersonaFactHistory, PersonaSeen, PersonaTombstone,
                                 aware, now_s)
from core.store.db import Database
from core.store.clock import utcnow

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.5      # a key needs this combined confidence before it becomes a fact
STALE_DISCOUNT = 0.3      # evidence older than a change statement counts this much
WELL_EVIDENCED = 0.75     # a value this well supported wins over others when it is the newest


@dataclass
class FactHistoryEntry:
    value: str
    source: str
    confidence: float
    replaced_at: datetime
    reason: str


@dataclass
class FactRecord:
    """One profile fact as the rest of Mnemo sees it (values masked when sensitive unless revealed)."""

    id: int
    key: str
    value: str
    source: str
    confidence: float
    sensitive: bool
    pinned: bool
    updated_at: datetime
    history: list[FactHistoryEntry] = field(default_factory=list)
    user_set: bool = False


def _secure(s: Session) -> None:
    """Freed pages are zeroed, so a forgotten value does not linger in the file."""
    s.connection().exec_driver_sql("PRAGMA secure_delete=ON")


class FactStore:
    """Reads and writes facts; every multi-row write is one transaction."""

    def __init__(self, db: Database, cipher: FactCipher) -> None:
        self.db = db
        self.cipher = cipher
        self._lock = threading.RLock()
        self._listeners: list[Callable[[set[str]], None]] = []
        self._forget_listeners: list[Callable[[str, list[str]], None]] = []

    def on_forget(self, listener: Callable[[str, list[str]], None]) -> None:
        """Call ``listener(key, plain_values)`` after a fact is forgotten (to scrub derived text)."""
        self._forget_listeners.append(listener)

    def on_change(self, listener: Callable[[set[str]], None]) -> None:
        """Call ``listener(keys)`` after facts change."""
        self._listeners.append(listener)

    def _changed(self, keys: set[str]) -> None:
        if not keys:
            return
        for fn in list(self._listeners):
            try:
                fn(keys)
            except Exception:
                log.exception("fact listener failed")

    # ---- public API (autofill depends on it) ------------------------------------------------------------------
    def all(self, reveal: bool = False) -> list[FactRecord]:
        with self.db.session() as s:
            facts = list(s.exec(select(PersonaFact).order_by(col(PersonaFact.key))))
            hist = list(s.exec(select(PersonaFactHistory).order_by(col(PersonaFactHistory.id).desc())))
        by_key: dict[str, list[PersonaFactHistory]] = {}
        for h in hist:
            by_key.setdefault(h.key, []).append(h)
        return [self._record(f, by_key.get(f.key, []), reveal) for f in facts]

    def get(self, key: str, reveal: bool = False) -> FactRecord | None:
        key = normalize_key(key)
        with self.db.session() as s:
            f = s.exec(select(PersonaFact).where(PersonaFact.key == key)).first()
            if f is None:
                return None
            hist = list(s.exec(select(PersonaFactHistory).where(PersonaFactHistory.key == key)
                               .order_by(col(PersonaFactHistory.id).desc())))
        return self._record(f, hist, reveal)

    def sources(self, key: str, limit: int = 3) -> list[str]:
        """Where the fact's current value was found, most confident first ("contacts.csv row 2", "journal.md
        line 9"): every stored source that gave this value, not only the one the fact keeps."""
        key = normalize_key(key)
        with self.db.session() as s:
            f = s.exec(select(PersonaFact).where(PersonaFact.key == key)).first()
            if f is None:
                return []
            vh = self.cipher.value_hash(key, self._plain(f))
            rows = list(s.exec(select(PersonaEvidence).where(PersonaEvidence.key == key,
                                                             PersonaEvidence.value_hash == vh)))
        out: list[str] = [f.source] if f.source else []
        for r in sorted(rows, key=lambda r: -r.confidence):
            if r.source and r.source not in out:
                out.append(r.source)
        return out[:limit]

    def set(self, key: str, value: str, source: str = "user", pinned: bool = True, confidence: float = 1.0) -> FactRecord:
        """Store a value the user (or autofill) gives; it is never overwritten by extraction."""
        key = normalize_key(key)
        value = str(value).strip()
        if not is_valid_key(key):
            raise MnemoError(f"'{key}' is not a usable fact key.", "Use a key like email, given-name or favorite-food.")
        if not value:
            raise MnemoError("The value is empty.", f"To remove the fact, use 'mnemo facts forget {key}'.")
        if not 0.0 <= confidence <= 1.0:
            raise MnemoError(f"Confidence {confidence} is outside 0..1.", "Give a number between 0 and 1.")
        sensitive = is_sensitive(key, value)
        vhash = self.cipher.value_hash(key, value)
        with self._lock, self.db.session() as s:
            _secure(s)
            f = s.exec(select(PersonaFact).where(PersonaFact.key == key)).first()
            if f is None:
                f = PersonaFact(key=key)
            elif f.value_hash != vhash:
                s.add(self._history_row(f, f"replaced by {source}"))
            self._put_value(f, value, sensitive)
            f.value_hash, f.source, f.source_ref = vhash, source, source
            f.confidence, f.pinned, f.updated_at = confidence, pinned, utcnow()
            f.user_set = bool(f.user_set) or source == "user"
            s.add(f)
            s.exec(delete(PersonaTombstone).where(col(PersonaTombstone.key) == key, col(PersonaTombstone.value_hash) == vhash))
        self._changed({key})
        rec = self.get(key)
        assert rec is not None
        return rec

    def pin(self, key: str, pinned: bool = True) -> FactRecord:
        key = normalize_key(key)
        with self._lock, self.db.session() as s:
            f = s.exec(select(PersonaFact).where(PersonaFact.key == key)).first()
            if f is None:
                raise MnemoError(f"There is no fact '{key}'.", "List the facts with 'mnemo facts list'.")
            f.pinned = pinned
            s.add(f)
        self._changed({key})
        rec = self.get(key)
        assert rec is not None
        return rec

    def unpin(self, key: str) -> FactRecord:
        return self.pin(key, False)

    def forget(self, key: str) -> bool:
        """Remove the fact, its history and its evidence, and never learn these values again."""
        key = normalize_key(key)
        values: set[str] = set()
        with self._lock, self.db.session() as s:
            _secure(s)
            evidence = list(s.exec(select(PersonaEvidence).where(PersonaEvidence.key == key)))
            hashes = {e.value_hash for e in evidence}
            values.update(self._plain(e) for e in evidence)
            f = s.exec(select(PersonaFact).where(PersonaFact.key == key)).first()
            if f is None and not hashes:
                return False
            if f is not None:
                hashes.add(f.value_hash)
                values.add(self._plain(f))
                s.delete(f)
            for h in s.exec(select(PersonaFactHistory).where(PersonaFactHistory.key == key)):
                hashes.add(self._hash_of_history(h))
                values.add(self._plain(h))
                s.delete(h)
            s.exec(delete(PersonaEvidence).where(col(PersonaEvidence.key) == key))
            known = set(s.exec(select(PersonaTombstone.value_hash).where(PersonaTombstone.key == key)).all())
            for vh in hashes - known - {""}:
                s.add(PersonaTombstone(key=key, value_hash=vh))
        for fn in list(self._forget_listeners):
            try:
                fn(key, sorted(values))
            except Exception:
                log.exception("forget listener failed")
        self.checkpoint()
        self._changed({key})
        return True

    # ---- extraction side ---------------------------------------------------------------------------------------
    def add_evidence(self, candidates: Sequence[Candidate], source_ref: str, source: str,
                     document_id: int | None = None, observed_at: float | None = None) -> builtins.set[str]:
        """Record what one chunk or message says; return the keys whose fact changed."""
        observed_at = observed_at if observed_at is not None else now_s()
        keys: set[str] = set()
        with self._lock, self.db.session() as s:
            tomb = {(t.key, t.value_hash) for t in s.exec(select(PersonaTombstone))}
            for c in candidates:
                key = normalize_key(c.key)
                if not is_valid_key(key) or not c.value.strip():
                    continue
                vhash = self.cipher.value_hash(key, c.value)
                if (key, vhash) in tomb:
                    continue
                row = s.exec(select(PersonaEvidence).where(PersonaEvidence.key == key, PersonaEvidence.value_hash == vhash,
                                                           PersonaEvidence.source_ref == source_ref)).first()
                if row is None:
                    row = PersonaEvidence(key=key, value_hash=vhash, source_ref=source_ref)
                sensitive = is_sensitive(key, c.value)
                row.value, row.value_enc = ("", self.cipher.encrypt(c.value)) if sensitive else (c.value, "")
                row.sensitive = sensitive
                row.confidence = max(row.confidence if row.id else 0.0, float(c.confidence))
                row.change, row.rule, row.source, row.document_id = c.change or row.change, c.rule, source, document_id
                row.observed_at = observed_at
                s.add(row)
                keys.add(key)
            s.flush()
            changed = self._resolve(s, keys)
        self._changed(changed)
        return changed

    def replace_evidence(self, candidates: Sequence[Candidate], source_ref: str, source: str,
                         document_id: int | None = None, observed_at: float | None = None) -> builtins.set[str]:
        """What one chunk or message says now, in place of what it said before (one transaction)."""
        with self._lock, self.db.session() as s:
            old = list(s.exec(select(PersonaEvidence).where(PersonaEvidence.source_ref == source_ref)))
            old_keys = {r.key for r in old}
            for r in old:
                s.delete(r)
            s.flush()
            stale = self._resolve(s, old_keys, removed_refs={source_ref}) if old_keys else builtins.set()
        changed = self.add_evidence(candidates, source_ref, source, document_id, observed_at)
        self._changed(stale - changed)
        return changed | stale

    def remove_sources(self, refs: Iterable[str] = (), document_id: int | None = None) -> builtins.set[str]:
        """Forget the evidence of these chunks/messages (or a whole document) and re-resolve their keys."""
        refs = list(refs)
        with self._lock, self.db.session() as s:
            _secure(s)
            q = select(PersonaEvidence)
            if document_id is not None:
                q = q.where(PersonaEvidence.document_id == document_id)
            else:
                q = q.where(col(PersonaEvidence.source_ref).in_(refs))
            rows = list(s.exec(q))
            gone = {r.source_ref for r in rows} | set(refs)
            keys = {r.key for r in rows}
            for r in rows:
                s.delete(r)
            if gone:
                s.exec(delete(PersonaFactHistory).where(col(PersonaFactHistory.source_ref).in_(gone)))
                s.exec(delete(PersonaSeen).where(col(PersonaSeen.ref).in_(gone)))
            if document_id is not None:
                s.exec(delete(PersonaSeen).where(col(PersonaSeen.document_id) == document_id))
            s.flush()
            changed = self._resolve(s, keys, removed_refs=gone)
        self.checkpoint()
        self._changed(changed)
        return changed

    def reresolve(self) -> builtins.set[str]:
        with self._lock, self.db.session() as s:
            keys = set(s.exec(select(PersonaEvidence.key)).all())
            changed = self._resolve(s, keys)
        self._changed(changed)
        return changed

    def sensitive_values(self) -> list[str]:
        """Plain sensitive values (for redacting generated text); kept in memory only."""
        out: list[str] = []
        with self.db.session() as s:
            for f in s.exec(select(PersonaFact).where(PersonaFact.sensitive == True)):  # noqa: E712
                out.append(self.cipher.decrypt(f.value_enc))
        return [v for v in out if len(v) >= 3]

    def checkpoint(self) -> None:
        """Move the WAL into the database and truncate it, so removed values leave the WAL file too."""
        try:
            with self.db.read() as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except Exception:  # a busy reader: the next checkpoint does it
            log.info("WAL checkpoint postponed (database busy)")

    # ---- internals ---------------------------------------------------------------------------------------------
    def _put_value(self, row: Any, value: str, sensitive: bool) -> None:
        row.sensitive = sensitive
        if sensitive:
            row.value, row.value_enc = "", self.cipher.encrypt(value)
        else:
            row.value, row.value_enc = value, ""

    def _plain(self, row: Any) -> str:
        return self.cipher.decrypt(row.value_enc) if row.sensitive else row.value

    def _shown(self, row: Any, reveal: bool) -> str:
        return self._plain(row) if (reveal or not row.sensitive) else mask(self._plain(row))

    def _hash_of_history(self, h: PersonaFactHistory) -> str:
        return self.cipher.value_hash(h.key, self._plain(h))

    def _history_row(self, f: PersonaFact, reason: str) -> PersonaFactHistory:
        return PersonaFactHistory(key=f.key, value=f.value, value_enc=f.value_enc, sensitive=f.sensitive,
                                  source=f.source, source_ref=f.source_ref, confidence=f.confidence, reason=reason)

    def _in_history(self, s: Session, f: PersonaFact) -> bool:
        """Whether the fact's value is in its history already (re-reading for another owner flips values)."""
        value = self._plain(f)
        return any(self._plain(h) == value for h in s.exec(select(PersonaFactHistory).where(PersonaFactHistory.key == f.key)))

    def _record(self, f: PersonaFact, hist: list[PersonaFactHistory], reveal: bool) -> FactRecord:
        return FactRecord(
            id=f.id or 0, key=f.key, value=self._shown(f, reveal), source=f.source, confidence=round(f.confidence, 3),
            sensitive=f.sensitive, pinned=f.pinned, updated_at=aware(f.updated_at), user_set=f.user_set,
            history=[FactHistoryEntry(self._shown(h, reveal), h.source, round(h.confidence, 3), aware(h.replaced_at),
                                      h.reason) for h in hist])

    def _resolve(self, s: Session, keys: builtins.set[str], removed_refs: builtins.set[str] = frozenset()) -> builtins.set[str]:  # type: ignore[assignment]
        """Recompute the fact of each key from its evidence; return the keys whose fact changed."""
        changed: set[str] = set()
        for key in keys:
            rows = list(s.exec(select(PersonaEvidence).where(PersonaEvidence.key == key)))
            f = s.exec(select(PersonaFact).where(PersonaFact.key == key)).first()
            best = _best_value(rows)
            if f is not None and (f.pinned or f.user_set):
                continue
            if best is None:
                if f is not None and (f.source_ref in removed_refs or not rows or f.confidence < MIN_CONFIDENCE
                                      or not any(r.value_hash == f.value_hash for r in rows)):
                    s.delete(f)
                    changed.add(key)
                continue
            score, support, top = best
            if f is None:
                f = PersonaFact(key=key)
            elif f.value_hash != top.value_hash:
                if f.source_ref not in removed_refs and not self._in_history(s, f):
                    s.add(self._history_row(f, f"superseded by {top.source}"))
            elif abs(f.confidence - score) < 1e-6 and f.support == support:
                continue
            if f.value_hash != top.value_hash:
                for h in s.exec(select(PersonaFactHistory).where(PersonaFactHistory.key == key)):
                    if self._plain(h) == self._plain(top):
                        s.delete(h)   # the value is current again: it is not history
                f.value, f.value_enc, f.sensitive = top.value, top.value_enc, top.sensitive
                f.value_hash = top.value_hash
                f.updated_at = utcnow()
            f.source, f.source_ref, f.confidence, f.support = top.source, top.source_ref, score, support
            s.add(f)
            changed.add(key)
        return changed


def _best_value(rows: list[PersonaEvidence]) -> tuple[float, int, PersonaEvidence] | None:
    """The winning value of one key: noisy-or over sources, discounted when older than a change statement."""
    if not rows:
        return None
    last_change = max((r.observed_at for r in rows if r.change), default=None)
    groups: dict[str, list[PersonaEvidence]] = {}
    for r in rows:
        groups.setdefault(r.value_hash, []).append(r)
    scored = []
    for rs in groups.values():
        miss = 1.0
        for r in rs:
            c = r.confidence
            if last_change is not None and r.observed_at < last_change and not r.change:
                c *= STALE_DISCOUNT
            miss *= 1.0 - min(c, 0.99)
        top = max(rs, key=lambda r: (r.change, r.confidence, r.observed_at))
        scored.append((1.0 - miss, len({r.source_ref for r in rs}), max(r.observed_at for r in rs), top))
    scored.sort(key=lambda t: (t[0], t[2]), reverse=True)
    if scored[0][0] < MIN_CONFIDENCE:
        return None
    # when documents disagree, the newest well-evidenced value wins (an old address, a new one); the
    # others stay in the history
    well = [t for t in scored if t[0] >= max(WELL_EVIDENCED, scored[0][0] * 0.8)]
    score, support, _, top = max(well, key=lambda t: (t[2], t[0])) if well else scored[0]
    return round(score, 4), support, top
