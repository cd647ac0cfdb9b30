"""A deadline that fired without cancelling its task stays visible: overdue, first, counted; escalation marks agree."""
from datetime import UTC, datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from engine import (
    AuditEvent,
    AuditKind,
    HumanTask,
    InboxQuery,
    Timer,
    complete_task,
    create_user,
    deploy,
    fire_due_timers,
    get_property,
    inbox,
    start_instance,
    store_version,
)
from engine.library.package import assemble, load_folder

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # a Monday


def _non_interrupting_deadline(session, packages_dir):
    own = {p.name: p.read_bytes() for p in (packages_dir / "service_request").iterdir()}
    own["service_request.bpmn"] = own["service_request.bpmn"].replace(
        b'<bpmn:boundaryEvent id="handle_deadline" name="\xe5\xa4\x84\xe7\x90\x86\xe6\x97\xb6\xe9\x99\x90" ',
        b'<bpmn:boundaryEvent id="handle_deadline" name="\xe5\xa4\x84\xe7\x90\x86\xe6\x97\xb6\xe9\x99\x90" '
        b'cancelActivity="false" ')
    assert b'cancelActivity="false" attachedToRef="handle"' in own["service_request.bpmn"]
    version = store_version(session, assemble(own, resolver=lambda key: load_folder(packages_dir / key))).version
    deploy(session, version, [get_property(session, "P001")])
    session.commit()


def _handle_task(session, room):
    case = start_instance(session, "P001", "service_request", {"resident": "业主", "room": room})
    session.flush()
    register = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    complete_task(session, register.id, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")
    session.commit()
    return case, session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id,
                                                         HumanTask.task_name == "handle")).one()


def test_a_fired_non_interrupting_deadline_keeps_the_task_overdue_first_and_counted(session, deployed, packages_dir):
    eng = create_user(session, "eng1", "工程老李", "password-eng1", roles={"P001": ["engineering"]})
    _non_interrupting_deadline(session, packages_dir)
    with time_machine.travel(T0, tick=False) as clock:
        late_case, late = _handle_task(session, "1-101")
        due = session.scalars(select(Timer.due_at).where(Timer.instance_id == late_case.id,
                                                         Timer.task_name == "handle_deadline")).one()
        clock.move_to(T0 + timedelta(days=1))
        _later_case, later = _handle_task(session, "2-202")
        clock.move_to(due + timedelta(minutes=5))
        fire_due_timers(session, datetime.now(UTC))
        session.expire_all()
        still = session.get(HumanTask, late.id)
        assert still is not None, "a non-interrupting deadline leaves the task open"
        assert still.due_at == due, "and it keeps its due time instead of turning into 'no deadline'"
        assert session.scalars(select(AuditEvent).where(AuditEvent.instance_id == late_case.id,
                                                        AuditEvent.kind == AuditKind.ESCALATED)).all()
        now = datetime.now(UTC)
        mine = inbox(session, eng, InboxQuery(), now)
        assert [r.id for r in mine.rows][:2] == [late.id, later.id], "the overdue task sorts first"
        overdue = inbox(session, eng, InboxQuery(overdue=True), now)
        assert [r.id for r in overdue.rows] == [late.id] and overdue.total == 1
        escalated = inbox(session, eng, InboxQuery(escalated=True), now)
        assert [r.id for r in escalated.rows] == [late.id]


def test_the_inbox_page_shows_it_overdue_and_marks_only_the_step_that_escalated(session, as_user, packages_dir):
    import re

    _non_interrupting_deadline(session, packages_dir)
    with time_machine.travel(T0, tick=False) as clock:
        case, late = _handle_task(session, "1-101")
        due = session.scalars(select(Timer.due_at).where(Timer.instance_id == case.id,
                                                         Timer.task_name == "handle_deadline")).one()
        clock.move_to(due + timedelta(minutes=5))
        fire_due_timers(session, datetime.now(UTC))
        review = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id,
                                                         HumanTask.task_name == "supervisor_review")).one()
        session.commit()
        eng, sup = as_user("eng1"), as_user("sup1")
        page = eng.get("/").get_data(as_text=True)
        row = re.search(rf'<tr class="due-(\w+)" data-task="{late.id}">(.*?)</tr>', page, re.S)
        assert row and row.group(1) == "overdue" and "超时 5分钟" in row.group(2)
        assert "badge-escalated" in row.group(2)
        sup = sup.get("/?view=property").get_data(as_text=True)
        other = re.search(rf'<tr class="due-\w+" data-task="{review.id}">(.*?)</tr>', sup, re.S)
        assert other and "badge-escalated" not in other.group(1), "the follow-up step did not miss a deadline"
