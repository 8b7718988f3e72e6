"""service reminders: vehicles, workshop orders, mileage readings, the editable interval and
keyword tables, due dates per vehicle and type, and the invitations with their timeline

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import core.models


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_type', sa.String(length=20), nullable=False),
    sa.Column('make', sa.String(length=60), nullable=False),
    sa.Column('model_prefix', sa.String(length=100), nullable=False),
    sa.Column('fuel', sa.String(length=40), nullable=False),
    sa.Column('year_from', sa.Integer(), nullable=True),
    sa.Column('year_to', sa.Integer(), nullable=True),
    sa.Column('months', sa.Integer(), nullable=True),
    sa.Column('km', sa.Integer(), nullable=True),
    sa.Column('none', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('service_type_settings',
    sa.Column('service_type', sa.String(length=20), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('invite_days_before', sa.Integer(), nullable=False),
    sa.Column('reminder_after_days', sa.Integer(), nullable=False),
    sa.Column('call_list', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('service_type')
    )
    op.create_table('vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_number', sa.String(length=40), nullable=False),
    sa.Column('customer_number', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('vin', sa.String(length=40), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('make', sa.String(length=60), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('fuel', sa.String(length=40), nullable=False),
    sa.Column('first_registration', sa.Date(), nullable=False),
    sa.Column('mileage', sa.Integer(), nullable=True),
    sa.Column('mileage_on', sa.Date(), nullable=True),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('vehicle_number')
    )
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicles_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicles_plate'), ['plate'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicles_vin'), ['vin'], unique=False)

    op.create_table('service_dues',
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('service_type', sa.String(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('basis', sa.String(length=4), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('excluded', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], ),
    sa.PrimaryKeyConstraint('vehicle_id', 'service_type')
    )
    with op.batch_alter_table('service_dues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_dues_due_date'), ['due_date'], unique=False)

    op.create_table('service_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('service_types', sa.String(length=120), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('next_kind', sa.String(length=12), nullable=True),
    sa.Column('next_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('invited_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('call_listed_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('booked_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('callback_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('order_found_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('opened_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('clicked_at', core.models.UTCDateTime(), nullable=True),
    sa.Column('automated_clicks', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('service_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_invitations_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_service_invitations_due_id', ['due_date', 'id'], unique=False)
        batch_op.create_index('ix_service_invitations_next_at', ['next_at'], unique=False, sqlite_where=sa.text('next_at IS NOT NULL'), postgresql_where=sa.text('next_at IS NOT NULL'))
        batch_op.create_index(batch_op.f('ix_service_invitations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_invitations_vehicle_id'), ['vehicle_id'], unique=False)

    op.create_table('vehicle_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('km', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('vehicle_id', 'day', 'km', name='uq_vehicle_reading')
    )
    op.create_table('workshop_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=40), nullable=False),
    sa.Column('vehicle_number', sa.String(length=40), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('customer_number', sa.String(length=40), nullable=False),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('order_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('mileage', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_number')
    )
    with op.batch_alter_table('workshop_orders', schema=None) as batch_op:
        batch_op.create_index('ix_workshop_orders_vehicle', ['vehicle_id', 'order_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workshop_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_workshop_orders_vehicle')

    op.drop_table('workshop_orders')
    op.drop_table('vehicle_readings')
    with op.batch_alter_table('service_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_invitations_vehicle_id'))
        batch_op.drop_index(batch_op.f('ix_service_invitations_status'))
        batch_op.drop_index('ix_service_invitations_due_id')
        batch_op.drop_index('ix_service_invitations_next_at', sqlite_where=sa.text('next_at IS NOT NULL'), postgresql_where=sa.text('next_at IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_service_invitations_customer_id'))

    op.drop_table('service_invitations')
    with op.batch_alter_table('service_dues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_dues_due_date'))

    op.drop_table('service_dues')
    with op.batch_alter_table('vehicles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicles_vin'))
        batch_op.drop_index(batch_op.f('ix_vehicles_plate'))
        batch_op.drop_index(batch_op.f('ix_vehicles_customer_id'))

    op.drop_table('vehicles')
    op.drop_table('service_type_settings')
    op.drop_table('service_rules')
