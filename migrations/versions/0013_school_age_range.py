"""Schools: statutory age range from GIAS

Revision ID: 0013_school_age_range
Revises: 0012_minutes_digest_version
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_school_age_range'
down_revision = '0012_minutes_digest_version'
branch_labels = None
depends_on = None


def upgrade():
    # Both unknown (NULL) until the next GIAS import or the LA admin enters them: the phase decides meanwhile.
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statutory_low_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('statutory_high_age', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('statutory_high_age')
        batch_op.drop_column('statutory_low_age')
