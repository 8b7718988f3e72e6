"""customers may consent to open and click measurement (KP_TRACKING asks for it)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of customers would drop the search index's triggers.
    op.add_column('customers', sa.Column('tracking_consent', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('customers', 'tracking_consent')  # SQLite >= 3.35 drops it in place
