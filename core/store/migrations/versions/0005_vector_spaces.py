"""Vector spaces: which embedder (name, width) made each Chroma collection's vectors, and the state of a re-embed.

Revision ID: 0005_vector_spaces
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_vector_spaces"
down_revision = "0001"
branch_labels = ("vectors",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vector_space",
        sa.Column("collection", sa.String, primary_key=True),
        sa.Column("embedder", sa.String, nullable=False),          # the embedder's name ('' = not known)
        sa.Column("dim", sa.Integer, nullable=False),
        # set while a re-embed to another embedder is under way; ``cursor`` is the last row it finished
        sa.Column("target_embedder", sa.String, nullable=True),
        sa.Column("target_dim", sa.Integer, nullable=True),
        sa.Column("cursor", sa.String, nullable=False, server_default=""),
        sa.Column("updated_at", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vector_space")
