"""The inbox at 100,000 open tasks: its queries read indexes, never the whole task table (checked with EXPLAIN)."""
import re
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from engine import InboxQuery, create_user, inbox, start_instance


@contextmanager
def statements(session):
    """The SQL ``session`` sends inside the block, with its parameters."""
    seen = []
    bind = session.get_bind()

    def note(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(bind, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", note)


def full_scans(session, sql: str, parameters) -> list[str]:
    """The plan's full scans of ``human_tasks`` (PostgreSQL told to avoid them wherever an index can serve)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, parameters)]
        return [line for line in plan if "Seq Scan on human_tasks" in line]
    plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]
    return [line for line in plan if re.fullmatch(r"SCAN human_tasks", line)]


@pytest.mark.parametrize("who, query", [
    ("hq", InboxQuery(view="property")),                 # head office: every open task of every property
    ("hq", InboxQuery(view="property", page=3)),
    ("eng", InboxQuery(view="team")),                    # an engineer: the tasks of their role
    ("eng", InboxQuery()),                               # … and their own first
])
def test_inbox_queries_never_scan_the_task_table(session, deployed, who, query):
    users = {"hq": create_user(session, "hq", "总部", "password-hq", is_hq=True),
             "eng": create_user(session, "eng", "工程", "password-eng", roles={"P001": ["engineering", "front_desk"]})}
    for i in range(30):
        start_instance(session, ("P001", "P002")[i % 2], "service_request", {"resident": f"业主{i}", "room": "1-1"},
                       user="fd1")
    session.commit()
    with statements(session) as seen:
        page = inbox(session, users[who], query, datetime.now(UTC))
    assert page.total > 0
    reads = [(sql, params) for sql, params in seen if "human_tasks" in sql and sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) >= 2  # the count and the page
    for sql, params in reads:
        assert full_scans(session, sql, params) == [], sql
    session.rollback()


def test_counting_stops_beyond_the_page_asked_for(session, deployed, monkeypatch):
    from engine.tasks import inbox as inbox_module

    monkeypatch.setattr(inbox_module, "COUNT_CAP", 5)
    hq = create_user(session, "hq", "总部", "password-hq", is_hq=True)
    for i in range(30):
        start_instance(session, "P001", "service_request", {"resident": f"业主{i}", "room": "1-1"}, user="fd1")
    session.commit()
    now = datetime.now(UTC)
    first = inbox(session, hq, InboxQuery(view="property", per_page=10), now)
    assert (first.total, first.capped, len(first.rows)) == (10, True, 10)  # "more than 10": counting stopped
    last = inbox(session, hq, InboxQuery(view="property", per_page=10, page=3), now)
    assert (last.total, last.capped, last.pages, len(last.rows)) == (30, False, 3, 10)  # counted up to the page
