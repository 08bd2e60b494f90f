"""Settings stamp: a random value that changes with every change to the LA's term dates, closure days and
deadline offsets, so each process may keep them between requests (portal/settings_cache.py)

Revision ID: 0023_settings_stamp
Revises: 0022_school_indexes
Create Date: 2026-12-05 08:40:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_settings_stamp'
down_revision = '0022_school_indexes'
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        'settings_stamp',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_stamp')),
    )
    op.bulk_insert(stamp, [{'id': 1, 'stamp': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('settings_stamp')
