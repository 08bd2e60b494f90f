"""Lists at national size: each school's name casefolded beside it, so the LA overview sorts and pages schools by
name in SQL (20,000 in a shared deployment) in the order Python sorts them; and minutes indexed for the LA's list
of those the governing body has not yet received

Revision ID: 0032_lists_at_national_size
Revises: 0031_school_role_index
Create Date: 2026-12-07 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_lists_at_national_size'
down_revision = '0031_school_role_index'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), server_default='', nullable=False))
    school = sa.table('school', sa.column('id', sa.Integer()), sa.column('name', sa.String()),
                      sa.column('name_key', sa.String()))
    connection = op.get_bind()
    names = connection.execute(sa.select(school.c.id, school.c.name)).all()
    update = school.update().where(school.c.id == sa.bindparam('school_id')).values(name_key=sa.bindparam('key'))
    for start in range(0, len(names), BATCH):
        connection.execute(update, [{'school_id': school_id, 'key': (name or '').casefold()}
                                    for school_id, name in names[start:start + BATCH]])
    with op.batch_alter_table('minutes_version', schema=None) as batch_op:
        batch_op.create_index('ix_minutes_version_for_governing_body',
                              ['status', 'governing_body_on', 'confirmed_at', 'meeting_id', 'number'], unique=False)


def downgrade():
    with op.batch_alter_table('minutes_version', schema=None) as batch_op:
        batch_op.drop_index('ix_minutes_version_for_governing_body')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('name_key')
