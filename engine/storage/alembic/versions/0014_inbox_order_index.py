"""human_tasks: an index in the inbox's order (no due time last, then due time, then created)

A page of every open task (head office, a supervisor's whole property) is then read
in index order and stops after the page instead of sorting every open task; with
excluded_users (the inbox filters on it) counting them reads the index alone. Head office's
own lane and the inbox's notices (newest 'notified' events) get an index each.

Revision ID: 0014
Revises: 0011
"""
from alembic import op
from sqlalchemy import text

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_human_tasks_lane", "human_tasks", ["lane"])
    op.create_index("ix_audit_events_kind_at", "audit_events", ["kind", "at"])
    op.create_index("ix_human_tasks_due_order", "human_tasks", [text("(due_at IS NULL)"), "due_at", "created_at", "excluded_users"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_kind_at", table_name="audit_events")
    op.drop_index("ix_human_tasks_lane", table_name="human_tasks")
    op.drop_index("ix_human_tasks_due_order", table_name="human_tasks")
