"""A step that fails at run time tells the user plainly; the case is never shown as closed; the incident names it."""
from sqlalchemy import select

from engine import HumanTask, Incident, Instance, InstanceStatus, deploy, get_property, start_instance, store_version
from engine.library.package import assemble, load_folder


def test_a_failing_step_is_reported_plainly_never_as_closed(session, as_user, packages_dir):
    own = {p.name: p.read_bytes() for p in (packages_dir / "service_request").iterdir()}
    own["service_request.bpmn"] = own["service_request.bpmn"].replace(
        b"fee_total = sum(items) if items else 0", b"fee_total = 1 / 0")
    version = store_version(session, assemble(own, resolver=lambda key: load_folder(packages_dir / key))).version
    deploy(session, version, [get_property(session, "P001")])
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    session.commit()
    fd = as_user("fd1")
    response = fd.post(f"/tasks/{task.id}", data={"urgency": "normal", "content": "厨房漏水", "items": ""})
    assert response.status_code == 302
    page = fd.get("/").get_data(as_text=True)
    assert "未能继续" in page and "运维" in page and case.case_no in page
    assert "已结案" not in page
    session.expire_all()
    assert session.get(Instance, case.id).status == InstanceStatus.ERROR
    incident = session.scalars(select(Incident).where(Incident.instance_id == case.id)).one()
    assert "汇总费用 (summarise)" in incident.message and "步骤「汇总费用 (summarise)」出错" in incident.message
    assert "ZeroDivisionError" in incident.message or "division by zero" in incident.message
    en = fd.get("/?lang=en").get_data(as_text=True)
    assert "could not continue" not in en  # a flash is shown once
