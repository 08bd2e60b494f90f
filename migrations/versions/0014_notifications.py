"""Notifications: what each person was told

Revision ID: 0014_notifications
Revises: 0013_school_age_range
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_notifications'
down_revision = '0013_school_age_range'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
