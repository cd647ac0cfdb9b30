"""A person's inbox is read in parts (the tasks assigned to them; each property and role's unclaimed ones; head
office's lane), each along its index: together they are exactly the tasks of the one condition, in one order."""
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from test_tasks__inbox_plans import statements

from engine import HumanTask, InboxQuery, Property, create_user, inbox, page_key, read_page_key, start_instance

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
LANES = ["engineering", "front_desk", "security", "hq", "manager", "cs_supervisor"]


@pytest.fixture
def crowd(session, deployed):
    """People with several roles at two properties, and 120 open tasks across lanes, assignees, exclusions and
    due times (many due, and created, at the very same moment)."""
    people = {
        "me": create_user(session, "me", "多岗位", "password-me",
                          roles={"P001": ["engineering", "front_desk"], "P002": ["engineering"]}),
        "hq": create_user(session, "hq", "总部", "password-hq", is_hq=True, roles={"P002": ["security", "hq"]}),
        "other": create_user(session, "other", "别人", "password-other", roles={"P001": ["engineering"]}),
        "boss": create_user(session, "boss", "主管", "password-boss",
                            roles={"P001": ["manager"], "P002": ["cs_supervisor", "engineering"]}),
        "sup": create_user(session, "sup", "客服主管", "password-sup", roles={"P002": ["cs_supervisor"]}),
    }
    props = {code: id_ for code, id_ in session.execute(select(Property.code, Property.id))}
    cases = {code: [start_instance(session, code, "service_request", {"resident": "业主", "room": "1-1"}).id
                    for _ in range(3)] for code in ("P001", "P002")}
    session.query(HumanTask).delete()  # only the tasks below
    rng = random.Random(17)
    for _ in range(120):
        code = rng.choice(["P001", "P002"])
        due = rng.choice([None, T0, T0 + timedelta(hours=rng.randint(1, 6))])
        session.add(HumanTask(
            id=str(uuid.UUID(int=rng.getrandbits(128))), instance_id=rng.choice(cases[code]), property_id=props[code],
            process_key="service_request", case_no="C", task_name="handle", title="处理", lane=rng.choice(LANES),
            created_at=T0 - timedelta(minutes=rng.randint(0, 3)), due_at=due,
            assignee=rng.choice([None, None, "me", "hq", "other"]),
            excluded_users=rng.choice(["", "", "", ",me,", ",hq,"])))
    session.commit()
    return people, {v: k for k, v in props.items()}


def expected(session, user, view, codes) -> list[str]:
    """The inbox of ``user`` worked out from every open task, one by one, sorted in the inbox's order."""
    held = {(codes[a.property_id], a.role) for a in user.roles}
    supervised = {codes[a.property_id] for a in user.roles if a.role in ("manager", "cs_supervisor", "hq")}

    def visible(t):
        return (codes[t.property_id], t.lane) in held or (user.is_hq and t.lane == "hq")

    def listed(t):
        if view == "property":
            return user.is_hq or codes[t.property_id] in supervised
        if view == "team":
            return visible(t)
        return t.assignee == user.username or (visible(t) and t.assignee is None)

    rows = [t for t in session.query(HumanTask) if f",{user.username}," not in t.excluded_users and listed(t)]
    rows.sort(key=lambda t: (t.due_at is None, t.due_at or T0, t.created_at, t.instance_id, t.id))
    return [t.id for t in rows]


@pytest.mark.parametrize("who, view", [("me", "mine"), ("me", "team"), ("hq", "mine"), ("hq", "team"),
                                       ("boss", "mine"), ("boss", "property"), ("sup", "property"),
                                       ("hq", "property")])
