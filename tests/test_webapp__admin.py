"""Operations: /health for load balancers; /admin for admins (queues, workers, failed jobs, incidents, lateness)."""
import pytest
from conftest import REDIS_URL
from rq import Queue, SimpleWorker
from sqlalchemy import select

from engine import HumanTask, Incident, complete_task, create_user, deploy, get_property, start_instance, store_version
from engine.library.package import assemble, load_folder
from webapp import create_app


def broken_job():
    raise RuntimeError("SMTP server said no")


@pytest.fixture
def admin(app, session):
    create_user(session, "ops1", "运维小刘", "password-ops1", is_admin=True)
    session.commit()


def test_health_answers_without_sign_in(browser):
    response = browser.get("/health")
    assert response.status_code == 200
    assert response.json == {"ok": True, "database": "ok", "redis": "not configured"}


def test_health_reports_a_dead_redis_with_503(web_config, app):
    broken = create_app(dict(web_config, REDIS_URL="redis://127.0.0.1:1/0"))
    response = broken.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "ok" and "Connection" in response.json["redis"]
    broken.extensions["pflow_engine"].dispose()


def test_only_admins_reach_the_operations_page(as_user, admin):
    assert as_user("hq").get("/admin/").status_code == 404  # head office is not operations
    assert as_user("sup1").get("/admin/").status_code == 404
    page = as_user("ops1").get("/admin/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "近24小时触发的时限" in text and "未配置 Redis" in text and 'id="open-incidents">0<' in text


def test_an_incident_is_listed_and_retried_from_the_page(as_user, admin, session, packages_dir):
    own = {p.name: p.read_bytes() for p in (packages_dir / "service_request").iterdir()}
    own["service_request.bpmn"] = own["service_request.bpmn"].replace(
        b"fee_total = sum(items) if items else 0", b"fee_total = sum(items) / len(items)")
    version = store_version(session, assemble(own, resolver=lambda k: load_folder(packages_dir / k))).version
    deploy(session, version, [get_property(session, "P001")])
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"})
    session.flush()
    task = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
    complete_task(session, task, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")  # 0/0
    session.commit()
    incident = session.scalars(select(Incident).where(Incident.instance_id == case.id)).one()
    session.commit()

    ops1 = as_user("ops1")
    page = ops1.get("/admin/").get_data(as_text=True)
    assert 'id="open-incidents">1<' in page and case.case_no in page and "ZeroDivisionError" in page
    response = ops1.post(f"/admin/incidents/{incident.id}/retry", follow_redirects=True)
    assert "再次失败" in response.get_data(as_text=True)  # the script still divides by zero
    session.refresh(incident)
    assert incident.attempts == 2 and incident.status.value == "open"


def test_failed_jobs_and_workers_with_redis(web_config, app, admin, redis_conn):
    queue = Queue("mail", connection=redis_conn)
    job = queue.enqueue(broken_job)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert job.get_status(refresh=True) == "failed"
    with_redis = create_app(dict(web_config, REDIS_URL=REDIS_URL))
    client = with_redis.test_client()
    assert client.get("/health").json == {"ok": True, "database": "ok", "redis": "ok"}
    client.post("/login", data={"username": "ops1", "password": "password-ops1"})
    page = client.get("/admin/").get_data(as_text=True)
    assert job.id in page and "SMTP server said no" in page and 'id="failed-jobs"' in page
    assert "没有运行中的工作进程" in page  # the burst worker has gone
    response = client.post(f"/admin/jobs/{job.id}/requeue", follow_redirects=True)
    assert "已重新排队" in response.get_data(as_text=True)
    assert job.get_status(refresh=True) == "queued" and queue.count == 1
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    response = client.post(f"/admin/jobs/{job.id}/delete", follow_redirects=True)
    assert "已删除" in response.get_data(as_text=True)
    assert client.post(f"/admin/jobs/{job.id}/delete", follow_redirects=True).status_code == 200  # gone: a message
    with_redis.extensions["pflow_engine"].dispose()
