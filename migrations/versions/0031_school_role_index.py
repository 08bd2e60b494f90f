"""School roles indexed by school and role: whether a school has an adviser is read from the index alone, for
every school on the LA overview

Revision ID: 0031_school_role_index
Revises: 0030_kept_form
Create Date: 2026-12-06 20:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031_school_role_index'
down_revision = '0030_kept_form'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('school_role', schema=None) as batch_op:
        batch_op.create_index('ix_school_role_school_role', ['school_id', 'role'], unique=False)
        batch_op.drop_index('ix_school_role_school_id')


def downgrade():
    with op.batch_alter_table('school_role', schema=None) as batch_op:
        batch_op.create_index('ix_school_role_school_id', ['school_id'], unique=False)
        batch_op.drop_index('ix_school_role_school_role')