def test_every_page_and_keyset_holds_the_tasks_of_the_one_condition_in_order(session, crowd, who, view):
    people, codes = crowd
    user, now = people[who], T0
    want = expected(session, user, view, codes)
    assert 7 < len(want) <= 120  # more than a page (head office's whole property: everything it is not excluded from)
    first = inbox(session, user, InboxQuery(view=view, per_page=7), now)
    assert first.total == len(want)
    by_number = sum(([r.id for r in inbox(session, user, InboxQuery(view=view, per_page=7, page=n), now).rows]
                     for n in range(1, first.pages + 1)), [])
    assert by_number == want
    forwards, page = [], first
    while True:
        forwards += [r.id for r in page.rows]
        if not page.more:
            break
        page = inbox(session, user, InboxQuery(view=view, per_page=7, after=read_page_key(page_key(page.rows[-1]))),
                     now)
    assert forwards == want
    last = inbox(session, user, InboxQuery(view=view, per_page=7, page=first.pages), now)
    backwards, page = [r.id for r in last.rows], last
    while True:
        page = inbox(session, user, InboxQuery(view=view, per_page=7, before=read_page_key(page_key(page.rows[0]))),
                     now)
        backwards = [r.id for r in page.rows] + backwards
        if not page.more:
            break
    assert backwards == want


def plan(session, sql, params) -> list[str]:
    return [r[-1] for r in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
def test_each_part_is_read_in_order_along_an_index(session, crowd):
    """SQLite (no statistics) reads each part along its index in the inbox's order and stops there: the one
    sort is of the parts' first rows together. (With the OR of them in one query it read and sorted every task
    of every role of the person, 18 ms a page at 100,000 open tasks.)"""
    people, _codes = crowd
    with statements(session) as seen:
        inbox(session, people["me"], InboxQuery(), T0)
    (sql, params), = [(sql, params) for sql, params in seen if "UNION ALL" in sql and "count" not in sql]
    page = plan(session, sql, params)
    reads = [line for line in page if line.startswith("SEARCH human_tasks")]
    assert len(reads) == 4 and all("ix_human_tasks_" in line and "_order" in line for line in reads), page
    assert page.count("USE TEMP B-TREE FOR ORDER BY") == 1, page  # the merge, not each part
    (sql, params), = [(sql, params) for sql, params in seen if "count" in sql]
    assert all("COVERING INDEX" in line for line in plan(session, sql, params) if "human_tasks" in line)


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who, sorts", [("sup", 0), ("boss", 1)])
def test_a_supervisors_whole_property_is_read_in_order_property_by_property(session, crowd, who, sorts):
    """A supervisor lands on the whole property: read along the property's index in the inbox's order, never
    every task of it sorted (at 100,000 open tasks 57 ms for one property, 114 ms for a manager of two)."""
    people, _codes = crowd
    with statements(session) as seen:
        inbox(session, people[who], InboxQuery(view="property"), T0)
    page = [(sql, params) for sql, params in seen if "human_tasks" in sql and "count" not in sql
            and "human_tasks.id IN" not in sql]
    (sql, params), = page
    lines = plan(session, sql, params)
    reads = [line for line in lines if line.startswith("SEARCH human_tasks")]
    assert reads and all("ix_human_tasks_property_order" in line for line in reads), lines
    assert lines.count("USE TEMP B-TREE FOR ORDER BY") == sorts, lines
    if sorts:  # the one sort is the merge of each property's first rows (an IN of both read them all, sorted)
        assert "COMPOUND QUERY" in lines and lines.index("USE TEMP B-TREE FOR ORDER BY") > lines.index("UNION ALL")


@pytest.mark.parametrize("db_engine", ["sqlite"], indirect=True)
def test_the_filter_lists_read_one_index_alone(session, crowd):
    """The filter lists (processes, steps) come from an index holding every column they read: at 100,000 open
    tasks reading each task's row for them was 13 ms of an engineer's page."""
    from engine.tasks.inbox import facets

    people, _codes = crowd
    with statements(session) as seen:
        assert facets(session, people["me"]) == (["service_request"], [("service_request", "handle", "处理")])
    (sql, params), = [(sql, params) for sql, params in seen if "human_tasks" in sql]
    reads = [line for line in plan(session, sql, params) if "human_tasks" in line]
    assert reads and all("COVERING INDEX ix_human_tasks_facets" in line for line in reads), reads
