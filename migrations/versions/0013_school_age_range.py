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
    pass


def downgrade():
    pass
