"""each queued mail remembers who queued it (a user name, or "system" for automatic mails),
so sales staff see the outbox of their own mails

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('queued_by', sa.String(length=64), nullable=False,
                                      server_default='system'))
        batch_op.create_index('ix_outbox_queued_by_id', ['queued_by', 'id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_index('ix_outbox_queued_by_id')
        batch_op.drop_column('queued_by')
