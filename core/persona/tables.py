"""SQLModel tables of the persona memory (L1): facts, their history and evidence, topics, biography.

Sensitive values live only in ``value_enc`` (Fernet); ``value`` is then empty. Evidence
rows say which chunk or message supports which value, so that forgetting a document or
a fact removes everything derived from it. Times that are compared are epoch seconds.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.store.clock import utcnow


def now_s() -> float:
    return time.time()


def aware(dt: datetime) -> datetime:
    """SQLite hands datetimes back naive: they were stored in UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class PersonaFact(SQLModel, table=True):
    __tablename__ = "persona_fact"

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    value: str = ""
    value_enc: str = ""
    value_hash: str = ""
    sensitive: bool = False
    source: str = ""          # human-readable: "notes.txt", "chat 3", "user"
    source_ref: str = ""      # "chunk:12", "message:40", "user"
    confidence: float = 1.0
    pinned: bool = False
    user_set: bool = False
    support: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PersonaFactHistory(SQLModel, table=True):
    __tablename__ = "persona_fact_history"

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    value: str = ""
    value_enc: str = ""
    sensitive: bool = False
    source: str = ""
    source_ref: str = ""
    confidence: float = 1.0
    replaced_at: datetime = Field(default_factory=utcnow)
    reason: str = ""


class PersonaEvidence(SQLModel, table=True):
    __tablename__ = "persona_evidence"
    __table_args__ = (UniqueConstraint("key", "value_hash", "source_ref", name="uq_persona_evidence"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    value_hash: str
    value: str = ""
    value_enc: str = ""
    sensitive: bool = False
    source_ref: str = Field(index=True)
    source: str = ""
    document_id: Optional[int] = Field(default=None, index=True)
    confidence: float = 0.5
    change: bool = False
    rule: str = ""
    observed_at: float = Field(default_factory=now_s)


class PersonaTombstone(SQLModel, table=True):
    __tablename__ = "persona_tombstone"

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    value_hash: str
    created_at: datetime = Field(default_factory=utcnow)


class PersonaSeen(SQLModel, table=True):
    """Which chunks and messages the extraction has read (and whether the model has too)."""

    __tablename__ = "persona_seen"

    ref: str = Field(primary_key=True)
    document_id: Optional[int] = Field(default=None, index=True)
    content_hash: str = ""
    model_done: bool = False
    processed_at: float = Field(default_factory=now_s)


class PersonaTopic(SQLModel, table=True):
    __tablename__ = "persona_topic"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = ""
    description: str = ""
    keywords: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    size: int = 0
    named_size: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PersonaTopicItem(SQLModel, table=True):
    """One memory, chunk or message placed in a topic; its vector is in Chroma (``persona_items``)."""

    __tablename__ = "persona_topic_item"

    ref: str = Field(primary_key=True)
    topic_id: Optional[int] = Field(default=None, index=True)
    document_id: Optional[int] = Field(default=None, index=True)
    snippet: str = ""         # the start of the text (sensitive values redacted), to name the topic
    added_at: float = Field(default_factory=now_s)


class PersonaBio(SQLModel, table=True):
    __tablename__ = "persona_bio"

    id: Optional[int] = Field(default=None, primary_key=True)
    first_person: str = ""
    third_person: str = ""
    first_edited: bool = False
    third_edited: bool = False
    inputs_hash: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class PersonaOwnerClue(SQLModel, table=True):
    """One piece of evidence for who the owner of the data folder is (see ``core.persona.owner``)."""

    __tablename__ = "persona_owner_clue"

    id: Optional[int] = Field(default=None, primary_key=True)
    source_ref: str = Field(index=True)
    document_id: Optional[int] = Field(default=None, index=True)
    kind: str = ""
    name: str = ""
    email: str = ""
    weight: float = 0.0
    detail: str = ""
    source: str = ""


class PersonaOwner(SQLModel, table=True):
    """The owner as the user confirmed or set it (``confirmed``), and the owner the facts were read for."""

    __tablename__ = "persona_owner"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = ""
    emails: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    confirmed: bool = False
    extracted_for: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class PersonaPerson(SQLModel, table=True):
    """Someone in the owner's life (never the owner): what one source says about them."""

    __tablename__ = "persona_person"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = ""
    relation: str = ""
    email: str = ""
    tel: str = ""
    organization: str = ""
    source: str = ""
    source_ref: str = Field(default="", index=True)
    document_id: Optional[int] = Field(default=None, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
