"""Sixth form

Revision ID: 0011_sixth_form
Revises: 0010_agenda_documents
Create Date: 2026-11-26 02:59:20.298333

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_sixth_form'
down_revision = '0010_agenda_documents'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evaluation_area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_sixth_form', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The ready-made (and copied) sixth-form areas: only schools with a sixth form, where that is known.
    op.execute(sa.text("UPDATE evaluation_area SET needs_sixth_form = :yes WHERE key = 'sixth-form'").bindparams(yes=True))

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_sixth_form', sa.Boolean(), nullable=True))



def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('has_sixth_form')

    with op.batch_alter_table('evaluation_area', schema=None) as batch_op:
        batch_op.drop_column('needs_sixth_form')

