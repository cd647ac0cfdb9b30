"""figures: counted facts per case, monthly roll-ups, the sync watermark; satisfaction survey rounds

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
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
    sync = op.create_table(
        "figure_sync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(sync, [{"id": 1, "last_event_id": 0}])  # the one watermark row: syncs lock it, never race to add it
    op.create_table(
        "survey_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("items", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("opened_by", sa.String(length=120), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["property_id"], ["properties.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("survey_rounds") as batch_op:
        batch_op.create_index("ix_survey_rounds_property_id", ["property_id"], unique=False)
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("household", sa.String(length=120), nullable=False),
        sa.Column("contact", sa.String(length=40), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("unsatisfied", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["survey_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("survey_invitations") as batch_op:
        batch_op.create_index("ix_survey_invitations_round_id", ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_invitations") as batch_op:
        batch_op.drop_index("ix_survey_invitations_round_id")
    op.drop_table("survey_invitations")
    with op.batch_alter_table("survey_rounds") as batch_op:
        batch_op.drop_index("ix_survey_rounds_property_id")
    op.drop_table("survey_rounds")
    op.drop_table("figure_sync")
    with op.batch_alter_table("figure_months") as batch_op:
        batch_op.drop_index("ix_figure_months_month")
    op.drop_table("figure_months")
    with op.batch_alter_table("figure_facts") as batch_op:
        batch_op.drop_index("ix_figure_facts_lookup")
        batch_op.drop_index("ix_figure_facts_instance_id")
    op.drop_table("figure_facts")
