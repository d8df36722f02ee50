"""import batches

Revision ID: be037d2d165f
Revises:
Create Date: 2026-11-29 04:40:20.251929
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db  # noqa: F401 - column types of the suite

revision: str = 'be037d2d165f'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('dataio',)
depends_on: str | Sequence[str] | None = '0006_extra'


def upgrade() -> None:
    op.create_table('dataio_match_key',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataio_match_key'))
    )
    with op.batch_alter_table('dataio_match_key', schema=None) as batch_op:
        batch_op.create_index('ix_dataio_match_key_lookup', ['model', 'kind', 'key'], unique=False)
        batch_op.create_index('ix_dataio_match_key_record', ['model', 'record_id'], unique=False)

    op.create_table('dataio_batch',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('encoding', sa.String(length=20), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('match_key', sa.String(length=120), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('source', sa.LargeBinary(), nullable=False),
    sa.Column('job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_dataio_batch_department_id_core_department')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_dataio_batch_org_id_core_org')),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_dataio_batch_owner_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataio_batch'))
    )
    with op.batch_alter_table('dataio_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataio_batch_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dataio_batch_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dataio_batch_owner_id'), ['owner_id'], unique=False)

    op.create_table('dataio_export_template',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_dataio_export_template_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataio_export_template')),
    sa.UniqueConstraint('user_id', 'model', 'name', name=op.f('uq_dataio_export_template_user_id_model_name'))
    )
    op.create_table('dataio_mapping',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_dataio_mapping_user_id_core_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataio_mapping')),
    sa.UniqueConstraint('user_id', 'model', name=op.f('uq_dataio_mapping_user_id_model'))
    )
    op.create_table('dataio_merge_log',
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('survivor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('merged_ids', sa.JSON(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['core_department.id'], name=op.f('fk_dataio_merge_log_department_id_core_department')),
    sa.ForeignKeyConstraint(['org_id'], ['core_org.id'], name=op.f('fk_dataio_merge_log_org_id_core_org')),
    sa.ForeignKeyConstraint(['owner_id'], ['core_user.id'], name=op.f('fk_dataio_merge_log_owner_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataio_merge_log'))
    )
    with op.batch_alter_table('dataio_merge_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dataio_merge_log_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dataio_merge_log_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dataio_merge_log_owner_id'), ['owner_id'], unique=False)

    op.create_table('dataio_batch_row',
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['dataio_batch.id'], name=op.f('fk_dataio_batch_row_batch_id_dataio_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataio_batch_row'))
    )
    with op.batch_alter_table('dataio_batch_row', schema=None) as batch_op:
        batch_op.create_index('ix_dataio_batch_row_batch', ['batch_id', 'row_no'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dataio_batch_row', schema=None) as batch_op:
        batch_op.drop_index('ix_dataio_batch_row_batch')

    op.drop_table('dataio_batch_row')
    with op.batch_alter_table('dataio_merge_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataio_merge_log_owner_id'))
        batch_op.drop_index(batch_op.f('ix_dataio_merge_log_org_id'))
        batch_op.drop_index(batch_op.f('ix_dataio_merge_log_department_id'))

    op.drop_table('dataio_merge_log')
    op.drop_table('dataio_mapping')
    op.drop_table('dataio_export_template')
    with op.batch_alter_table('dataio_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dataio_batch_owner_id'))
        batch_op.drop_index(batch_op.f('ix_dataio_batch_org_id'))
        batch_op.drop_index(batch_op.f('ix_dataio_batch_department_id'))

    op.drop_table('dataio_batch')
    with op.batch_alter_table('dataio_match_key', schema=None) as batch_op:
        batch_op.drop_index('ix_dataio_match_key_record')
        batch_op.drop_index('ix_dataio_match_key_lookup')

    op.drop_table('dataio_match_key')
