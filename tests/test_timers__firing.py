"""Durable timers: fired from the database's due times, once, with lateness and escalation recorded."""
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import (
    AuditEvent,
    AuditKind,
    HumanTask,
    Incident,
    IncidentStatus,
    InstanceStatus,
    TimerFiring,
    complete_task,
    fire_due_timers,
    fire_instance_timers,
    retry_incident,
    start_instance,
)
from engine.cases import workflows

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 9, 30, 10, 0, tzinfo=CST)  # Wednesday before the National Day holiday
START = {"resident": "李四", "room": "5-302"}


def _case(session, urgency="emergency"):
    case = start_instance(session, "P001", "service_request", START, user="fd1")
    [register] = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).all()
    complete_task(session, register.id, {"urgency": urgency, "content": "停电", "items": []}, user="fd1")
    session.commit()
    return case


def _tasks(session, case):
    return {t.task_name: t for t in session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id))}


def test_missed_deadline_escalates_once(session, deployed):
    with time_machine.travel(T0, tick=False) as clock:
        case = _case(session)
        clock.move_to(T0 + timedelta(minutes=59))
        report = fire_due_timers(session, datetime.now(UTC))
        assert report.fired == 0 and set(_tasks(session, case)) == {"handle"}

        clock.move_to(T0 + timedelta(hours=1, seconds=42))
        report = fire_due_timers(session, datetime.now(UTC))
        assert (report.instances, report.fired, report.failed) == (1, 1, [])
        tasks = _tasks(session, case)
        assert set(tasks) == {"supervisor_review"} and tasks["supervisor_review"].lane == "cs_supervisor"
        firing = session.scalars(select(TimerFiring)).one()
        assert firing.task_name == "handle_deadline" and firing.lateness_seconds == pytest.approx(42)
        assert firing.due_at == T0 + timedelta(hours=1)
        kinds = [e.kind for e in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id)
                                                 .order_by(AuditEvent.id))]
        assert kinds[-2:] == [AuditKind.TIMER_FIRED, AuditKind.ESCALATED]
        escalated = session.scalars(select(AuditEvent).where(AuditEvent.kind == AuditKind.ESCALATED)).one()
        assert escalated.task_name == "handle" and escalated.data["deadline"] == "处理时限"

        # idempotent: the same sweep again fires nothing
        assert fire_due_timers(session, datetime.now(UTC)).fired == 0
        assert fire_instance_timers(session, case.id, datetime.now(UTC)) == 0
        assert len(session.scalars(select(TimerFiring)).all()) == 1


def test_deadline_met_cancels_the_timer(session, deployed):
    with time_machine.travel(T0, tick=False) as clock:
        case = _case(session)
        clock.move_to(T0 + timedelta(minutes=30))
        complete_task(session, _tasks(session, case)["handle"].id, {"result": "修好"}, user="eng1")
        session.commit()
        clock.move_to(T0 + timedelta(hours=3))
        assert fire_due_timers(session, datetime.now(UTC)).fired == 0
        assert set(_tasks(session, case)) == {"callback"}
        assert session.scalars(select(AuditEvent).where(AuditEvent.kind == AuditKind.ESCALATED)).first() is None


def test_working_day_reminder_skips_the_national_day_holiday(session, deployed):
    """The non-interrupting reminder is due one working day later: 2026-10-08, after the holiday."""
    with time_machine.travel(T0, tick=False) as clock:
        case = _case(session, urgency="normal")  # 48 h deadline
        session.refresh(case)
        reminder = next(t for t in workflows.load_workflow(session, case).get_tasks()
                        if t.task_spec.name == "handle_reminder")
        due = datetime.fromisoformat(reminder.internal_data["event_value"])
        assert due == datetime(2026, 10, 8, 10, 0, tzinfo=CST)
        clock.move_to(datetime(2026, 10, 8, 10, 0, 5, tzinfo=CST))
        report = fire_due_timers(session, datetime.now(UTC))
        # the 48-hour deadline (Oct 2) and the reminder (Oct 8) are both past by now
        assert report.fired == 2
        assert set(_tasks(session, case)) == {"supervisor_review"}


