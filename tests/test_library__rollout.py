"""Deploying versions to properties, one version per process at a time, with parameters."""
import shutil

import pytest

from engine import (
    Deployment,
    NotFound,
    create_property,
    deploy,
    deployed_version,
    get_property,
    load_folder,
    set_parameter,
    start_instance,
    store_version,
)

START = {"resident": "张三", "room": "3-1201"}


def _second_version(session, packages_dir, tmp_path):
    folder = tmp_path / "service_request"
    shutil.copytree(packages_dir / "service_request", folder)
    shutil.copytree(packages_dir / "followup", tmp_path / "followup")
    bpmn = folder / "service_request.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace("登记请求", "登记请求(新)"), encoding="utf-8")
    return store_version(session, load_folder(folder, forms_dir=tmp_path / "forms")).version


def test_deploy_to_some_properties_only(session, deployed, packages_dir, tmp_path):
    p3 = create_property(session, "P003", "未部署小区")
    with pytest.raises(NotFound, match="not deployed to property 'P003'"):
        deployed_version(session, p3, "service_request")
    v2 = _second_version(session, packages_dir, tmp_path)
    p1, p2 = get_property(session, "P001"), get_property(session, "P002")
    deploy(session, v2, [p1])
    session.commit()
    assert deployed_version(session, p1, "service_request").id == v2.id
    assert deployed_version(session, p2, "service_request").id == deployed.id
    dep = session.query(Deployment).filter_by(property_id=p1.id).one()
    assert dep.previous_version_id == deployed.id
    assert session.query(Deployment).filter_by(property_id=p1.id).count() == 1  # one version at a time


def test_running_case_keeps_its_version(session, deployed, packages_dir, tmp_path):
    old_case = start_instance(session, "P001", "service_request", START, user="fd1")
    v2 = _second_version(session, packages_dir, tmp_path)
    deploy(session, v2, [get_property(session, "P001")])
    new_case = start_instance(session, "P001", "service_request", START, user="fd1")
    session.commit()
    assert old_case.version_id == deployed.id
    assert new_case.version_id == v2.id
    assert old_case.current_step == "登记请求" and new_case.current_step == "登记请求(新)"


def test_parameters_per_property_without_copying_the_diagram(session, deployed):
    p1 = get_property(session, "P001")
    set_parameter(session, p1, "reply_hours", 12)
    set_parameter(session, p1, "office_hours", "8:30-17:00")
    set_parameter(session, p1, "reply_hours", 8, process_key="service_request")
    a = start_instance(session, "P001", "service_request", START)
    b = start_instance(session, "P002", "service_request", START)
    session.commit()
    from SpiffWorkflow import TaskState

    from engine.cases import workflows

    def params(case):
        [task] = workflows.load_workflow(session, case).get_tasks(state=TaskState.READY, manual=True)
        return task.data["params"]

    params_a, params_b = params(a), params(b)
    assert params_a == {"reply_hours": 8, "office_hours": "8:30-17:00"}
    assert params_b == {"reply_hours": 24}  # the manifest's default
    assert a.version_id == b.version_id
