"""SQLModel tables of the foundation: conversations and their messages.

Other concerns keep their tables in their own ``tables`` modules; every schema change is
an alembic migration in ``core/store/migrations/versions``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Column, JSON
from sqlmodel import Field, SQLModel

from core.store.clock import utcnow


class Conversation(SQLModel, table=True):
    __tablename__ = "conversation"

    id: Optional[int] = Field(default=None, primary_key=True)
    title: str = Field(default="New conversation")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    reflected_at: Optional[datetime] = Field(default=None)
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))


class Message(SQLModel, table=True):
    __tablename__ = "message"

    id: Optional[int] = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    role: str  # "system" | "user" | "assistant"
    content: str
    created_at: datetime = Field(default_factory=utcnow)
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
