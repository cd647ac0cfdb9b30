"""The embedded timer loop sleeps until the next due time and is woken by a commit that brings one nearer."""
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from engine import HumanTask, Instance, Settings, start_instance
from worker.timerloop import TimerLoop

HOUR = 3600


def _loop(session_factory) -> TimerLoop:
    return TimerLoop(session_factory, Settings(sweep_interval=HOUR))


def _waiting(loop: TimerLoop) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()
    thread = threading.Thread(target=lambda: (loop.wait(datetime.now(UTC)), done.set()), daemon=True)
    thread.start()
    return thread, done


def test_a_nearer_due_time_ends_the_sleep_at_once(session_factory):
    loop = _loop(session_factory)
    _thread, done = _waiting(loop)
    assert not done.wait(0.2)  # nothing due: it would sleep the hour
    loop.wake(datetime.now(UTC) - timedelta(seconds=1))
    assert done.wait(30), "a due time that has come ends the sleep"
    _thread, done = _waiting(loop)
    loop.wake(None)  # a commit that left no timer waiting changes nothing
    assert not done.wait(0.2)
    loop.stop()
    assert done.wait(30), "stop ends the sleep"


def test_the_sleep_ends_at_the_earliest_due_time_in_the_database(session, session_factory, deployed):
    loop = _loop(session_factory)
    assert loop.next_due() is None
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    session.commit()
    due = datetime.now(UTC) - timedelta(seconds=1)
    session.execute(update(Instance).where(Instance.id == case.id).values(next_timer_due=due))
    session.commit()
    assert abs((loop.next_due() - due).total_seconds()) < 0.01
    _thread, done = _waiting(loop)
    assert done.wait(30), "a due time already in the database: no sleep"


def test_a_request_that_sets_a_timer_wakes_the_loop(session, as_user, app):
    woken: list = []

    class Loop:
        def wake(self, due):
            woken.append(due)

    app.extensions["pflow_timer_loop"] = Loop()
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    session.commit()
    task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == case.id))
    session.commit()
    response = as_user("fd1").post(f"/tasks/{task_id}", data={"urgency": "urgent", "content": "厨房漏水", "items": "5"})
    assert response.status_code == 302
    due = session.scalar(select(Instance.next_timer_due).where(Instance.id == case.id))
    session.commit()
    assert due is not None and woken == [due]  # the handling step's deadline
