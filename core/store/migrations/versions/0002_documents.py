"""Imported documents (L0 memory): documents, their chunks and a full-text index of the chunks.

Revision ID: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = ("documents",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String, nullable=False, unique=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("format", sa.String, nullable=False),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("mtime", sa.Float, nullable=False),
        sa.Column("status", sa.String, nullable=False),      # ok | missing | error
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("n_chunks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),   # JSON
        sa.Column("imported_at", sa.String, nullable=False),  # ISO 8601, UTC
        sa.Column("updated_at", sa.String, nullable=False),
    )
    op.create_index("ix_document_content_hash", "document", ["content_hash"])
    op.create_table(
        "chunk",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),   # JSON
        # 0 = the vector is not in Chroma yet (re-embedded on the next import), 1 = stored.
        sa.Column("vector_state", sa.Integer, nullable=False, server_default="0"),
        sa.Column("vector", sa.LargeBinary, nullable=True),  # float16 copy, so Chroma can be rebuilt
    )
    op.create_index("ix_chunk_document", "chunk", ["document_id", "ordinal"])
    op.execute("CREATE INDEX ix_chunk_pending ON chunk(vector_state) WHERE vector_state = 0")
    # No stemmer: query terms are then exactly the index's terms, so their document frequency
    # can be read from chunk_fts_vocab to leave out the costliest, least telling ones.
    op.execute("CREATE VIRTUAL TABLE chunk_fts USING fts5(text, content='chunk', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 2')")
    op.execute("CREATE VIRTUAL TABLE chunk_fts_vocab USING fts5vocab(chunk_fts, 'row')")
    op.execute("CREATE TRIGGER chunk_fts_ai AFTER INSERT ON chunk BEGIN "
               "INSERT INTO chunk_fts(rowid, text) VALUES (new.id, new.text); END")
    op.execute("CREATE TRIGGER chunk_fts_ad AFTER DELETE ON chunk BEGIN "
               "INSERT INTO chunk_fts(chunk_fts, rowid, text) VALUES ('delete', old.id, old.text); END")
    op.execute("CREATE TRIGGER chunk_fts_au AFTER UPDATE OF text ON chunk BEGIN "
               "INSERT INTO chunk_fts(chunk_fts, rowid, text) VALUES ('delete', old.id, old.text); "
               "INSERT INTO chunk_fts(rowid, text) VALUES (new.id, new.text); END")


def downgrade() -> None:
    for trig in ("chunk_fts_ai", "chunk_fts_ad", "chunk_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trig}")
    op.execute("DROP TABLE IF EXISTS chunk_fts_vocab")
    op.execute("DROP TABLE IF EXISTS chunk_fts")
    op.drop_table("chunk")
    op.drop_table("document")
