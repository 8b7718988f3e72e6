"""events, outbox: point to a module record as (module, record_id) instead of case_id;
one event vocabulary (win-back's own kinds become "action" / "mail_suppressed")

Shared tables know no module: `case_id` (a foreign key to tradein_cases) becomes the pair
(module, record_id) with one index. Trade-in rows get ('tradein', case id); win-back rows,
whose records are keyed by customer, get ('winback', customer id).

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = ('events', 'outbox')
KIND_RENAMES = (('winback_action', 'action'), ('winback_mail_suppressed', 'mail_suppressed'),
                ('winback_won_back', 'status'), ('winback_detection', 'detection_run'))


def upgrade() -> None:
    # Plain ADD COLUMN (no table copy): nullable columns without default need no batch.
    for table in TABLES:
        op.add_column(table, sa.Column('module', sa.String(length=20), nullable=True))
        op.add_column(table, sa.Column('record_id', sa.Integer(), nullable=True))
        op.create_index(f'ix_{table}_module_record', table, ['module', 'record_id'])
    for table in TABLES:
        op.execute(f"UPDATE {table} SET module = 'tradein', record_id = case_id "
                   "WHERE case_id IS NOT NULL")
    # Win-back mails never had a case: their record is the customer. The same for the
    # win-back timeline rows (kinds 'winback_...'; the detection run has no customer).
    op.execute("UPDATE outbox SET module = 'winback', record_id = customer_id "
               "WHERE case_id IS NULL AND template_key LIKE 'winback.%'")
    op.execute("UPDATE events SET module = 'winback', record_id = customer_id "
               "WHERE case_id IS NULL AND kind LIKE 'winback!_%' ESCAPE '!'")
    # One event vocabulary for every module: the module column says whose action it was.
    for old, new in KIND_RENAMES:
        op.execute(f"UPDATE events SET kind = '{new}' WHERE kind = '{old}'")
    # On SQLite the batch copies the table without the column; the unnamed foreign key on
    # case_id is left behind with it (PostgreSQL drops it together with the column).
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_case_id')
            batch_op.drop_column('case_id')


def downgrade() -> None:
    for old, new in KIND_RENAMES:
        op.execute(f"UPDATE events SET kind = '{old}' WHERE kind = '{new}' "
                   "AND module = 'winback' AND text LIKE 'Rückgewinnung%'")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f'fk_{table}_case_id', 'tradein_cases',
                                        ['case_id'], ['id'])
            batch_op.create_index(f'ix_{table}_case_id', ['case_id'], unique=False)
    for table in TABLES:
        op.execute(f"UPDATE {table} SET case_id = record_id WHERE module = 'tradein'")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_module_record')
            batch_op.drop_column('record_id')
            batch_op.drop_column('module')
