"""win-back entries carry fewer index entries: detection writes one row per customer with
orders (200,000 in a dealer group), and every index is written with each of them

The index on is_decline goes: the decline list reads the decline-percent index in order and
the tile counts scan the table anyway. The reminder index holds only entries that have a
reminder (`remind_on <= today` implies it), so a first detection run writes none there.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_winback_entries_is_decline', table_name='winback_entries')
    op.drop_index('ix_winback_entries_remind_on', table_name='winback_entries')
    op.create_index('ix_winback_entries_remind_on', 'winback_entries', ['remind_on'],
                    sqlite_where=sa.text('remind_on IS NOT NULL'),
                    postgresql_where=sa.text('remind_on IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_winback_entries_remind_on', table_name='winback_entries')
    op.create_index('ix_winback_entries_remind_on', 'winback_entries', ['remind_on'])
    op.create_index('ix_winback_entries_is_decline', 'winback_entries', ['is_decline'])
