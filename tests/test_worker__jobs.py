"""RQ jobs, run by an in-process RQ worker against real Redis: timer jobs at due times, retries, incidents, mail."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import REDIS_URL
from rq import Queue, Retry, SimpleWorker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import select

from engine import (
    AuditEvent,
    AuditKind,
    HumanTask,
    Incident,
    Instance,
    InstanceStatus,
    OutboxMessage,
    OutboxStatus,
    TimerFiring,
    create_user,
    retry_incident,
    start_instance,
)
from engine.cases import workflows
from worker import MAIL, QUEUES, TIMERS, enqueue, jobs, operations


@pytest.fixture
def queue_env(db_engine, redis_conn, monkeypatch):
    """The jobs' environment: this test's database and Redis; no SMTP (mail goes to the log)."""
    monkeypatch.setenv("DATABASE_URL", db_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.delenv("SMTP_URL", raising=False)
    monkeypatch.setattr(jobs, "_runtime", None)
    yield redis_conn
    if jobs._runtime is not None:
        jobs._runtime.sessions.kw["bind"].dispose()


def _work(redis_conn, session):
    """Run an RQ worker in this process until the queues are empty (scheduled jobs that are due included)."""
    session.rollback()  # end the test's read: on SQLite any open transaction holds the write lock
    SimpleWorker([Queue(n, connection=redis_conn) for n in QUEUES], connection=redis_conn).work(
        burst=True, with_scheduler=True)


def _late_case(session, redis_conn, delay=60):
    """A case whose deadline passed a minute ago (started in the past), handed to the queue after commit."""
    past = datetime.now(UTC) - timedelta(seconds=delay + 60)
    with time_machine.travel(past, tick=False):
        case = start_instance(session, "P001", "deadline", {"delay_seconds": delay, "room": "2-1"})
        session.commit()
    enqueue.after_commit(session, redis_conn)
    return case.id, case.next_timer_due  # plain values: a rollback expires the ORM object


def test_a_job_fires_the_timer_at_its_due_time_and_the_escalation_mail_follows(
        session, deadline_deployed, queue_env, caplog):
    create_user(session, "sup1", "王主管", "password1", roles={"P001": ["cs_supervisor"]}, email="sup1@example.com")
    case_id, due = _late_case(session, queue_env)
    [(job_id, score)] = queue_env.zrange(ScheduledJobRegistry(TIMERS, connection=queue_env).key, 0, -1,
                                         withscores=True)
    assert job_id.decode() == enqueue.timer_job_id(case_id, due) and score == pytest.approx(due.timestamp())

    with caplog.at_level("INFO"):
        _work(queue_env, session)
    session.expire_all()
    firing = session.scalars(select(TimerFiring)).one()
    assert firing.instance_id == case_id and firing.worker and firing.lateness_seconds >= 60
    assert session.scalars(select(HumanTask.task_name).where(HumanTask.instance_id == case_id)).all() == ["review"]
    mail = session.scalars(select(OutboxMessage)).one()
    assert (mail.username, mail.status) == ("sup1", OutboxStatus.LOGGED)  # delivered by the mail job, to the log
    assert mail.subject in caplog.text

    # the same job again (a duplicate, or RQ running it twice) fires nothing
    session.rollback()
    assert jobs.fire_timers(case_id, due.isoformat()) == 0
    assert len(session.scalars(select(TimerFiring)).all()) == 1


def test_a_failing_timer_job_is_retried_then_leaves_an_incident_an_admin_retries(
        session, deadline_deployed, queue_env, monkeypatch):
    monkeypatch.setattr(enqueue, "TIMER_RETRY", Retry(max=2))
    case_id, due = _late_case(session, queue_env)
    calls = []
    real_load = workflows.load_workflow

    def broken_load(s, instance):
        calls.append(instance.id)
        raise OSError("storage unavailable")

    monkeypatch.setattr(workflows, "load_workflow", broken_load)
    _work(queue_env, session)
    assert calls == [case_id] * 3  # the first run and two retries
    session.expire_all()
    assert session.get(Instance, case_id).status == InstanceStatus.ERROR
    incident = session.scalars(select(Incident)).one()
    assert incident.source == "timer" and "storage unavailable" in incident.message
    failed = FailedJobRegistry(TIMERS, connection=queue_env)
    assert failed.get_job_ids() == [enqueue.timer_job_id(case_id, due)]

    figures = operations.figures(session, queue_env)
    assert figures.open_incidents == 1 and figures.incidents[0].id == incident.id
    assert [j.id for j in figures.failed_jobs] == failed.get_job_ids()
    assert "storage unavailable" in figures.failed_jobs[0].error
    assert {q.name: q.failed for q in figures.queues} == {TIMERS: 1, MAIL: 0}

    monkeypatch.setattr(workflows, "load_workflow", real_load)
    retry_incident(session, incident.id, user="admin")
    session.commit()
    assert session.get(Instance, case_id).status == InstanceStatus.RUNNING
    assert session.scalars(select(HumanTask.task_name).where(HumanTask.instance_id == case_id)).all() == ["review"]


def test_mail_the_server_refuses_is_retried_by_rq_and_ends_failed_with_an_incident(
        session, deadline_deployed, queue_env, monkeypatch, smtp_server):
    inbox, url = smtp_server
    inbox.refuse = "451 try again later"
    monkeypatch.setenv("SMTP_URL", url)
    monkeypatch.setattr(enqueue, "MAIL_RETRY", Retry(max=3))  # the outbox's attempts, without the waits
    create_user(session, "sup1", "王主管", "password1", roles={"P001": ["cs_supervisor"]}, email="sup1@example.com")
    case_id, due = _late_case(session, queue_env)
    _work(queue_env, session)
    session.expire_all()
    mail = session.scalars(select(OutboxMessage)).one()
    assert (mail.status, mail.attempts) == (OutboxStatus.FAILED, 4) and "451 try again later" in mail.last_error
    assert session.scalars(select(Incident.source).where(Incident.instance_id == case_id)).all() == ["mail"]
    assert FailedJobRegistry(MAIL, connection=queue_env).get_job_ids() == [f"mail-{mail.id}"]

    inbox.refuse = None
    retry_incident(session, session.scalars(select(Incident)).one().id, user="admin")
    session.commit()
    enqueue.after_commit(session, queue_env)  # the failed job's id is free again
    _work(queue_env, session)
    session.expire_all()
    assert session.get(OutboxMessage, mail.id).status == OutboxStatus.SENT and len(inbox.messages) == 1


def test_the_periodic_jobs_catch_what_redis_lost(session, deadline_deployed, queue_env):
    create_user(session, "sup1", "王主管", "password1", roles={"P001": ["cs_supervisor"]}, email="sup1@example.com")
    case_id, due = _late_case(session, queue_env)
    queue_env.flushdb()  # every scheduled job is gone
    session.rollback()
    jobs.sweep_timers()  # as the cron job runs it: fires what is due, enqueues the mail it caused
    session.expire_all()
    assert session.scalars(select(TimerFiring.instance_id)).all() == [case_id]
    queue_env.flushdb()  # and the mail job is lost too
    session.rollback()
    assert jobs.flush_outbox() == 1
    assert jobs.flush_outbox() == 0  # its job is waiting: not twice
    _work(queue_env, session)
    session.expire_all()
    assert session.scalars(select(OutboxMessage.status)).all() == [OutboxStatus.LOGGED]
    session.rollback()
    assert jobs.flush_outbox() == 0
    events = session.scalars(select(AuditEvent.kind).where(AuditEvent.instance_id == case_id)).all()
    assert events.count(AuditKind.ESCALATED) == 1
