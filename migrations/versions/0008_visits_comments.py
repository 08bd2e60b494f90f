"""Visits and plan comments

Revision ID: 0008_visits_comments
Revises: 0007_account_tokens
Create Date: 2026-11-26 01:52:17.172954

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_visits_comments'
down_revision = '0007_account_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('monitoring', 'verification', 'support', 'focus', name='visit_kind', native_enum=False, length=30), nullable=False),
    sa.Column('focus_priority_id', sa.Integer(), nullable=True),
    sa.Column('focus', sa.String(length=300), nullable=False),
    sa.Column('people_seen', sa.Text(), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('status', sa.Enum('draft', 'issued', 'corrections', 'final', name='notes_status', native_enum=False, length=30), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_due_on', sa.Date(), nullable=True),
    sa.Column('final_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('final_reason', sa.Enum('accurate', 'no_response', 'corrections_considered', name='notes_final_reason', native_enum=False, length=30), nullable=True),
    sa.ForeignKeyConstraint(['adviser_id'], ['user.id'], name=op.f('fk_visit_adviser_id_user')),
    sa.ForeignKeyConstraint(['focus_priority_id'], ['priority.id'], name=op.f('fk_visit_focus_priority_id_priority'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_visit_plan_id_plan'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_visit_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_adviser_id'), ['adviser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visited_on'), ['visited_on'], unique=False)

    op.create_table('accuracy_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.Enum('accurate', 'inaccurate', name='accuracy_verdict', native_enum=False, length=30), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('responded_by_id', sa.Integer(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['responded_by_id'], ['user.id'], name=op.f('fk_accuracy_response_responded_by_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_accuracy_response_school_id_school')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_accuracy_response_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accuracy_response'))
    )
    with op.batch_alter_table('accuracy_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accuracy_response_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accuracy_response_visit_id'), ['visit_id'], unique=False)

    op.create_table('notes_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_notes_version_created_by_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_notes_version_school_id_school')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_notes_version_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes_version')),
    sa.UniqueConstraint('visit_id', 'number', name='uq_notes_version_visit_number')
    )
    with op.batch_alter_table('notes_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_version_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_version_visit_id'), ['visit_id'], unique=False)

    op.create_table('plan_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('priority_id', sa.Integer(), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('criterion_id', sa.Integer(), nullable=True),
    sa.Column('target_label', sa.String(length=400), nullable=False),
    sa.Column('kind', sa.Enum('question', 'challenge', 'praise', name='comment_kind', native_enum=False, length=30), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'resolved', name='comment_status', native_enum=False, length=30), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], name=op.f('fk_plan_comment_action_id_plan_action'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_plan_comment_created_by_id_user')),
    sa.ForeignKeyConstraint(['criterion_id'], ['success_criterion.id'], name=op.f('fk_plan_comment_criterion_id_success_criterion'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_comment_plan_id_plan')),
    sa.ForeignKeyConstraint(['priority_id'], ['priority.id'], name=op.f('fk_plan_comment_priority_id_priority'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_plan_comment_resolved_by_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_plan_comment_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_comment'))
    )
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_comment_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_comment_criterion_id'), ['criterion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_comment_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_comment_priority_id'), ['priority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_comment_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_comment_status'), ['status'], unique=False)

    op.create_table('comment_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_reply_author_id_user')),
    sa.ForeignKeyConstraint(['comment_id'], ['plan_comment.id'], name=op.f('fk_comment_reply_comment_id_plan_comment')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_comment_reply_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_reply'))
    )
    with op.batch_alter_table('comment_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_reply_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_reply_school_id'), ['school_id'], unique=False)

    op.create_table('notes_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('passage_key', sa.String(length=60), nullable=False),
    sa.Column('passage_heading', sa.String(length=400), nullable=False),
    sa.Column('original_text', sa.Text(), nullable=False),
    sa.Column('correction', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Enum('pending', 'accepted', 'kept', name='correction_outcome', native_enum=False, length=30), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_notes_correction_decided_by_id_user')),
    sa.ForeignKeyConstraint(['response_id'], ['accuracy_response.id'], name=op.f('fk_notes_correction_response_id_accuracy_response')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_notes_correction_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes_correction'))
    )
    with op.batch_alter_table('notes_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_correction_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_correction_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('deadline_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes_days', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('notes_response_days', sa.Integer(), server_default='5', nullable=False))
        batch_op.create_check_constraint(op.f('ck_deadline_settings_notes_days_range'), 'notes_days BETWEEN 0 AND 60')
        batch_op.create_check_constraint(op.f('ck_deadline_settings_notes_response_days_range'),
                                         'notes_response_days BETWEEN 0 AND 60')

    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_file_visit_id'), ['visit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evidence_file_visit_id_visit'), 'visit', ['visit_id'], ['id'])

    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_verification_visit_id'), ['visit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_verification_visit_id_visit'), 'visit', ['visit_id'], ['id'])



def downgrade():
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_verification_visit_id_visit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_verification_visit_id'))
        batch_op.drop_column('visit_id')

    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_file_visit_id_visit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidence_file_visit_id'))
        batch_op.drop_column('visit_id')

    with op.batch_alter_table('deadline_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_deadline_settings_notes_response_days_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_deadline_settings_notes_days_range'), type_='check')
        batch_op.drop_column('notes_response_days')
        batch_op.drop_column('notes_days')

    with op.batch_alter_table('notes_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_correction_school_id'))
        batch_op.drop_index(batch_op.f('ix_notes_correction_response_id'))

    op.drop_table('notes_correction')
    with op.batch_alter_table('comment_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_reply_school_id'))
        batch_op.drop_index(batch_op.f('ix_comment_reply_comment_id'))

    op.drop_table('comment_reply')
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_comment_status'))
        batch_op.drop_index(batch_op.f('ix_plan_comment_school_id'))
        batch_op.drop_index(batch_op.f('ix_plan_comment_priority_id'))
        batch_op.drop_index(batch_op.f('ix_plan_comment_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_comment_criterion_id'))
        batch_op.drop_index(batch_op.f('ix_plan_comment_action_id'))

    op.drop_table('plan_comment')
    with op.batch_alter_table('notes_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_version_visit_id'))
        batch_op.drop_index(batch_op.f('ix_notes_version_school_id'))

    op.drop_table('notes_version')
    with op.batch_alter_table('accuracy_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accuracy_response_visit_id'))
        batch_op.drop_index(batch_op.f('ix_accuracy_response_school_id'))

    op.drop_table('accuracy_response')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_visited_on'))
        batch_op.drop_index(batch_op.f('ix_visit_status'))
        batch_op.drop_index(batch_op.f('ix_visit_school_id'))
        batch_op.drop_index(batch_op.f('ix_visit_plan_id'))
        batch_op.drop_index(batch_op.f('ix_visit_adviser_id'))

    op.drop_table('visit')
