"""Case search at a million cases: an FTS5 trigram table on SQLite (kept by triggers), indexes for status and HQ

Revision ID: 0011b
Revises: 0011
(Written after 0011 was merged: the lead re-chains it behind the merged 0011.)
"""
import sqlalchemy as sa
from alembic import op

revision = "0011b"
down_revision = "0011"
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
    op.create_index("ix_instances_property_status_created", "instances", ["property_id", "status", "created_at", "id"])
    op.create_index("ix_instances_created", "instances", ["created_at", "id"])  # HQ: every property, newest first
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":  # substring search over a million cases: an FTS5 trigram index
        for statement in SQLITE_SEARCH:
            conn.execute(sa.text(statement))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS instances_search_{name}"))
        conn.execute(sa.text("DROP TABLE IF EXISTS instances_search"))
    op.drop_index("ix_instances_created", "instances")
    op.drop_index("ix_instances_property_status_created", "instances")
