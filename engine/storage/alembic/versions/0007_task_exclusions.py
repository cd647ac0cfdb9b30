"""human_tasks.excluded_users: who the case data excludes from a task (impartiality), for the inbox

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch_op:
        batch_op.add_column(sa.Column("excluded_users", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch_op:
        batch_op.drop_column("excluded_users")
