"""Data stamp: a random value that changes with every committed change to the data, so a page that only reads
may be served again until something changes (portal/data_stamp.py, portal/page_cache.py)

Revision ID: 0029_data_stamp
Revises: 0028_single_sign_on
Create Date: 2026-12-06 04:20:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_data_stamp'
down_revision = '0028_single_sign_on'
branch_labels = None
depends_on = None


def upgrade():
    stamp = op.create_table(
        'data_stamp',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_stamp')),
    )
    op.bulk_insert(stamp, [{'id': 1, 'stamp': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('data_stamp')
