"""SQLite tables of the reflective memory: raw turns (L0), topic memories and their revisions.

A memory keeps the refs of the turns it came from (``msg:<message id>``), so every answer
can point back to what was actually said. Full-text indexes (FTS5) are kept in step by
triggers; vectors live in Chroma collections ``memories`` and ``memory_turns``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from core.store.clock import utcnow


class MemoryTurn(SQLModel, table=True):
    """One conversation turn as memory sees it (raw L0 memory)."""

    __tablename__ = "memory_turn"

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True)          # "msg:<message id>"
    conversation_id: int = Field(index=True)           # plain id, no foreign key (another feature's table)
    speaker: str = ""
    text: str = ""                                     # "Speaker: words" as indexed
    session_date: str = ""                             # human-readable date of the session
    created_at: datetime = Field(default_factory=utcnow)
    vector: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class Memory(SQLModel, table=True):
    """A topic memory: a summary plus the turns behind it."""

    __tablename__ = "memory"

    id: Optional[int] = Field(default=None, primary_key=True)
    summary: str
    text: str = ""                                     # what retrieval indexes: date, summary, source turns
    sources: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    conversation_id: Optional[int] = Field(default=None, index=True)
    session_date: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    vector: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class MemoryRevision(SQLModel, table=True):
    """An earlier text of a memory, kept when it was merged or edited."""

    __tablename__ = "memory_revision"

    id: Optional[int] = Field(default=None, primary_key=True)
    memory_id: int = Field(index=True)
    summary: str
    sources: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    reason: str = ""                                   # "merge" | "edit"
    created_at: datetime = Field(default_factory=utcnow)
