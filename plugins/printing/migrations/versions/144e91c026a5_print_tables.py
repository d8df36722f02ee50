"""print tables

The printing plugin's tables: each organisation's letterhead (with its logo
and seal), the saved versions of the document types' templates, the issued
copies kept as printed, and batch prints.

Revision ID: 144e91c026a5
Revises:
Create Date: 2026-11-29 08:39:17.893244
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = '144e91c026a5'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('printing',)
depends_on: str | Sequence[str] | None = '0007_acl_stamp'


def upgrade() -> None:
    op.create_table('printing_letterhead',
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=False),
    sa.Column('address_en', sa.String(length=400), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('tax_id', sa.String(length=40), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=False),
    sa.Column('bank_account', sa.String(length=60), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_type', sa.String(length=20), nullable=False),
    sa.Column('seal', sa.LargeBinary(), nullable=True),
    sa.Column('seal_type', sa.String(length=20), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_printing_letterhead_org_id_core_org'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printing_letterhead')),
    sa.UniqueConstraint('org_id', name=op.f('uq_printing_letterhead_org_id'))
    )
    op.create_table('printing_batch',
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('doc_key', sa.String(length=120), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('record_ids', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_printing_batch_org_id_core_org'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_printing_batch_owner_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printing_batch'))
    )
    with op.batch_alter_table('printing_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_printing_batch_owner_id'), ['owner_id'], unique=False)

    op.create_table('printing_issued_copy',
    sa.Column('doc_key', sa.String(length=120), nullable=False),
    sa.Column('record_model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('number', sa.String(length=120), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('template_version', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_printing_issued_copy_created_by_id_core_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_printing_issued_copy_org_id_core_org'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printing_issued_copy'))
    )
    with op.batch_alter_table('printing_issued_copy', schema=None) as batch_op:
        batch_op.create_index('ix_printing_issued_copy_record', ['record_model', 'record_id'], unique=False)

    op.create_table('printing_template',
    sa.Column('doc_key', sa.String(length=120), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('comment', sa.String(length=200), nullable=False),
    sa.Column('reverted_from', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_printing_template_created_by_id_core_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printing_template')),
    sa.UniqueConstraint('doc_key', 'number', name=op.f('uq_printing_template_doc_key_number'))
    )


def downgrade() -> None:
    op.drop_table('printing_template')
    with op.batch_alter_table('printing_issued_copy', schema=None) as batch_op:
        batch_op.drop_index('ix_printing_issued_copy_record')

    op.drop_table('printing_issued_copy')
    with op.batch_alter_table('printing_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_printing_batch_owner_id'))

    op.drop_table('printing_batch')
    op.drop_table('printing_letterhead')
