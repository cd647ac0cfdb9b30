"""Scheduled processes start one instance per property and period, exactly once."""
import threading
from datetime import UTC, datetime, timedelta, timezone

import time_machine
from sqlalchemy import func, select

from engine import HumanTask, Instance, ScheduledRun, deploy, get_property, load_folder, start_instance, store_version
from engine.timers.schedules import feedback_residents_last_month, latest_period, start_due_schedules

CST = timezone(timedelta(hours=8))


def _deploy_daily(session, packages_dir):
    version = store_version(session, load_folder(packages_dir / "daily_check")).version
    deploy(session, version, [get_property(session, "P001"), get_property(session, "P002")])
    session.commit()


def test_latest_period_is_read_in_the_property_timezone():
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    assert latest_period("0 8 * * *", now, "Asia/Shanghai") == datetime(2026, 11, 23, 8, 0, tzinfo=CST)
    assert latest_period("0 9 1 * *", now, "Asia/Shanghai") == datetime(2026, 11, 1, 9, 0, tzinfo=CST)


def test_one_instance_per_property_and_day(session, deployed, packages_dir):
    _deploy_daily(session, packages_dir)
    with time_machine.travel(datetime(2026, 11, 23, 7, 59, tzinfo=CST), tick=False) as clock:
        first = start_due_schedules(session)  # yesterday's 08:00 period has begun: it starts now
        assert len(first) == 2
        assert start_due_schedules(session) == []
        clock.move_to(datetime(2026, 11, 23, 8, 0, 1, tzinfo=CST))
        second = start_due_schedules(session)
        assert sorted(i.property_id for i in second) == sorted(i.property_id for i in first)
        assert start_due_schedules(session) == []
        clock.move_to(datetime(2026, 11, 25, 9, 0, tzinfo=CST))  # two days later: no back-fill
        assert len(start_due_schedules(session)) == 2
    assert session.scalar(select(func.count()).select_from(ScheduledRun)) == 6
    tasks = session.scalars(select(HumanTask).where(HumanTask.task_name == "check")).all()
    assert len(tasks) == 6 and {t.lane for t in tasks} == {"engineering"}
    assert all(i.started_by == "scheduler" for i in session.scalars(select(Instance)).all()
               if i.case_no.startswith("XC"))


def test_two_schedulers_at_once_start_each_period_once(session, session_factory, deployed, packages_dir):
    _deploy_daily(session, packages_dir)
    barrier = threading.Barrier(2)
    results = []

    def run():
        with session_factory() as s:
            barrier.wait()
            results.append(len(start_due_schedules(s, datetime(2026, 11, 23, 9, 0, tzinfo=CST))))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(results) == 2
    assert session.scalar(select(func.count()).select_from(ScheduledRun)) == 2


def test_feedback_residents_of_last_month(session, deployed):
    with time_machine.travel(datetime(2026, 10, 15, 10, 0, tzinfo=CST), tick=False):
        case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-1"})
        session.commit()
    # the fixture process is not a complaint or repair: it does not count
    data = feedback_residents_last_month(session, get_property(session, "P001"),
                                         datetime(2026, 11, 1, 9, 0, tzinfo=CST))
    assert data == {"residents": [], "period": "2026-10"}
    assert case.case_no
