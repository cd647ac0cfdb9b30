"""The inbox at 100,000 open tasks and 1M closed cases: its queries read indexes, never the whole task table,
never every case a search text matches (checked with EXPLAIN)."""
import re
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from engine import (
    CaseQuery,
    InboxQuery,
    create_user,
    escalated_steps,
    inbox,
    page_key,
    property_ids,
    read_page_key,
    search_cases,
    start_instance,
)


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


def full_scans(session, sql: str, parameters, table: str = "human_tasks") -> list[str]:
    """The plan's full scans of ``table`` (PostgreSQL told to avoid them wherever an index can serve)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, parameters)]
        return [line for line in plan if f"Seq Scan on {table}" in line]
    plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]
    return [line for line in plan if re.fullmatch(rf"SCAN {table}", line)]


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


@pytest.mark.parametrize("direction", ["after", "before"])
def test_next_and_previous_pages_never_scan_the_task_table(session, deployed, direction):
    """A deep page is read from its edge row along the index, forwards or backwards, never by skipping rows."""
    hq = create_user(session, "hq", "总部", "password-hq", is_hq=True)
    for i in range(30):
        start_instance(session, ("P001", "P002")[i % 2], "service_request", {"resident": f"业主{i}", "room": "1-1"},
                       user="fd1")
    session.commit()
    now = datetime.now(UTC)
    middle = inbox(session, hq, InboxQuery(view="property", per_page=10, page=2), now).rows[5]
    with statements(session) as seen:
        page = inbox(session, hq, InboxQuery(view="property", per_page=10, **{direction: read_page_key(
            page_key(middle))}), now)
    assert page.rows and page.more
    reads = [(sql, params) for sql, params in seen if "human_tasks" in sql and sql.lstrip().upper().startswith("SELECT")]
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


def test_the_escalated_marks_read_the_page_cases_events_not_every_escalation(session, deployed):
    """A page's *escalated* marks read the events of its 25 cases, never every 'escalated' event of every case
    (a million closed cases hold tens of thousands of them). (PostgreSQL chooses by its statistics: on a table
    of thirty cases any index will do; at a million, bench_inbox --explain shows the instance index.)"""
    hq = create_user(session, "hq", "总部", "password-hq", is_hq=True)
    for i in range(30):
        start_instance(session, "P001", "service_request", {"resident": f"业主{i}", "room": "1-1"}, user="fd1")
    session.commit()
    page = inbox(session, hq, InboxQuery(view="property"), datetime.now(UTC))
    with statements(session) as seen:
        assert escalated_steps(session, {row.instance_id for row in page.rows}) == set()
    (sql, params), = seen
    plan = plan_of(session, sql, params)
    assert not [line for line in plan if "Seq Scan on audit_events" in line or "SCAN audit_events" == line.strip()]
    if session.get_bind().dialect.name == "sqlite":  # no statistics there: the plan is the one production gets
        assert any("ix_audit_events_instance_kind (instance_id=? AND kind=?)" in line for line in plan), plan
    session.rollback()


def plan_of(session, sql: str, parameters) -> list[str]:
    """The plan's lines (PostgreSQL told to avoid full scans wherever an index can serve)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return [r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, parameters)]
    return [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]


def scans_every_case(line: str) -> bool:
    return "Seq Scan on instances" in line or re.fullmatch(r"SCAN instances", line.strip()) is not None


def lists_every_match(line: str) -> bool:
    """The text index: FTS5 (SQLite) or the trigram index (PostgreSQL) lists every case a text matches."""
    return "instances_search" in line or "ix_instances_search_trgm" in line


def fts_list(sql: str) -> bool:
    """SQLite's first look at a text: FTS5's list of its matches, read no further than ``FEW`` + 1."""
    return sql.lstrip().startswith("SELECT rowid") and "LIMIT" in sql


