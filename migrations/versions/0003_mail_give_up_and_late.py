"""outbox: give up after a maximum age, hold late automatic mails for a decision

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=16), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('send_by', core.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('failing_since', core.models.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
        batch_op.drop_column('send_by')
        batch_op.drop_column('reason_code')
