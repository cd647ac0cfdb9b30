"""scripts/run-production.sh: the production processes, natively, on PostgreSQL and Redis.

A case's deadline fires through the script's RQ workers and escalates; the
escalation mail goes out through the mail queue; stopping the script stops
every process it started (gunicorn included, now that the web app exists). Signing in
and starting the case through the web app is phase 2.
"""
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine.instances import start_instance
from engine.models import AuditEvent, AuditKind, HumanTask, OutboxMessage, OutboxStatus
from engine.queue import enqueue
from engine.users import create_user

from conftest import REDIS_URL, ROOT

pytestmark = pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)


def _poll(session, query, timeout: float):
    """Poll the database for the script's processes to have done their work; None after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = session.scalars(query).first()
        session.rollback()
        if value is not None:
            return value
        time.sleep(0.2)
    return None


def test_a_deadline_escalates_through_the_natively_started_workers(
        session, deadline_deployed, redis_conn, db_engine, tmp_path):
    create_user(session, "sup1", "王主管", "password1", roles={"P001": ["cs_supervisor"]}, email="sup1@example.com")
    session.commit()
    env = dict(os.environ, DATABASE_URL=db_engine.url.render_as_string(hide_password=False), REDIS_URL=REDIS_URL,
               WORKERS="2", SWEEP_INTERVAL="2", BIND="127.0.0.1:5250", PFLOW_SECRET_KEY="test-only")
    env.pop("SMTP_URL", None)
    log = open(tmp_path / "run-production.log", "w")
    script = subprocess.Popen(["bash", str(ROOT / "scripts" / "run-production.sh")], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with time_machine.travel(datetime.now(timezone.utc) - timedelta(minutes=5), tick=False):
            case = start_instance(session, "P001", "deadline", {"delay_seconds": 60, "room": "6-606"}, user="fd1")
            session.commit()
            case_id = case.id
        enqueue.after_commit(session, redis_conn)  # what the web app does after each request

        escalated = _poll(session, select(AuditEvent).where(
            AuditEvent.instance_id == case_id, AuditEvent.kind == AuditKind.ESCALATED), timeout=60)
        assert escalated is not None, (tmp_path / "run-production.log").read_text()[-3000:]
        assert escalated.title == "上门处理" and escalated.data["deadline"] == "处理时限"
        assert session.scalars(select(HumanTask.lane).where(HumanTask.instance_id == case_id)).all() == [
            "cs_supervisor"]
        mail = _poll(session, select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.LOGGED), timeout=30)
        assert mail is not None and mail.address == "sup1@example.com"
        assert script.poll() is None  # everything still running
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGTERM)
        try:
            code = script.wait(timeout=30)
        finally:
            log.close()
    assert code == 0
    with pytest.raises(ProcessLookupError):  # no process of the script's group is left
        os.killpg(script.pid, 0)
    text = (tmp_path / "run-production.log").read_text()
    assert '"logger": "rq.worker"' in text  # JSON lines
