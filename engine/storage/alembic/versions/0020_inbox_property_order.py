"""human_tasks: an index in the inbox's order per property

Supervisors and managers land on their whole property's tasks. That view was one query over
``property_id IN (…)``, which read every open task of the property through the (property, role)
index and sorted them for each page: at 100,000 open tasks over two properties, 57 ms for a
supervisor of one, 114 ms for a manager of both (SQLite, ``inbox()`` alone). It is now read a
property at a time along this index, in the inbox's order, stopping after the page; with the
excluded users it covers counting them too.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
from sqlalchemy import text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_human_tasks_property_order", "human_tasks",
                    ["property_id", text("(due_at IS NULL)"), "due_at", "created_at", "instance_id", "id",
                     "excluded_users"])


def downgrade() -> None:
    op.drop_index("ix_human_tasks_property_order", table_name="human_tasks")
