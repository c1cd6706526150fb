"""MemoryService: the reflective memory's one facade (store, reflection, reranker, retrieval, chat provider).

The CLI, the UI and the evaluation use this; nothing else builds the parts.
"""
from __future__ import annotations

import builtins
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.jobs import CancelToken, Progress, ProgressFn, no_progress
from core.memory.provider import MemoryContextProvider
from core.memory.reflect import ReflectionStats, Reflector
from core.memory.reranker import Reranker
from core.memory.retrieval import Retriever
from core.memory.scheduler import IdleReflection
from core.memory.store import MemoryStore, TurnIn
from core.chat.store import ConversationStore
from core.settings import SettingsStore
from core.store.db import Database
from core.ports import ChatModelLoader, DocumentSearch, EmbedderLoader, VectorStore

log = logging.getLogger(__name__)

SESSION_TURNS = 40        # a longer stretch of unreflected chat is reflected in parts of this size


def _date_text(dt: datetime) -> str:
    return f"{dt.day} {dt:%B %Y}"


class MemoryService:
    """Everything reflective memory does for one data folder."""

    def __init__(self, db: Database, vectors: VectorStore, conversations: ConversationStore,
                 settings_store: SettingsStore, llm: ChatModelLoader | None, embedder: EmbedderLoader, models_dir: Path, documents: DocumentSearch | None = None,
                 dim: int | None = None) -> None:
        self.db = db
        self.conversations = conversations
        self.settings_store = settings_store
        self.store = MemoryStore(db, vectors, embedder)
        self.reflector = Reflector(self.store, llm, lambda: self.settings.reflection.merge_candidates)
        # the reranker's width is the embedder's, asked when it is first needed (the embedder loads lazily)
        self.reranker = Reranker(dim if dim is not None else (lambda: embedder().dim),
                                 Path(models_dir) / "reranker.safetensors")
        self.retriever = Retriever(self.store, embedder, self.reranker, documents,
                                   rrf_k=lambda: self.settings.retrieval.rrf_k, through_memories=True)
        self.idle = IdleReflection(self.pending_conversations, self.reflect_conversation, lambda: self.settings)
        self.provider = MemoryContextProvider(self.retriever, lambda: self.settings, on_activity=self.idle.touch)
        conversations.on_message(lambda *_: self.idle.touch())

    @property
    def settings(self):  # -> core.settings.Settings
        return self.settings_store.settings

    # ---- prospective reflection ---------------------------------------------------------------------
    def _unreflected(self, conversation_id: int) -> list[Any]:
        msgs = [m for m in self.conversations.messages(conversation_id) if m.role in ("user", "assistant")]
        known = self.store.turns_by_ref([f"msg:{m.id}" for m in msgs])
        return [m for m in msgs if f"msg:{m.id}" not in known and m.content.strip()]

    def reflect_conversation(self, conversation_id: int, cancel: CancelToken | None = None) -> ReflectionStats:
        """Turn a conversation's unreflected messages into memories (a session = the new messages)."""
        stats = ReflectionStats()
        msgs = self._unreflected(conversation_id)
        if not msgs:
            return stats
        conv = self.conversations.get(conversation_id)
        meta = conv.meta or {}
        for start in range(0, len(msgs), SESSION_TURNS):
            part = msgs[start:start + SESSION_TURNS]
            created = part[0].created_at
            if created.tzinfo is None:
                created = created.replace(tzinfo=timezone.utc)
            date = str(meta.get("session_date") or _date_text(created))
            turns = [TurnIn(f"msg:{m.id}", str((m.meta or {}).get("speaker") or ("User" if m.role == "user" else "Mnemo")),
                            m.content, date) for m in part]
            stats.add(self.reflector.reflect_session(conversation_id, turns, date, cancel))
        self.conversations.set_meta(conversation_id, memory_reflected_at=datetime.now(timezone.utc).isoformat())
        return stats

    def pending_conversations(self, idle_seconds: float = 0.0) -> list[int]:
        """Conversations quiet for ``idle_seconds`` that have messages not yet reflected, oldest first."""
        cutoff = datetime.now(timezone.utc).timestamp() - idle_seconds
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT c.id, c.updated_at FROM conversation c WHERE EXISTS (SELECT 1 FROM message m "
                "WHERE m.conversation_id = c.id AND m.role IN ('user', 'assistant') AND NOT EXISTS "
                "(SELECT 1 FROM memory_turn t WHERE t.ref = 'msg:' || m.id)) ORDER BY c.updated_at").fetchall()
        out = []
        for cid, updated in rows:
            if isinstance(updated, str):
                updated = datetime.fromisoformat(updated)
            if updated.tzinfo is None:
                updated = updated.replace(tzinfo=timezone.utc)
            if updated.timestamp() <= cutoff:
                out.append(int(cid))
        return out

    def reflect_pending(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> ReflectionStats:
        """Reflect on every conversation with unreflected messages now (``mnemo reflect``)."""
        ids = self.pending_conversations(0.0)
        stats = ReflectionStats()
        for n, cid in enumerate(ids):
            progress(Progress(n, len(ids), f"conversation {cid}"))
            stats.add(self.reflect_conversation(cid, cancel))
        progress(Progress(len(ids), len(ids), "done"))
        return stats

    def start_background(self) -> None:
        self.idle.start()

    def close(self) -> None:
        self.idle.stop()

    # ---- inspection and editing ---------------------------------------------------------------------
    def list(self, query: str = "", limit: int = 100, offset: int = 0) -> list[Any]:
        return self.store.list(query, limit, offset)

    def get(self, memory_id: int) -> Any:
        return self.store.get(memory_id)

    def revisions(self, memory_id: int) -> builtins.list[Any]:
        return self.store.revisions(memory_id)

    def source_turns(self, memory_id: int) -> builtins.list[Any]:
        m = self.store.get(memory_id)
        by = self.store.turns_by_ref(m.sources)
        return [by[r] for r in m.sources if r in by]

    def edit(self, memory_id: int, summary: str) -> Any:
        return self.store.update(memory_id, summary, reason="edit")

    def forget(self, memory_id: int) -> None:
        self.store.forget(memory_id)

    def search(self, query: str, k: int = 10) -> builtins.list[Any]:
        """Memories and turns for ``query``, best first (reranked, no sampling)."""
        got = self.retriever.retrieve(query, k=max(k, self.settings.retrieval.top_k))
        return [got.candidates[i] for i in got.order()[:k]]
