"""notices: the notices to roles of running cases, as the inbox reads them, by index

The inbox showed a person the newest notices to their roles by reading the 'notified' events of
the last week from the audit trail and looking into each one's data for whom it was addressed
to: PostgreSQL read and sorted every notice of the week for every page (10 ms of head office's
page at 100,000 open tasks). The step now writes each notice to a role into this table as well
(deleted when its case ends), indexed by property, role and time. Filled here from the audit
trail of the cases that have not ended.

Revision ID: 0018
Revises: 0017
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
        sa.Column("property_id", sa.Integer(), sa.ForeignKey("properties.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lane", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_no", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notices_property_lane_at", "notices", ["property_id", "lane", "at"])
    op.create_index("ix_notices_lane_at", "notices", ["lane", "at"])
    op.create_index("ix_notices_instance_id", "notices", ["instance_id"])
    conn = op.get_bind()
    notices = sa.table("notices", *(sa.column(c) for c in (
        "id", "instance_id", "property_id", "lane", "at", "case_no", "message", "message_key")))
    rows = conn.execute(sa.text(
        "SELECT e.id, e.instance_id, e.at, e.data, i.property_id, i.case_no FROM audit_events e "
        "JOIN instances i ON i.id = e.instance_id WHERE e.kind = 'notified' "
        "AND i.status NOT IN ('completed', 'cancelled') ORDER BY e.id"))
    batch: list[dict] = []
    for row in rows:
        data = row.data if isinstance(row.data, dict) else json.loads(row.data or "{}")
        to, message = str((data or {}).get("to", "")), str((data or {}).get("message", ""))
        if not to or to == "resident" or to.startswith("user:"):  # as engine.cases.history writes them
            continue
        batch.append({"id": row.id, "instance_id": row.instance_id, "property_id": row.property_id, "lane": to,
                      "at": row.at, "case_no": row.case_no, "message": message,
                      "message_key": hashlib.sha256(message.encode("utf-8")).hexdigest()})
        if len(batch) >= 5000:
            conn.execute(sa.insert(notices), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(notices), batch)


def downgrade() -> None:
    op.drop_table("notices")
