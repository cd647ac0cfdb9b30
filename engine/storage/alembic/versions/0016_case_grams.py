"""case_grams: finding a case by one or two characters of its summary (a surname, 王伟, 3栋) by index

Revision ID: 0016
Revises: 0015
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _grams(values) -> set[str]:  # as engine.storage.search_grams.grams_of writes them (copied: migrations stay fixed)
    found: set[str] = set()
    for value in values:
        for word in str(value).lower().split():
            pieces = [word[i:i + size] for size in (1, 2) for i in range(len(word) - size + 1)]
            found.update(p for p in pieces if any(c.isalpha() for c in p))
    return found


def upgrade() -> None:
    op.create_table(
        "case_grams",
        sa.Column("gram", sa.String(2), nullable=False),
        sa.Column("property_id", sa.Integer(), sa.ForeignKey("properties.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("gram", "property_id", "created_at", "instance_id"),
    )
    op.create_index("ix_case_grams_everywhere", "case_grams", ["gram", "created_at", "instance_id"])
    op.create_index("ix_case_grams_instance", "case_grams", ["instance_id"])
    conn = op.get_bind()
    grams = sa.table("case_grams", sa.column("gram"), sa.column("property_id"), sa.column("created_at"),
                     sa.column("instance_id"))
    batch: list[dict] = []
    for row in conn.execute(sa.text("SELECT id, property_id, created_at, summary FROM instances")):
        summary = row.summary if isinstance(row.summary, dict) else json.loads(row.summary or "{}")
        batch.extend({"gram": g, "property_id": row.property_id, "created_at": row.created_at, "instance_id": row.id}
                     for g in _grams((summary or {}).values()))
        if len(batch) >= 5000:
            conn.execute(sa.insert(grams), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(grams), batch)


def downgrade() -> None:
    op.drop_table("case_grams")
