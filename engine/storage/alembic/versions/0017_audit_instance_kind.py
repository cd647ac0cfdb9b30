"""audit_events: an index on (instance_id, kind) in place of the one on instance_id alone

The inbox marks the steps of its page's cases that missed a deadline: the 'escalated' events
of 25 cases. With only (instance_id) and (kind, at) to choose from, SQLite without statistics
(nothing runs ANALYZE there) read every 'escalated' event of every case, open or closed — at a
million closed cases, 120 ms a page. (instance_id, kind) serves that lookup, and a case's events
as (instance_id) did.

Revision ID: 0017
Revises: 0016
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_events_instance_kind", "audit_events", ["instance_id", "kind"])
    op.drop_index("ix_audit_events_instance_id", table_name="audit_events")


def downgrade() -> None:
    op.create_index("ix_audit_events_instance_id", "audit_events", ["instance_id"])
    op.drop_index("ix_audit_events_instance_kind", table_name="audit_events")
