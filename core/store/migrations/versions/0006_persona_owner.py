"""Persona owner and people: the clues for who owns the data folder, the owner the user confirmed, and the
small records of other people (partner, colleagues, family) kept apart from the owner's profile.

Revision ID: 0006_persona_owner
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_persona_owner"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "persona_owner_clue",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_ref", sa.String, nullable=False),     # "doc:12" or "message:40"
        sa.Column("document_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String, nullable=False),           # sent-mail, contacts-me, statement, payslip, ...
        sa.Column("name", sa.String, nullable=False),
        sa.Column("email", sa.String, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("detail", sa.String, nullable=False),         # "'I'm Ada Novak' in about-me.md"
        sa.Column("source", sa.String, nullable=False),
    )
    op.create_index("ix_persona_owner_clue_source_ref", "persona_owner_clue", ["source_ref"])
    op.create_index("ix_persona_owner_clue_document_id", "persona_owner_clue", ["document_id"])
    op.create_table(
        "persona_owner",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("emails", sa.JSON, nullable=False),
        sa.Column("confirmed", sa.Boolean, nullable=False),     # set or confirmed by the user
        sa.Column("extracted_for", sa.String, nullable=False),  # the owner signature the facts were read for
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "persona_person",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("relation", sa.String, nullable=False),       # sister, partner, colleague, "" when unknown
        sa.Column("email", sa.String, nullable=False),
        sa.Column("tel", sa.String, nullable=False),
        sa.Column("organization", sa.String, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("source_ref", sa.String, nullable=False),
        sa.Column("document_id", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_persona_person_source_ref", "persona_person", ["source_ref"])
    op.create_index("ix_persona_person_document_id", "persona_person", ["document_id"])


def downgrade() -> None:
    op.drop_table("persona_person")
    op.drop_table("persona_owner")
    op.drop_table("persona_owner_clue")