def test_non_interrupting_reminder_keeps_the_task_open(session, deployed, packages_dir):
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=CST), tick=False) as clock:
        case = _case(session, urgency="normal")
        handle = _tasks(session, case)["handle"]
        clock.move_to(datetime(2026, 11, 24, 9, 0, 1, tzinfo=CST))  # one working day, before 48 h
        assert fire_due_timers(session, datetime.now(UTC)).fired == 1
        assert set(_tasks(session, case)) == {"handle"} and _tasks(session, case)["handle"].id == handle.id
        session.refresh(case)
        wf = workflows.load_workflow(session, case)
        assert any(t.data.get("reminded") for t in wf.get_tasks() if t.task_spec.name == "remind")
        notice = session.scalars(select(AuditEvent).where(AuditEvent.kind == AuditKind.NOTIFIED)).one()
        assert notice.data == {"to": "engineering", "message": f"请尽快处理 {case.case_no}"}
        # the reminder is marked escalates=false: it fired, but nothing was escalated
        kinds = [e.kind for e in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id))]
        assert AuditKind.TIMER_FIRED in kinds and AuditKind.ESCALATED not in kinds


def test_one_broken_instance_does_not_block_the_sweep(session, deployed, monkeypatch):
    with time_machine.travel(T0, tick=False) as clock:
        _good, bad, _other = _case(session), _case(session), _case(session)
        real_load = workflows.load_workflow

        def flaky_load(s, instance):
            if instance.id == bad.id:
                raise RuntimeError("disk on fire")
            return real_load(s, instance)

        monkeypatch.setattr(workflows, "load_workflow", flaky_load)
        clock.move_to(T0 + timedelta(hours=2))
        report = fire_due_timers(session, datetime.now(UTC))
        assert report.failed == [bad.id] and report.fired == 2
        session.refresh(bad)
        assert bad.status == InstanceStatus.ERROR
        incident = session.scalars(select(Incident).where(Incident.instance_id == bad.id)).one()
        assert incident.status == IncidentStatus.OPEN and "disk on fire" in incident.message
        assert incident.source == "timer"
        # a second sweep leaves the broken instance alone instead of failing on it again
        assert fire_due_timers(session, datetime.now(UTC)).failed == []

        monkeypatch.setattr(workflows, "load_workflow", real_load)
        retry_incident(session, incident.id, user="admin")
        session.commit()
        session.refresh(bad)
        assert bad.status == InstanceStatus.RUNNING
        assert set(_tasks(session, bad)) == {"supervisor_review"}
        assert session.get(Incident, incident.id).status == IncidentStatus.RESOLVED



def test_a_connection_cut_inside_a_step_leaves_the_case_for_the_next_sweep(session, deployed, monkeypatch):
    """The database going away while a firing's rows are flushed (a restart: the fault drill cut it there) is no
    fault of the case: it is not quarantined, and the next sweep fires its deadline once. (The step's clean-up
    read the rolled-back case's id, and the "transaction rolled back" error it raised hid the cut connection.)"""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    with time_machine.travel(T0, tick=False) as clock:
        case = _case(session)
        clock.move_to(T0 + timedelta(hours=2))
        bind = session.get_bind()
        cut = []

        def restart(conn, _cursor, statement, _parameters, _context, _many):
            if statement.startswith("INSERT INTO timer_firings") and not cut:
                cut.append(statement)
                raise OperationalError(statement, {}, Exception("terminating connection due to administrator command"))

        event.listen(bind, "before_cursor_execute", restart)
        try:
            report = fire_due_timers(session, datetime.now(UTC))
        finally:
            event.remove(bind, "before_cursor_execute", restart)
        assert cut and (report.failed, report.fired, report.skipped) == ([], 0, 1)
        session.refresh(case)
        assert case.status == InstanceStatus.RUNNING
        assert session.scalars(select(Incident)).all() == [] and session.scalars(select(TimerFiring)).all() == []
        report = fire_due_timers(session, datetime.now(UTC))
        assert (report.failed, report.fired) == ([], 1)
        assert set(_tasks(session, case)) == {"supervisor_review"}


def test_completing_a_task_whose_deadline_already_escalated_says_so(session, deployed):
    with time_machine.travel(T0, tick=False) as clock:
        case = _case(session)
        handle = _tasks(session, case)["handle"].id
        clock.move_to(T0 + timedelta(hours=2))
        fire_due_timers(session, datetime.now(UTC))
        from engine import Conflict

        with pytest.raises(Conflict, match=r"deadline \(处理时限\) passed and the case was escalated"):
            complete_task(session, handle, {"result": "修好"}, user="eng1")
