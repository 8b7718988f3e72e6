"""indexes that serve the lists' sort orders and searches, so a first page at 1,000,000
rows reads 25 index entries instead of sorting or scanning the table; win-back's detection
index covers the last order's details too

Every sortable column of the trade-in list gets an index ending in the id (the tie-breaker
that keeps paging stable); customers get one on the name for the name sort, and a text
index over their searchable fields (core/customers/textindex.py): on SQLite an FTS5 table
with the trigram tokenizer, kept in step by triggers; on PostgreSQL a pg_trgm GIN index.

Revision ID: 0005
Revises: 0004
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# (table, index, columns)
INDEXES = (
    ('tradein_cases', 'ix_tradein_status_changed_id', ['status', 'status_changed_at', 'id']),
    ('tradein_cases', 'ix_tradein_changed_id', ['status_changed_at', 'id']),
    ('tradein_cases', 'ix_tradein_market_value_id', ['market_value_cents', 'id']),
    ('tradein_cases', 'ix_tradein_make_model_id', ['make', 'model', 'id']),
    ('tradein_cases', 'ix_tradein_created_id', ['created_at', 'id']),
    ('customers', 'ix_customers_name_id', ['last_name', 'first_name', 'id']),
    ('winback_entries', 'ix_winback_entries_decline_id', ['decline_percent', 'customer_id']),
)


# The searchable fields, as core/customers/textindex.py names them (copied: a migration
# must not change when the code does).
FIELDS = ('first_name', 'last_name', 'company_name', 'email', 'customer_number', 'city')
PG_EXPRESSION = " || ' ' || ".join(f"coalesce({f}, '')" for f in FIELDS)


def _sqlite_text_index() -> None:
    names = ', '.join(FIELDS)
    new = ', '.join(f'new.{f}' for f in FIELDS)
    old = ', '.join(f'old.{f}' for f in FIELDS)
    op.execute(f"CREATE VIRTUAL TABLE customers_fts USING fts5({names}, content='customers', "
               "content_rowid='id', tokenize='trigram')")
    insert = f"INSERT INTO customers_fts(rowid, {names}) VALUES (new.id, {new});"
    delete = (f"INSERT INTO customers_fts(customers_fts, rowid, {names}) "
              f"VALUES ('delete', old.id, {old});")
    op.execute(f"CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN {delete} END")
    op.execute(f"CREATE TRIGGER customers_fts_update AFTER UPDATE OF {names} ON customers "
               f"BEGIN {delete} {insert} END")
    op.execute("INSERT INTO customers_fts(customers_fts) VALUES ('rebuild')")


def upgrade() -> None:
    # The new status index starts with the old one's columns: the old one is redundant.
    op.drop_index('ix_tradein_status_changed', table_name='tradein_cases')
    # Win-back's detection index also covers the last order's company and product group.
    op.drop_index('ix_order_lines_customer_date', table_name='order_lines')
    op.create_index('ix_order_lines_detection', 'order_lines',
                    ['customer_id', 'order_date', 'net_cents', 'order_number', 'company_code',
                     'product_group'])
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_text_index()
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX ix_customers_search ON customers "
                   f"USING gin (({PG_EXPRESSION}) gin_trgm_ops)")


def downgrade() -> None:
    op.drop_index('ix_order_lines_detection', table_name='order_lines')
    op.create_index('ix_order_lines_customer_date', 'order_lines',
                    ['customer_id', 'order_date', 'net_cents'])
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER customers_fts_{trigger}")
        op.execute("DROP TABLE customers_fts")
    else:
        op.execute("DROP INDEX ix_customers_search")
    for table, name, _columns in INDEXES:
        op.drop_index(name, table_name=table)
    op.create_index('ix_tradein_status_changed', 'tradein_cases',
                    ['status', 'status_changed_at'])
