"""The inbox lists the tasks of my roles at my properties, by due time, filtered and paged."""
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import HumanTask, InboxQuery, authenticate, can_work, complete_task, create_user, inbox, start_instance

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CST)


@pytest.fixture
def people(session, deployed):
    users = {
        "fd1": create_user(session, "fd1", "前台小王", "password-fd1", roles={"P001": ["front_desk"]}),
        "eng1": create_user(session, "eng1", "工程老李", "password-eng1", roles={"P001": ["engineering"]}),
        "eng2": create_user(session, "eng2", "工程小赵", "password-eng2", roles={"P002": ["engineering"]}),
    }
    session.commit()
    return users


def _cases(session, n, prop="P001", urgency="normal"):
    cases = []
    for i in range(n):
        case = start_instance(session, prop, "service_request", {"resident": f"业主{i}", "room": f"{i}-101"})
        session.flush()
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
        complete_task(session, task.id, {"urgency": urgency, "content": "漏水", "items": []}, user="fd1")
        cases.append(case)
    session.commit()
    return cases


def test_roles_and_properties_decide_what_i_see(session, people):
    with time_machine.travel(T0, tick=False):
        _cases(session, 2, "P001")
        _cases(session, 1, "P002")
        start_instance(session, "P001", "service_request", {"resident": "新业主", "room": "9-9"})
        session.commit()
        now = datetime.now(UTC)
        eng1 = inbox(session, people["eng1"], InboxQuery(), now)
        assert eng1.total == 2 and {r.lane for r in eng1.rows} == {"engineering"}
        assert {r.property_id for r in eng1.rows} == {people["eng1"].roles[0].property_id}
        assert inbox(session, people["eng2"], InboxQuery(), now).total == 1
        fd1 = inbox(session, people["fd1"], InboxQuery(), now)
        assert [r.task_name for r in fd1.rows] == ["register"]
        other = inbox(session, people["eng2"], InboxQuery(), now).rows[0]
        assert not can_work(session, people["eng1"], other) and can_work(session, people["eng2"], other)


def test_sorted_by_due_time_with_overdue_and_due_soon_filters(session, people):
    with time_machine.travel(T0, tick=False) as clock:
        urgent = _cases(session, 1, urgency="urgent")[0]     # due in 24 h
        normal = _cases(session, 1, urgency="normal")[0]     # due in 48 h
        emergency = _cases(session, 1, urgency="emergency")[0]  # due in 1 h
        now = datetime.now(UTC)
        rows = inbox(session, people["eng1"], InboxQuery(), now).rows
        assert [r.case_no for r in rows] == [emergency.case_no, urgent.case_no, normal.case_no]
        soon = inbox(session, people["eng1"], InboxQuery(due_soon=True), now)
        assert [r.case_no for r in soon.rows] == [emergency.case_no]
        clock.move_to(T0 + timedelta(hours=12))
        now = datetime.now(UTC)
        late = inbox(session, people["eng1"], InboxQuery(overdue=True), now)
        assert [r.case_no for r in late.rows] == [emergency.case_no]
        # the normal case's earliest deadline is its working-day reminder: tomorrow 09:00, like the urgent one
        clock.move_to(T0 + timedelta(hours=30))
        late = inbox(session, people["eng1"], InboxQuery(overdue=True), datetime.now(UTC))
        first, *tied = [r.case_no for r in late.rows]  # the two due at the same time: in a stable, unspecified order
        assert first == emergency.case_no and sorted(tied) == sorted([urgent.case_no, normal.case_no])


def test_search_by_case_resident_and_room_and_paging(session, people):
    with time_machine.travel(T0, tick=False):
        cases = _cases(session, 7)
        now = datetime.now(UTC)
        by_room = inbox(session, people["eng1"], InboxQuery(search="3-101"), now)
        assert [r.case_no for r in by_room.rows] == [cases[3].case_no]
        by_name = inbox(session, people["eng1"], InboxQuery(search="业主5"), now)
        assert [r.case_no for r in by_name.rows] == [cases[5].case_no]
        assert inbox(session, people["eng1"], InboxQuery(search=cases[6].case_no), now).total == 1
        assert inbox(session, people["eng1"], InboxQuery(search="%"), now).total == 0  # no wildcard injection
        page2 = inbox(session, people["eng1"], InboxQuery(page=2, per_page=3), now)
        assert (page2.total, page2.pages, len(page2.rows)) == (7, 3, 3)


def test_passwords_are_hashed_and_checked(session, people):
    user = people["fd1"]
    assert "password-fd1" not in user.password_hash and user.password_hash.startswith("$argon2id$")
    assert authenticate(session, "fd1", "password-fd1").id == user.id
    assert authenticate(session, "fd1", "wrong") is None
    assert authenticate(session, "nobody", "password-fd1") is None


def test_supervisors_see_every_open_task_of_their_property(session, people):
    from engine import is_supervisor

    sup = create_user(session, "sup1", "主任", "password-sup1", roles={"P001": ["cs_supervisor"]})
    hq = create_user(session, "hq1", "总部", "password-hq1", is_hq=True)
    session.commit()
    with time_machine.travel(T0, tick=False):
        _cases(session, 2, "P001")
        _cases(session, 1, "P002")
        now = datetime.now(UTC)
        assert inbox(session, sup, InboxQuery(), now).total == 0  # nothing in the supervisor's own lane
        assert inbox(session, sup, InboxQuery(view="property"), now).total == 2
        assert inbox(session, hq, InboxQuery(view="property"), now).total == 3
        assert inbox(session, people["eng1"], InboxQuery(view="property"), now).total == 0
        p1 = people["eng1"].roles[0].property_id
        assert is_supervisor(sup, p1) and is_supervisor(hq, p1) and not is_supervisor(people["eng1"], p1)


def test_keyset_pages_forwards_and_back_give_the_offset_order(session, people):
    """Next and previous go by the rows at a page's edge: every task once, in the inbox's order, both ways,
    also where many tasks are due at the very same moment (a batch registered together)."""
    from engine import page_key, read_page_key

    with time_machine.travel(T0, tick=False):
        _cases(session, 7)  # due together: the order falls back to creation, case and task
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        _cases(session, 4, urgency="urgent")
    now = T0 + timedelta(minutes=6)
    eng = people["eng1"]
    everything = [r.id for r in inbox(session, eng, InboxQuery(per_page=100), now).rows]
    assert len(everything) == 11
    pages, query = [], InboxQuery(per_page=3)
    while True:
        page = inbox(session, eng, query, now)
        pages.append([r.id for r in page.rows])
        if not page.more:
            break
        query = InboxQuery(per_page=3, after=read_page_key(page_key(page.rows[-1])))
    assert [len(p) for p in pages] == [3, 3, 3, 2] and sum(pages, []) == everything
    back, query = [pages[-1]], InboxQuery(per_page=3, before=read_page_key(page_key(
        inbox(session, eng, InboxQuery(per_page=3, page=4), now).rows[0])))
    while True:
        page = inbox(session, eng, query, now)
        back.insert(0, [r.id for r in page.rows])
        if not page.more:
            break
        query = InboxQuery(per_page=3, before=read_page_key(page_key(page.rows[0])))
    assert back == pages
    assert read_page_key("not-a-key") is None
