"""Kept forms: what someone typed into a form they sent after their session had ended, to send again once signed
in (portal/auth/kept_forms.py)

Revision ID: 0030_kept_form
Revises: 0029_data_stamp
Create Date: 2026-12-06 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_kept_form'
down_revision = '0029_data_stamp'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kept_form',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=2000), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('file_names', sa.JSON(), nullable=False),
        sa.Column('kept_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_kept_form_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_form')),
    )
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_form_kept_at'), ['kept_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_form_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_form_user_id'))
        batch_op.drop_index(batch_op.f('ix_kept_form_kept_at'))
    op.drop_table('kept_form')
