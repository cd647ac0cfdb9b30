"""scripts/run-production.sh: the production processes, natively, on PostgreSQL and Redis.

A case's deadline fires through the script's RQ workers and escalates; the
escalation mail goes out through the mail queue; stopping the script stops
every process it started (gunicorn included). And the whole way a user sees it: signed in
through gunicorn, a complaint registered in Chromium, its deadline fired by a worker, the
escalation in the supervisor's inbox.
"""
import os
import signal
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from urllib.request import urlopen

import pytest
import time_machine
from conftest import REDIS_URL, ROOT
from sqlalchemy import select

from engine import AuditEvent, AuditKind, HumanTask, Instance, OutboxMessage, OutboxStatus, create_user, start_instance
from worker import enqueue

pytestmark = pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)


def _first(db_changes, session, query, timeout: float, log_path):
    """The first row of ``query`` once the script's processes have written it; fails after ``timeout``
    showing the end of the script's log."""
    def found():
        value = session.scalars(query).first()
        session.rollback()
        return value
    try:
        return db_changes(found, timeout, "the script's processes did the work")
    except pytest.fail.Exception:
        pytest.fail(log_path.read_text()[-3000:])


def test_a_deadline_escalates_through_the_natively_started_workers(
        session, deadline_deployed, redis_conn, db_engine, tmp_path, db_changes):
    create_user(session, "sup1", "王主管", "password1", roles={"P001": ["cs_supervisor"]}, email="sup1@example.com")
    session.commit()
    log_path = tmp_path / "run-production.log"
    script, log, _base = _start_script(db_engine, log_path)
    try:
        with time_machine.travel(datetime.now(UTC) - timedelta(minutes=5), tick=False):
            case = start_instance(session, "P001", "deadline", {"delay_seconds": 60, "room": "6-606"}, user="fd1")
            session.commit()
            case_id = case.id
        enqueue.after_commit(session, redis_conn)  # what the web app does after each request

        escalated = _first(db_changes, session, select(AuditEvent).where(
            AuditEvent.instance_id == case_id, AuditEvent.kind == AuditKind.ESCALATED), 60, log_path)
        assert escalated.title == "上门处理" and escalated.data["deadline"] == "处理时限"
        assert session.scalars(select(HumanTask.lane).where(HumanTask.instance_id == case_id)).all() == [
            "cs_supervisor"]
        mail = _first(db_changes, session, select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.LOGGED),
                      30, log_path)
        assert mail.address == "sup1@example.com"
        assert script.poll() is None  # everything still running
    finally:
        code = _stop_script(script, log)
    assert code == 0
    with pytest.raises(ProcessLookupError):  # no process of the script's group is left
        os.killpg(script.pid, 0)
    text = log_path.read_text()
    assert '"logger": "rq.worker"' in text  # JSON lines


def _start_script(db_engine, log_path):
    """run-production.sh with gunicorn on a socket the test opened (``--bind fd://N``) on a port the system picked:
    suites running at the same time never collide, and a request waits in the socket's backlog until gunicorn,
    started after the migrations, serves it — no polling for the server to come up. Returns (process, log, base URL)."""
    listener = socket.create_server(("127.0.0.1", 0))
    env = dict(os.environ, DATABASE_URL=db_engine.url.render_as_string(hide_password=False), REDIS_URL=REDIS_URL,
               WORKERS="2", SWEEP_INTERVAL="2", PFLOW_SECRET_KEY="test-only", BIND=f"fd://{listener.fileno()}")
    env.pop("SMTP_URL", None)
    log = open(log_path, "w")
    with listener:  # gunicorn holds it once started
        script = subprocess.Popen(["bash", str(ROOT / "scripts" / "run-production.sh")], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(listener.fileno(),))
        return script, log, f"http://127.0.0.1:{listener.getsockname()[1]}"


def _stop_script(script, log) -> int:
    try:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGTERM)
        return script.wait(timeout=30)
    finally:
        log.close()


def test_signed_in_user_registers_a_complaint_and_the_worker_escalates_it(
        session, redis_conn, db_engine, tmp_path, fast_hashing, db_changes):
    """sign in, start a case, let a timer fire through the worker, see the escalation."""
    from browser import chromium, new_page, require_chromium, screenshot
    from library import PROCESSES
    from playwright.sync_api import expect

    from engine import create_property, deploy, load_folder, set_parameter, store_version

    require_chromium()
    version = store_version(session, load_folder(PROCESSES / "complaint")).version
    prop = create_property(session, "P001", "翠湖花园")
    deploy(session, version, [prop])
    set_parameter(session, prop, "confirm_hours", 0.001, "complaint")  # HQ's per-property parameter: 3.6 s
    create_user(session, "fd1", "前台小王", "password-fd1", roles={"P001": ["front_desk"]})
    create_user(session, "sup1", "客服主任老张", "password-sup1", roles={"P001": ["cs_supervisor"]},
                email="sup1@example.com")
    session.commit()
    log_path = tmp_path / "run-production.log"
    script, log, base = _start_script(db_engine, log_path)
    try:
        with urlopen(base + "/health", timeout=60) as health:
            assert health.status == 200, log_path.read_text()[-3000:]
        with chromium() as browser:
            fd = new_page(browser)
            fd.goto(base + "/login")
            fd.get_by_label("用户名").fill("fd1")
            fd.get_by_label("密码").fill("password-fd1")
            fd.get_by_role("button", name="登录").click()
            fd.get_by_role("link", name="新建工单").click()
            fd.get_by_role("link", name="客户投诉处理").click()
            fd.get_by_label("投诉人(业户姓名)").fill("张三")
            fd.get_by_label("栋房号").fill("3栋1201")
            fd.get_by_label("联系电话").fill("13800001111")
            fd.get_by_label("投诉方式").select_option("visit")
            fd.get_by_label("投诉内容").fill("电梯异响")
            fd.get_by_role("button", name="登记").click()
            expect(fd.get_by_role("heading", name="受理确认(告知投诉人)")).to_be_visible()
            case_no = fd.locator(".crumbs a").nth(1).inner_text()

            # nobody confirms within the (3.6 s) deadline: a worker fires it, from the job the request enqueued
            _first(db_changes, session, select(AuditEvent).join(Instance, Instance.id == AuditEvent.instance_id)
                   .where(Instance.case_no == case_no, AuditEvent.kind == AuditKind.ESCALATED), 60, log_path)
            sup = new_page(browser)
            sup.goto(base + "/login")
            sup.get_by_label("用户名").fill("sup1")
            sup.get_by_label("密码").fill("password-sup1")
            sup.get_by_role("button", name="登录").click()
            notices = sup.locator(".notices")
            expect(notices).to_contain_text(case_no)
            expect(notices).to_contain_text("超过0.001小时未确认受理")  # the property's own deadline
            screenshot(sup, "production-escalation")
        mail = _first(db_changes, session, select(OutboxMessage).where(OutboxMessage.address == "sup1@example.com"),
                      30, log_path)
        assert case_no in (mail.subject + mail.body)
        assert script.poll() is None
    finally:
        code = _stop_script(script, log)
    assert code == 0
