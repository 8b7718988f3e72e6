"""users remember their last login (shown on the users page)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

import core.models


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('last_login_at', core.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('last_login_at')