@pytest.mark.parametrize("who", ["hq", "eng"])
def test_the_search_for_cases_without_my_tasks_reads_the_newest_cases_not_every_match(
        session, deployed, monkeypatch, who):
    """The inbox's search also lists matching cases (open or closed, years of them): a text many cases hold
    is found among the newest, never through the text index that lists every case it matches."""
    from engine.tasks import case_search

    monkeypatch.setattr(case_search, "FEW", 5)  # SQLite: 30 matches are many
    users = {"hq": create_user(session, "hq", "总部", "password-hq", is_hq=True),
             "eng": create_user(session, "eng", "工程", "password-eng", roles={"P001": ["engineering"]})}
    for i in range(30):
        start_instance(session, ("P001", "P002")[i % 2], "service_request", {"resident": f"业主{i}", "room": "1栋0101"},
                       user="fd1")
    session.commit()
    mine = property_ids(session, users[who])
    with statements(session) as seen:
        found = search_cases(session, mine, CaseQuery(text="1栋0", limit=6), datetime.now(UTC)).rows  # as the page
    assert len(found) == 6
    reads = [(sql, params) for sql, params in seen if "instances" in sql and sql.lstrip().upper().startswith("SELECT")
             and not fts_list(sql)]
    assert reads
    for sql, params in reads:
        assert [line for line in plan_of(session, sql, params) if scans_every_case(line) or lists_every_match(line)
                ] == [], sql
    session.rollback()


@pytest.mark.parametrize("props", [("P001",), ("P001", "P002")])
@pytest.mark.parametrize("few", [1000, 0])
def test_a_text_the_newest_cases_lack_is_looked_up_through_the_text_index(session, deployed, monkeypatch, props, few):
    """A rarer text (not among the newest cases) is looked up through the text index: its matches, never
    every case (on SQLite, ``FEW`` matches or fewer straight from FTS5's list, more through FTS5 again).

    (PostgreSQL's planner picks the trigram index on a table of a million cases — bench_inbox --explain —
    but not on a table of thirty: there only the full scan is ruled out.)"""
    from engine.tasks import case_search

    monkeypatch.setattr(case_search, "RECENT", 4)
    monkeypatch.setattr(case_search, "FEW", few)
    eng = create_user(session, "eng", "工程", "password-eng", roles={p: ["engineering"] for p in props})
    for i in range(30):
        start_instance(session, ("P001", "P002")[i % 2], "service_request",
                       {"resident": "欧阳娜娜" if i == 0 else f"业主{i}", "room": "1栋0101"}, user="fd1")
    session.commit()
    with statements(session) as seen:
        found = search_cases(session, property_ids(session, eng), CaseQuery(text="欧阳娜", limit=6),
                             datetime.now(UTC)).rows
    assert [c.summary["resident"] for c in found] == ["欧阳娜娜"]
    lookup = [(sql, params) for sql, params in seen if "coalesce" in sql.lower()]
    assert len(lookup) == 1
    plan = plan_of(session, *lookup[0])
    assert not any(scans_every_case(line) for line in plan), plan
    if session.get_bind().dialect.name == "sqlite":  # driven by the matches, not by a walk over a case index
        assert not any("ix_instances_" in line for line in plan), plan
        assert any(lists_every_match(line) for line in plan) == (few == 0), plan
    session.rollback()



@pytest.mark.parametrize("who", ["hq", "eng"])
def test_the_notices_are_read_by_index(session, deployed, who):
    """The inbox's notices come from the notices of running cases by role and time, never a scan of them all."""
    from datetime import timedelta

    from engine import AuditKind, open_notices
    from engine.cases import history

    users = {"hq": create_user(session, "hq", "总部", "password-hq", is_hq=True),
             "eng": create_user(session, "eng", "工程", "password-eng", roles={"P001": ["engineering", "front_desk"]})}
    for i in range(20):
        case = start_instance(session, ("P001", "P002")[i % 2], "service_request", {"resident": f"业主{i}",
                                                                                    "room": "1-1"}, user="fd1")
        history.record(session, case.id, AuditKind.NOTIFIED, data={"to": ("hq", "hq", "engineering", "engineering")[i % 4],
                                                                   "message": f"请处理 {i}"})
    session.commit()
    with statements(session) as seen:
        shown = open_notices(session, users[who], datetime.now(UTC) - timedelta(days=7))
    assert shown
    reads = [(sql, params) for sql, params in seen if "FROM notices" in sql]
    assert reads
    for sql, params in reads:
        assert full_scans(session, sql, params, table="notices") == [], sql
    session.rollback()
