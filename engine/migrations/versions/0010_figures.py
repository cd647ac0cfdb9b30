"""figures: counted facts per case, monthly roll-ups, the sync watermark

Revision ID: 0010
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("dim", sa.String(length=64), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("hit", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["instances.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("figure_facts") as batch_op:
        batch_op.create_index("ix_figure_facts_instance_id", ["instance_id"], unique=False)
        batch_op.create_index("ix_figure_facts_lookup", ["property_id", "kpi", "on_day"], unique=False)
    op.create_table(
        "figure_months",
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("dim", sa.String(length=64), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("hit", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("property_id", "month", "kpi", "dim"),
    )
    with op.batch_alter_table("figure_months") as batch_op:
        batch_op.create_index("ix_figure_months_month", ["month"], unique=False)
    op.create_table(
        "figure_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("figure_sync")
    with op.batch_alter_table("figure_months") as batch_op:
        batch_op.drop_index("ix_figure_months_month")
    op.drop_table("figure_months")
    with op.batch_alter_table("figure_facts") as batch_op:
        batch_op.drop_index("ix_figure_facts_lookup")
        batch_op.drop_index("ix_figure_facts_instance_id")
    op.drop_table("figure_facts")
