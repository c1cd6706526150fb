"""Conversations and messages in SQLite: create, list, read, rename, delete, search, export."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import delete, func
from sqlmodel import col, select

from core.errors import MnemoError
from core.privacy.vault import SensitiveVault
from core.store.db import Database
from core.store.clock import utcnow
from core.store.tables import Conversation, Message


@dataclass
class ConversationSummary:
    id: int
    title: str
    updated_at: datetime
    n_messages: int


class ConversationStore:
    """Reads and writes conversations; every multi-row write is one transaction."""

    def __init__(self, db: Database, sensitive: SensitiveVault | None = None) -> None:
        self.db = db
        self.sensitive = sensitive  # masks card numbers, IBANs, ID numbers, passwords before they are stored
        self._listeners: list[Any] = []

    def on_message(self, listener: Callable[[int, Message], None]) -> None:
        """Call ``listener(conversation_id, message)`` after a message is stored."""
        self._listeners.append(listener)

    def create(self, title: str = "New conversation", meta: dict[str, Any] | None = None) -> Conversation:
        with self.db.session() as s:
            conv = Conversation(title=title, meta=meta or {})
            s.add(conv)
            s.flush()
            s.refresh(conv)
            return conv

    def get(self, conversation_id: int) -> Conversation:
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise MnemoError(f"There is no conversation {conversation_id}.", "List them with 'mnemo chat --list'.")
            return conv

    def add_message(self, conversation_id: int, role: str, content: str, meta: dict[str, Any] | None = None,
                    created_at: datetime | None = None) -> Message:
        if self.sensitive is not None:
            content = self.sensitive.mask(content)
            meta = self.sensitive.mask_obj(meta) if meta else meta
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise MnemoError(f"There is no conversation {conversation_id}.", "Start a new one.")
            msg = Message(conversation_id=conversation_id, role=role, content=content, meta=meta or {})
            if created_at is not None:
                msg.created_at = created_at
            s.add(msg)
            conv.updated_at = utcnow()
            if conv.title == "New conversation" and role == "user":
                conv.title = _title_from(content)
            s.add(conv)
            s.flush()
            s.refresh(msg)
        for listener in list(self._listeners):
            listener(conversation_id, msg)
        return msg

    def messages(self, conversation_id: int) -> list[Message]:
        with self.db.session() as s:
            return list(s.exec(select(Message).where(Message.conversation_id == conversation_id).order_by(col(Message.id))))

    def history(self, conversation_id: int) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in self.messages(conversation_id) if m.role in ("user", "assistant")]

    def list(self, query: str = "", limit: int = 200) -> list[ConversationSummary]:
        """Newest first; ``query`` matches titles and message text (case-insensitive)."""
        with self.db.session() as s:
            stmt = (select(Conversation, func.count(col(Message.id)))
                    .join(Message, col(Message.conversation_id) == Conversation.id, isouter=True)
                    .group_by(col(Conversation.id)).order_by(col(Conversation.updated_at).desc()).limit(limit))
            if query:
                if self.sensitive is not None:
                    query = self.sensitive.mask(query, store=False)
                like = f"%{query.lower()}%"
                hit = select(Message.conversation_id).where(func.lower(Message.content).like(like))
                stmt = stmt.where((func.lower(Conversation.title).like(like)) | (col(Conversation.id).in_(hit)))
            return [ConversationSummary(c.id, c.title, c.updated_at, n) for c, n in s.exec(stmt)]  # type: ignore[misc, arg-type]

    def rename(self, conversation_id: int, title: str) -> None:
        title = title.strip() or "Untitled"
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise MnemoError(f"There is no conversation {conversation_id}.")
            conv.title = title[:200]
            s.add(conv)

    def delete(self, conversation_id: int) -> None:
        with self.db.session() as s:
            s.exec(delete(Message).where(col(Message.conversation_id) == conversation_id))
            s.exec(delete(Conversation).where(col(Conversation.id) == conversation_id))

    def set_meta(self, conversation_id: int, **values: Any) -> None:
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                return
            conv.meta = {**(conv.meta or {}), **values}
            s.add(conv)

    def to_markdown(self, conversation_id: int) -> str:
        conv = self.get(conversation_id)
        lines = [f"# {conv.title}", "", f"_Started {conv.created_at:%Y-%m-%d %H:%M} UTC_", ""]
        for m in self.messages(conversation_id):
            who = {"user": "You", "assistant": "Mnemo"}.get(m.role, m.role)
            lines += [f"**{who}** ({m.created_at:%Y-%m-%d %H:%M}):", "", m.content, ""]
            for src in (m.meta or {}).get("sources", []):
                if src.get("cited"):
                    lines.append(f"> [{src.get('n')}] {src.get('source')}")
            if (m.meta or {}).get("sources"):
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _title_from(text: str) -> str:
    words = " ".join(text.split())
    return (words[:60] + "…") if len(words) > 60 else (words or "New conversation")
