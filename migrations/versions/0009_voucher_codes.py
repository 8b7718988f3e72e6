"""win-back vouchers per company: a fixed code or a pattern that gives every customer an own
code, and how many days a voucher is valid (the mail shows the date)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('companies') as batch_op:
        # Existing companies keep the code the factory voucher text named.
        batch_op.add_column(sa.Column('voucher_code', sa.String(length=40), nullable=False,
                                      server_default='WIEDERDA30'))
        batch_op.add_column(sa.Column('voucher_valid_days', sa.Integer(), nullable=False,
                                      server_default='90'))


def downgrade() -> None:
    with op.batch_alter_table('companies') as batch_op:
        batch_op.drop_column('voucher_valid_days')
        batch_op.drop_column('voucher_code')
