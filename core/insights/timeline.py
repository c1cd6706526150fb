"""The timeline: what Mnemo learned and when — profile facts, reflective memories, imported documents.

One ``TimelineEvent`` per fact (when its value was last set, with its source and how many earlier
values it replaced), per memory (when reflection made it, from which chat), per document (when it was
imported, from which file). Sensitive fact values stay masked, as in the Facts tab. ``filter_events``
is the one filter the timeline view applies (kinds and words).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Sequence

from core.persona.facts import FactStore
from core.store.db import Database

KINDS = ("fact", "memory", "import")
KIND_NAMES = {"fact": "Fact", "memory": "Memory", "import": "Import"}


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime        # aware, UTC
    kind: str             # one of KINDS
    title: str
    detail: str
    source: str           # where it was learned from: a file, a chat, "you"
    ref: str              # "fact:email", "memory:4", "document:2": what a click opens


def _aware(value: datetime | str | None) -> datetime:
    if value is None or value == "":
        return datetime.fromtimestamp(0, timezone.utc)
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def fact_events(facts: FactStore) -> list[TimelineEvent]:
    out = []
    for f in facts.all(reveal=False):
        changes = f"; replaced {len(f.history)} earlier value{'s' if len(f.history) != 1 else ''}" if f.history else ""
        how = "set by you" if f.user_set else f"confidence {f.confidence:.2f}"
        out.append(TimelineEvent(_aware(f.updated_at), "fact", f"{f.key}: {f.value}", how + changes,
                                 "you" if f.user_set and not f.source else f.source, f"fact:{f.key}"))
    return out


def memory_events(db: Database) -> list[TimelineEvent]:
    with db.read() as conn:
        rows = conn.execute("SELECT id, summary, conversation_id, session_date, sources, created_at "
                            "FROM memory ORDER BY id").fetchall()
    out = []
    for mid, summary, cid, date, sources, created in rows:
        n = len(json.loads(sources) if isinstance(sources, str) else sources or [])
        where = f"chat {cid}" if cid else "a conversation"
        out.append(TimelineEvent(_aware(created), "memory", summary,
                                 f"from {n} turn{'s' if n != 1 else ''}" + (f" of {date}" if date else ""),
                                 where, f"memory:{mid}"))
    return out


def import_events(db: Database) -> list[TimelineEvent]:
    from core.documents.store import fs_path

    with db.read() as conn:
        rows = conn.execute("SELECT id, path, name, format, status, error, n_chunks, imported_at "
                            "FROM document ORDER BY id").fetchall()
    out = []
    for did, path, name, fmt, status, error, n, imported in rows:
        if status == "error":
            detail = f"could not be imported: {error}"
        else:
            detail = f"{n} passage{'s' if n != 1 else ''} ({fmt})" + (f"; {status}" if status != "ok" else "")
        out.append(TimelineEvent(_aware(imported), "import", fs_path(name), detail, fs_path(path), f"document:{did}"))
    return out


def timeline(db: Database, facts: FactStore) -> list[TimelineEvent]:
    """Every event, newest first."""
    events = fact_events(facts) + memory_events(db) + import_events(db)
    return sorted(events, key=lambda e: (e.when, e.kind, e.ref), reverse=True)


def filter_events(events: Iterable[TimelineEvent], kinds: Sequence[str] | None = None,
                  text: str = "") -> list[TimelineEvent]:
    """The events of ``kinds`` (None: all) whose title, detail or source holds every word of ``text``."""
    wanted = set(kinds) if kinds is not None else set(KINDS)
    words = text.casefold().split()
    return [e for e in events if e.kind in wanted
            and all(w in f"{e.title}\n{e.detail}\n{e.source}".casefold() for w in words)]
