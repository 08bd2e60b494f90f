"""Indexes for the questions the LA's pages ask of every school at once: its plan for a year, its meetings by
date, whether anything was verified in a half term, its visits in a half term

Revision ID: 0022_school_indexes
Revises: 0021_meeting_kinds
Create Date: 2026-12-05 06:05:03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_school_indexes'
down_revision = '0021_meeting_kinds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index('ix_plan_school_year', ['school_id', 'academic_year_id'], unique=False)

    with op.batch_alter_table('review_meeting', schema=None) as batch_op:
        batch_op.create_index('ix_review_meeting_school_meets_on', ['school_id', 'meets_on'], unique=False)

    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.create_index('ix_verification_school_half_term', ['school_id', 'half_term_id'], unique=False)

    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_school_visited_on', ['school_id', 'visited_on'], unique=False)



def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_school_visited_on')

    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_school_half_term')

    with op.batch_alter_table('review_meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_review_meeting_school_meets_on')

    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_school_year')

