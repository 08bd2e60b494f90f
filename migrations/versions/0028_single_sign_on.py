"""Single sign-on: the identity providers the LA trusts, and which account each provider's subject id belongs to

Revision ID: 0028_single_sign_on
Revises: 0027_two_factor
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_single_sign_on'
down_revision = '0027_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'identity_provider',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('issuer', sa.String(length=300), nullable=False),
        sa.Column('client_id', sa.String(length=300), nullable=False),
        sa.Column('client_secret', sa.String(length=500), nullable=False),
        sa.Column('email_domains', sa.Text(), nullable=False),
        sa.Column('passwords_off', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider')),
        sa.UniqueConstraint('name', name=op.f('uq_identity_provider_name')),
    )
    op.create_table(
        'sso_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['provider_id'], ['identity_provider.id'], name=op.f('fk_sso_link_provider_id_identity_provider'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sso_link_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_link')),
        sa.UniqueConstraint('provider_id', 'subject', name='uq_sso_link_provider_subject'),
        sa.UniqueConstraint('provider_id', 'user_id', name='uq_sso_link_provider_user'),
    )
    op.create_index(op.f('ix_sso_link_user_id'), 'sso_link', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sso_link_user_id'), table_name='sso_link')
    op.drop_table('sso_link')
    op.drop_table('identity_provider')
