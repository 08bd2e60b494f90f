"""Session settings: how many minutes a signed-in session may sit unused before it ends (the LA admin's setting)

Revision ID: 0025_session_settings
Revises: 0024_scheduler_run
Create Date: 2026-12-05 17:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_session_settings'
down_revision = '0024_scheduler_run'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('idle_minutes', sa.Integer(), nullable=False),
        sa.CheckConstraint('idle_minutes BETWEEN 5 AND 480', name=op.f('ck_session_settings_idle_minutes_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_settings')),
    )


def downgrade():
    op.drop_table('session_settings')
