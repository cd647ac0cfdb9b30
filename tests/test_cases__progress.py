"""The case diagram's finished, active and waiting elements, main diagram and called ones."""
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from engine import HumanTask, case_progress, complete_task, start_instance

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def _complete(session, case, data):
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    complete_task(session, task.id, data, user="tester")
    session.commit()


def test_progress_follows_the_case(session, deployed):
    with time_machine.travel(T0, tick=False):
        case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"})
        session.commit()
        [main] = case_progress(session, case)
        assert (main.process_id, main.name, main.file) == ("service_request", "服务请求", "service_request.bpmn")
        assert (main.completed, main.active, main.waiting) == (["start"], ["register"], [])

        _complete(session, case, {"urgency": "normal", "content": "漏水", "items": []})
        [main] = case_progress(session, case)
        assert main.active == ["handle"]
        assert main.waiting == ["handle_deadline", "handle_reminder"]
        assert {"register", "decide_priority", "summarise", "is_emergency"} <= set(main.completed)

        _complete(session, case, {"result": "已修好"})
        main, called = case_progress(session, case)
        assert main.active == ["followup_call"] and "handle" in main.completed
        assert "handle_deadline" not in main.waiting
        assert (called.process_id, called.name, called.file) == ("followup", "回访", "calls/followup/followup.bpmn")
        assert called.active == ["callback"] and called.completed == ["fu_start"]
