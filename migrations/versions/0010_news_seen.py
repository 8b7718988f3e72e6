"""users remember when they last looked at the bell (what is new since then)

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

import core.models


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('news_seen_at', core.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('news_seen_at')
