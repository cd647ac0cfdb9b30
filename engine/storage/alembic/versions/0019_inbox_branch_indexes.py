"""human_tasks: indexes in the inbox's order per assignee, per property and role, and per lane; one covering the filter lists

A person's own inbox ('mine': assigned to me, or unclaimed in my roles) was one query with an
OR of the two: SQLite gathered every task of the person's roles through two indexes and sorted
them for each page (18 ms of an engineer's page at 100,000 open tasks), and the filter lists'
DISTINCT read each of those tasks' rows (13 ms). The inbox now reads its rows as disjoint parts
(the person's own; each property and role's unclaimed ones; head office's lane), each along one
of these indexes in the inbox's order, stopping after the page (and counting them reads these
indexes alone: they hold the assignee and the excluded users as well); the filter lists read an index
that holds every column they need. The three order indexes take the place of the ones that led
with the same columns (property and role, assignee, lane), which served only their prefix.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
from sqlalchemy import TextClause, text

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

def order() -> list[str | TextClause]:
    """The inbox's order (no due time last, then due, created, case, task) as index columns."""
    return [text("(due_at IS NULL)"), "due_at", "created_at", "instance_id", "id"]


def upgrade() -> None:
    op.create_index("ix_human_tasks_assignee_order", "human_tasks", ["assignee", *order(), "excluded_users"])
    op.create_index("ix_human_tasks_inbox_order", "human_tasks",
                    ["property_id", "lane", *order(), "assignee", "excluded_users"])
    op.create_index("ix_human_tasks_lane_order", "human_tasks", ["lane", *order(), "assignee", "excluded_users"])
    op.create_index("ix_human_tasks_facets", "human_tasks",
                    ["property_id", "lane", "process_key", "task_name", "title", "excluded_users"])
    op.drop_index("ix_human_tasks_inbox", table_name="human_tasks")
    op.drop_index("ix_human_tasks_assignee", table_name="human_tasks")
    op.drop_index("ix_human_tasks_lane", table_name="human_tasks")


def downgrade() -> None:
    op.create_index("ix_human_tasks_inbox", "human_tasks", ["property_id", "lane", "due_at"])
    op.create_index("ix_human_tasks_assignee", "human_tasks", ["assignee", "due_at"])
    op.create_index("ix_human_tasks_lane", "human_tasks", ["lane"])
    for name in ("ix_human_tasks_facets", "ix_human_tasks_lane_order", "ix_human_tasks_assignee_order",
                 "ix_human_tasks_inbox_order"):
        op.drop_index(name, table_name="human_tasks")
