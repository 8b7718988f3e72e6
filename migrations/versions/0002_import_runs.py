"""import runs: batched, undoable imports

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('started_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('heartbeat_at', core.models.UTCDateTime(), nullable=False),
    sa.Column('finished_at', core.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_import_runs_status', 'import_runs', ['status'])
    op.create_table('import_journal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('old', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_import_journal_run_id', 'import_journal', ['run_id'])
    # Plain ADD COLUMN (no table copy): a nullable column without default needs no batch.
    op.add_column('customers', sa.Column('import_run_id', sa.Integer(), nullable=True))
    op.add_column('order_lines', sa.Column('import_run_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_lines') as batch:
        batch.drop_column('import_run_id')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('import_run_id')
    op.drop_index('ix_import_journal_run_id', 'import_journal')
    op.drop_table('import_journal')
    op.drop_index('ix_import_runs_status', 'import_runs')
    op.drop_table('import_runs')
