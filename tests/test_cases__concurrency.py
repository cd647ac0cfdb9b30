"""Concurrent steps on one instance are serialised: exactly one wins, the other gets a clear conflict."""
import threading
from datetime import UTC, datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from engine import (
    AuditEvent,
    AuditKind,
    Conflict,
    HumanTask,
    TimerFiring,
    complete_task,
    fire_instance_timers,
    start_instance,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))
START = {"resident": "王五", "room": "2-808"}
REGISTER = {"urgency": "emergency", "content": "电梯困人", "items": []}


def _race(session_factory, *actions):
    """Run each action(session) in its own thread and session, released at the same moment."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def worker(i, action):
        with session_factory() as s:
            barrier.wait()
            try:
                outcomes[i] = ("ok", action(s))
                s.commit()
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts on
                s.rollback()
                outcomes[i] = ("error", exc)

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_two_users_complete_the_same_task(session, session_factory, deployed):
    with time_machine.travel(T0, tick=False):
        for round_ in range(5):
            case = start_instance(session, "P001", "service_request", START)
            session.commit()
            task_id = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
            session.commit()  # end the read: on SQLite an open transaction holds the write lock
            outcomes = _race(session_factory,
                             lambda s: complete_task(s, task_id, REGISTER, user="fd1"),
                             lambda s: complete_task(s, task_id, dict(REGISTER, content="别的内容"), user="fd2"))
            kinds = sorted(o[0] for o in outcomes)
            assert kinds == ["error", "ok"], outcomes
            error = next(o[1] for o in outcomes if o[0] == "error")
            assert isinstance(error, Conflict), repr(error)
            session.commit()
            completions = session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.task_id == task_id, AuditEvent.kind == AuditKind.TASK_COMPLETED))
            assert completions == 1
            open_now = session.scalars(select(HumanTask.task_name).where(HumanTask.instance_id == case.id)).all()
            assert open_now == ["handle"]
            session.commit()


def test_timer_and_user_on_the_same_instance(session, session_factory, deployed):
    """The deadline fires while the engineer completes the task: one of the two wins, never both."""
    with time_machine.travel(T0, tick=False) as clock:
        cases = []
        for _ in range(5):
            case = start_instance(session, "P001", "service_request", START)
            session.flush()
            register = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
            complete_task(session, register, REGISTER, user="fd1")
            session.commit()
            cases.append(case)
        clock.move_to(T0 + timedelta(hours=1, minutes=1))
        now = datetime.now(UTC)
        for case in cases:
            handle = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
            session.commit()
            outcomes = _race(session_factory,
                             lambda s: fire_instance_timers(s, case.id, now),
                             lambda s: complete_task(s, handle, {"result": "到场"}, user="eng1"))
            (t_kind, fired), (u_kind, user_result) = outcomes
            assert t_kind == "ok", outcomes
            session.commit()
            open_now = set(session.scalars(select(HumanTask.task_name).where(HumanTask.instance_id == case.id)))
            firings = session.scalar(select(func.count()).select_from(TimerFiring).where(
                TimerFiring.instance_id == case.id, TimerFiring.task_name == "handle_deadline"))
            if u_kind == "ok":  # the user was first: the deadline timer was cancelled with the task
                assert fired == 0 and firings == 0 and open_now == {"callback"}
            else:  # the timer was first: the task was cancelled, the user is told
                assert isinstance(user_result, Conflict), repr(user_result)
                assert "deadline" in str(user_result) or "no longer open" in str(user_result)
                assert fired == 1 and firings == 1 and open_now == {"supervisor_review"}
            session.commit()
