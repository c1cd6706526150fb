"""Protect sensitive values stored before masking existed: scan the text tables, mask, encrypt, purge.

Data folders from before ``0007_sensitive_values`` hold card numbers, IBANs and passwords in plaintext
(document chunks, messages, memory turns and notes). ``protect_existing`` walks each table in id order
and rewrites the rows that hold such values; each batch and its cursor commit together, so a run that
is killed goes on where it stopped. Chunks it changes are marked pending, so their vectors are made
again from the masked text (``DocumentService.embed_pending``, at the next import or start of the
window). At the end the full-text indexes are merged and the file vacuumed, so the old text is not
left in free pages or the write-ahead log. ``Services`` runs it at the first start after the upgrade;
``mnemo doctor --protect-sensitive`` runs it again over everything, with a progress bar.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.privacy.vault import SensitiveVault
from core.store.clock import utcnow
from core.store.db import scalar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    json_columns: tuple[str, ...] = ()
    on_change: str = ""      # extra SET clause for a changed row


TABLES = (
    _Table("chunk", ("text", "source", "meta"), ("meta",), "vector_state = 0, vector = NULL"),
    _Table("document", ("meta",), ("meta",)),
    _Table("conversation", ("title",)),
    _Table("message", ("content", "meta"), ("meta",)),
    _Table("memory_turn", ("text",)),
    _Table("memory", ("summary", "text")),
    _Table("memory_revision", ("summary",)),
)
FTS_TABLES = ("chunk_fts", "memory_fts", "memory_turn_fts")
PURGE = "_purge"  # its row: done = 0 while changed rows wait for the index merge and the vacuum
BATCH = 200


@dataclass
class ProtectReport:
    rows_scanned: int = 0
    rows_changed: int = 0
    chunks_pending: int = 0
    values: int = 0
    vacuumed: bool = False


def _now() -> str:
    return utcnow().isoformat(timespec="seconds")


def _existing(conn: Any, table: _Table) -> tuple[str, ...]:
    cols = {r[1] for r in conn.execute(f"PRAGMA table_info({table.name})")}
    return tuple(c for c in table.columns if c in cols)


def needed(vault: SensitiveVault) -> bool:
    """Whether a table has not been scanned to its end yet, or changed rows wait for the purge."""
    with vault.db.read() as conn:
        done = {r[0]: r[1] for r in conn.execute("SELECT name, done FROM sensitive_scan")}
    return any(not done.get(t.name) for t in TABLES) or done.get(PURGE) == 0


def reset(vault: SensitiveVault) -> None:
    """Scan everything again from the first row (``mnemo doctor --protect-sensitive``)."""
    with vault.db.write() as conn:
        conn.execute("DELETE FROM sensitive_scan WHERE name != ?", (PURGE,))


def protect_existing(vault: SensitiveVault, progress: ProgressFn = no_progress,
                     cancel: CancelToken | None = None) -> ProtectReport:
    """Mask the sensitive values already stored; resumable, one transaction per batch."""
    token = token_or_new(cancel)
    db = vault.db
    report = ProtectReport()
    with db.read() as conn:
        state = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(
            "SELECT name, last_id, done FROM sensitive_scan")}
        work = []
        for t in TABLES:
            last, done = state.get(t.name, (0, 0))
            cols = _existing(conn, t)
            if done or not cols:
                continue
            n = int(scalar(conn, f"SELECT count(*) FROM {t.name} WHERE id > ?", (last,)) or 0)
            work.append((t, cols, last, n))
    total = sum(n for *_, n in work)
    if work:
        log.info("protecting sensitive values already stored: %d rows to read", total)
    for t, cols, last, _n in work:
        while True:
            token.raise_if_cancelled("Protecting sensitive values stopped; it goes on where it stopped next time.")
            progress(Progress(report.rows_scanned, total, f"protecting sensitive values: {t.name}"))
            with db.read() as conn:
                rows = conn.execute(f"SELECT id, {', '.join(cols)} FROM {t.name} WHERE id > ? "
                                    f"ORDER BY id LIMIT ?", (last, BATCH)).fetchall()
            updates = [u for u in (_masked_row(vault, t, cols, r) for r in rows) if u is not None]
            end = not rows or len(rows) < BATCH
            new_last = rows[-1][0] if rows else last
            with db.write() as conn:
                conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left with the old text
                for rid, values in updates:
                    sets = ", ".join(f"{c} = ?" for c in values) + (f", {t.on_change}" if t.on_change else "")
                    conn.execute(f"UPDATE {t.name} SET {sets} WHERE id = ?", (*values.values(), rid))
                if updates:
                    conn.execute("INSERT INTO sensitive_scan (name, last_id, done, updated_at) "
                                 "VALUES (?, 0, 0, ?) ON CONFLICT(name) DO UPDATE SET done = 0, "
                                 "updated_at = excluded.updated_at", (PURGE, _now()))
                conn.execute(
                    "INSERT INTO sensitive_scan (name, last_id, done, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET last_id = excluded.last_id, done = excluded.done, "
                    "updated_at = excluded.updated_at", (t.name, new_last, int(end), _now()))
            report.rows_scanned += len(rows)
            report.rows_changed += len(updates)
            if t.name == "chunk":
                report.chunks_pending += len(updates)
            last = new_last
            if end:
                break
    with db.read() as conn:
        row = conn.execute("SELECT done FROM sensitive_scan WHERE name = ?", (PURGE,)).fetchone()
    if row is not None and not row[0]:
        progress(Progress(report.rows_scanned, total, "protecting sensitive values: clearing old copies"))
        _purge(vault)
        report.vacuumed = True
    report.values = vault.count()
    progress(Progress(report.rows_scanned, total, "done"))
    if report.rows_changed:
        log.info("sensitive values protected: %d rows masked (%d chunks to embed again), %d values in the vault",
                 report.rows_changed, report.chunks_pending, report.values)
    return report


def _masked_row(vault: SensitiveVault, t: _Table, cols: tuple[str, ...], row: Any) -> tuple[int, dict] | None:
    changed: dict[str, Any] = {}
    for c, value in zip(cols, row[1:]):
        if not isinstance(value, str) or not value:
            continue
        if c in t.json_columns:
            try:
                obj = json.loads(value)
            except ValueError:
                new = vault.mask(value)
            else:
                masked = vault.mask_obj(obj)
                new = value if masked == obj else json.dumps(masked, ensure_ascii=False)
        else:
            new = vault.mask(value)
        if new != value:
            changed[c] = new
    return (int(row[0]), changed) if changed else None


def _purge(vault: SensitiveVault) -> None:
    """Merge the full-text indexes (old terms go), vacuum (free pages go), empty the write-ahead log."""
    db = vault.db
    with db.write() as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for fts in FTS_TABLES:
            if fts in names:
                conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
                conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    with db.read() as conn:  # outside any transaction, as VACUUM must be
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    with db.write() as conn:
        conn.execute("UPDATE sensitive_scan SET done = 1, updated_at = ? WHERE name = ?", (_now(), PURGE))
