"""instances.search_text and indexes: finding any case (工单查询) by number, resident, phone or room, newest first;
notice_dismissals: notices someone put away

Revision ID: 0011
Revises: 0010
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE instances_search USING fts5(search_text, content='instances', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER instances_search_insert AFTER INSERT ON instances BEGIN "
    "INSERT INTO instances_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER instances_search_delete AFTER DELETE ON instances BEGIN "
    "INSERT INTO instances_search(instances_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER instances_search_update AFTER UPDATE OF search_text ON instances BEGIN "
    "INSERT INTO instances_search(instances_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO instances_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO instances_search(instances_search) VALUES ('rebuild')",
]


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, case_no, summary FROM instances")).all()
    for row in rows:  # existing cases: their number and summary values, as the step routine (engine.cases.step) writes them
        summary = row.summary if isinstance(row.summary, dict) else json.loads(row.summary or "{}")
        text = " ".join([row.case_no, *(str(v) for v in (summary or {}).values())])
        conn.execute(sa.text("UPDATE instances SET search_text = :t WHERE id = :i"), {"t": text, "i": row.id})
    op.create_index("ix_instances_property_created", "instances", ["property_id", "created_at", "id"])
    op.create_table(
        "notice_dismissals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("instances.id", ondelete="CASCADE"), nullable=False),
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "instance_id", "message_key"),
    )
    op.create_index("ix_instances_property_status_created", "instances", ["property_id", "status", "created_at", "id"])
    op.create_index("ix_instances_created", "instances", ["created_at", "id"])  # HQ: every property, newest first
    if conn.dialect.name == "sqlite":  # substring search over a million cases: an FTS5 trigram index kept by triggers
        for statement in SQLITE_SEARCH:
            conn.execute(sa.text(statement))
    if conn.dialect.name == "postgresql":  # substring search over a million cases: a trigram index, if allowed
        with conn.begin_nested() as savepoint:
            try:
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
                conn.execute(sa.text("CREATE INDEX ix_instances_search_trgm ON instances "
                                     "USING gin (search_text gin_trgm_ops)"))
            except sa.exc.DBAPIError:
                savepoint.rollback()


def downgrade() -> None:
    op.drop_table("notice_dismissals")
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS instances_search_{name}"))
        conn.execute(sa.text("DROP TABLE IF EXISTS instances_search"))
    op.drop_index("ix_instances_property_status_created", "instances")
    op.drop_index("ix_instances_created", "instances")
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_instances_search_trgm"))
    op.drop_index("ix_instances_property_created", "instances")
    with op.batch_alter_table("instances") as batch_op:
        batch_op.drop_column("search_text")
