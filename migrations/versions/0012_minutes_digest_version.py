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
    pass


def downgrade():
    pass
