"""An endless diagram script reached by a timer job becomes an incident; the RQ job and its worker carry on."""
from datetime import UTC, datetime, timedelta

import time_machine
from conftest import REDIS_URL
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from engine import (
    HumanTask,
    Incident,
    Instance,
    InstanceStatus,
    complete_task,
    create_property,
    deploy,
    start_instance,
    store_version,
)
from engine.library.package import assemble, load_folder
from worker import QUEUES, TIMERS, enqueue, jobs


def test_an_endless_script_in_a_timer_job_becomes_an_incident(session, db_engine, packages_dir, redis_conn,
                                                              monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("SCRIPT_CPU_SECONDS", "0.2")  # CPU seconds of the job's thread: no wall clock involved
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.setattr(jobs, "_runtime", None)
    own = {p.name: p.read_bytes() for p in (packages_dir / "service_request").iterdir()}
    own["service_request.bpmn"] = (own["service_request.bpmn"]
                                   .replace(b"working_days(1)", b"hours_from_now(0.01)")
                                   .replace(b"reminded = True", b"reminded = 0\nwhile True:\n    reminded += 1"))
    version = store_version(session, assemble(own, resolver=lambda key: load_folder(packages_dir / key))).version
    deploy(session, version, [create_property(session, "P001", "翠湖花园")])
    session.commit()
    with time_machine.travel(datetime.now(UTC) - timedelta(minutes=5), tick=False):  # the reminder is due now
        case = start_instance(session, "P001", "service_request", {"resident": "李四", "room": "5-302"}, user="fd1")
        [register] = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).all()
        complete_task(session, register, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")
        session.commit()
    case_id = case.id
    enqueue.after_commit(session, redis_conn)  # the timer job, at the reminder's (past) due time
    session.rollback()
    worker = SimpleWorker([Queue(n, connection=redis_conn) for n in QUEUES], connection=redis_conn)
    worker.work(burst=True, with_scheduler=True)
    session.expire_all()
    assert session.get(Instance, case_id).status == InstanceStatus.ERROR
    incident = session.scalars(select(Incident).where(Incident.instance_id == case_id)).one()
    assert incident.task_name == "remind" and "CPU time" in incident.message
    assert FailedJobRegistry(TIMERS, connection=redis_conn).count == 0, "the job itself ended normally"
    if jobs._runtime is not None:
        jobs._runtime.sessions.kw["bind"].dispose()
