"""Persona memory (L1): facts, fact history, evidence, tombstones, seen sources, topics, biography.

Revision ID: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0001"
branch_labels = ("persona",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "persona_fact",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False, unique=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("value_enc", sa.Text, nullable=False),
        sa.Column("value_hash", sa.String, nullable=False),
        sa.Column("sensitive", sa.Boolean, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("source_ref", sa.String, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("user_set", sa.Boolean, nullable=False),
        sa.Column("support", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_persona_fact_key", "persona_fact", ["key"], unique=True)
    op.create_table(
        "persona_fact_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("value_enc", sa.Text, nullable=False),
        sa.Column("sensitive", sa.Boolean, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("source_ref", sa.String, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("replaced_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
    )
    op.create_index("ix_persona_fact_history_key", "persona_fact_history", ["key"])
    op.create_table(
        "persona_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("value_hash", sa.String, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("value_enc", sa.Text, nullable=False),
        sa.Column("sensitive", sa.Boolean, nullable=False),
        sa.Column("source_ref", sa.String, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("document_id", sa.Integer, nullable=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("change", sa.Boolean, nullable=False),
        sa.Column("rule", sa.String, nullable=False),
        sa.Column("observed_at", sa.Float, nullable=False),
        sa.UniqueConstraint("key", "value_hash", "source_ref", name="uq_persona_evidence"),
    )
    op.create_index("ix_persona_evidence_key", "persona_evidence", ["key"])
    op.create_index("ix_persona_evidence_source_ref", "persona_evidence", ["source_ref"])
    op.create_index("ix_persona_evidence_document_id", "persona_evidence", ["document_id"])
    op.create_table(
        "persona_tombstone",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("value_hash", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_persona_tombstone_key", "persona_tombstone", ["key"])
    op.create_table(
        "persona_seen",
        sa.Column("ref", sa.String, primary_key=True),
        sa.Column("document_id", sa.Integer, nullable=True),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("model_done", sa.Boolean, nullable=False),
        sa.Column("processed_at", sa.Float, nullable=False),
    )
    op.create_index("ix_persona_seen_document_id", "persona_seen", ["document_id"])
    op.create_table(
        "persona_topic",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("named_size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "persona_topic_item",
        sa.Column("ref", sa.String, primary_key=True),
        sa.Column("topic_id", sa.Integer, nullable=True),
        sa.Column("document_id", sa.Integer, nullable=True),
        sa.Column("snippet", sa.Text, nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    op.create_index("ix_persona_topic_item_topic_id", "persona_topic_item", ["topic_id"])
    op.create_index("ix_persona_topic_item_document_id", "persona_topic_item", ["document_id"])
    op.create_table(
        "persona_bio",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_person", sa.Text, nullable=False),
        sa.Column("third_person", sa.Text, nullable=False),
        sa.Column("first_edited", sa.Boolean, nullable=False),
        sa.Column("third_edited", sa.Boolean, nullable=False),
        sa.Column("inputs_hash", sa.String, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for name in ("persona_bio", "persona_topic_item", "persona_topic", "persona_seen", "persona_tombstone",
                 "persona_evidence", "persona_fact_history", "persona_fact"):
        op.drop_table(name)
