"""Agenda documents

Revision ID: 0010_agenda_documents
Revises: 0009_sign_in_throttle
Create Date: 2026-11-26 02:26:32.406113

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_agenda_documents'
down_revision = '0009_sign_in_throttle'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_document_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('agenda_document_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('agenda_document_sha256', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('review_meeting', schema=None) as batch_op:
        batch_op.drop_column('agenda_document_sha256')
        batch_op.drop_column('agenda_document_key')
        batch_op.drop_column('agenda_document_name')

