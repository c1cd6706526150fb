"""Reflective memory (RMM): raw turns, topic memories, revisions, their FTS5 indexes, a model-output cache.

Revision ID: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0001"
branch_labels = ("memory",)
depends_on = None

_FTS = "tokenize='porter unicode61 remove_diacritics 2'"


def _fts(table: str) -> None:
    op.execute(f"CREATE VIRTUAL TABLE {table}_fts USING fts5(text, content='{table}', content_rowid='id', {_FTS})")
    op.execute(f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {table}_fts(rowid, text) VALUES (new.id, new.text); END")
    op.execute(f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN "
               f"INSERT INTO {table}_fts({table}_fts, rowid, text) VALUES ('delete', old.id, old.text); END")
    op.execute(f"CREATE TRIGGER {table}_fts_au AFTER UPDATE OF text ON {table} BEGIN "
               f"INSERT INTO {table}_fts({table}_fts, rowid, text) VALUES ('delete', old.id, old.text); "
               f"INSERT INTO {table}_fts(rowid, text) VALUES (new.id, new.text); END")


def upgrade() -> None:
    op.create_table(
        "memory_turn",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String, nullable=False, unique=True),
        sa.Column("conversation_id", sa.Integer, nullable=False),
        sa.Column("speaker", sa.String, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("session_date", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=True),  # float32 copy, so Chroma can be rebuilt
    )
    op.create_index("ix_memory_turn_ref", "memory_turn", ["ref"], unique=True)
    op.create_index("ix_memory_turn_conversation_id", "memory_turn", ["conversation_id"])
    op.create_table(
        "memory",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("conversation_id", sa.Integer, nullable=True),
        sa.Column("session_date", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=True),
    )
    op.create_index("ix_memory_conversation_id", "memory", ["conversation_id"])
    op.create_table(
        "memory_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("memory_id", sa.Integer, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_memory_revision_memory_id", "memory_revision", ["memory_id"])
    op.create_table(
        "memory_llm_cache",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    _fts("memory")
    _fts("memory_turn")


def downgrade() -> None:
    for table in ("memory", "memory_turn"):
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    op.drop_table("memory_llm_cache")
    op.drop_table("memory_revision")
    op.drop_table("memory")
    op.drop_table("memory_turn")
