"""replies from customers go where the dealer wants: a Reply-To per win-back company, and
each queued mail keeps the Reply-To it was queued with

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('companies', 'outbox'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=False,
                                          server_default=''))


def downgrade() -> None:
    for table in ('companies', 'outbox'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('reply_to')
