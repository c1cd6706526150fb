"""Sensitive values found in documents, mail and chat: placeholder -> encrypted value, and the scan cursors.

Revision ID: 0007_sensitive_values
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_sensitive_values"
down_revision = "0001"
branch_labels = ("privacy",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sensitive_value",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String, nullable=False, unique=True),      # the placeholder, e.g. "IBAN •••• 5432"
        sa.Column("kind", sa.String, nullable=False),                  # card | iban | passport | ... | password
        sa.Column("digest", sa.String, nullable=False, unique=True),   # keyed hash of the value: equal values, one row
        sa.Column("ciphertext", sa.String, nullable=False),            # Fernet, the key of the sensitive facts
        sa.Column("created_at", sa.String, nullable=False),
    )
    # The scan that protects values stored before this revision: one cursor (last row id done) per table.
    op.create_table(
        "sensitive_scan",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("last_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.String, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("sensitive_scan")
    op.drop_table("sensitive_value")
