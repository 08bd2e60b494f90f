"""Scheduler run: when the reminder scheduler last started and finished a run, for /healthz

Revision ID: 0024_scheduler_run
Revises: 0023_settings_stamp
Create Date: 2026-12-05 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_scheduler_run'
down_revision = '0023_settings_stamp'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('queued', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_run')),
    )


def downgrade():
    op.drop_table('scheduler_run')
