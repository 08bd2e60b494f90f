"""Minutes digest: the canonical form's version

Revision ID: 0012_minutes_digest_version
Revises: 0011_sixth_form
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_minutes_digest_version'
down_revision = '0011_sixth_form'
branch_labels = None
depends_on = None


def upgrade():
    # Every existing row gets 1: minutes confirmed so far were digested with the first canonical form,
    # which did not cover the action rows; their digests must keep verifying.
    with op.batch_alter_table('minutes_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('canonical_form', sa.SmallInteger(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('minutes_version', schema=None) as batch_op:
        batch_op.drop_column('canonical_form')
