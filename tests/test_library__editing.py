"""Saving a process owner's edits: validated like a folder load, re-bundled as the base version, nothing half-saved."""
import pytest
from sqlalchemy import func, select

from engine import (
    Conflict,
    Deployment,
    PackageInvalid,
    ProcessVersion,
    deploy,
    editable_files,
    get_property,
    roll_back,
    save_edit,
)


def versions(session):
    return session.scalar(select(func.count()).select_from(ProcessVersion).where(
        ProcessVersion.process_id == session.scalars(select(ProcessVersion.process_id)).first()))


def test_editable_files_are_the_package_own_files(deployed):
    own = editable_files(deployed.files)
    assert set(own) == {"manifest.json", "service_request.bpmn", "priority.dmn", "sr_start.json",
                        "sr_register.json", "sr_handle.json", "sr_review.json"}
    assert "calls/followup/followup.bpmn" in deployed.files and "fu_callback.json" in deployed.files


def test_a_valid_edit_is_a_new_version_bundling_the_called_process_as_before(session, deployed):
    files = editable_files(deployed.files)
    files["service_request.bpmn"] = files["service_request.bpmn"].replace('name="上门处理"', 'name="上门维修"')
    result = save_edit(session, deployed, files, author="owner1", message="上门维修 instead of 上门处理")
    session.commit()
    v2 = result.version
    assert result.created and (v2.number, v2.author, v2.message) == (2, "owner1", "上门维修 instead of 上门处理")
    assert {p: t for p, t in v2.files.items() if p.startswith("calls/") or p == "fu_callback.json"} == \
        {p: t for p, t in deployed.files.items() if p.startswith("calls/") or p == "fu_callback.json"}
    again = save_edit(session, v2, editable_files(v2.files), author="owner2", message="same files")
    assert not again.created and again.version.id == v2.id


def test_an_invalid_edit_names_file_and_element_and_stores_nothing(session, deployed):
    files = editable_files(deployed.files)
    files["service_request.bpmn"] = files["service_request.bpmn"].replace('level == "emergency"', 'level === 1')
    files["sr_handle.json"] = '{"type": "object", "properties": {"result": {"type": "strin"}}}'
    with pytest.raises(PackageInvalid) as caught:
        save_edit(session, deployed, files, author="owner1", message="broken")
    where = {(p.file, p.element_id) for p in caught.value.problems}
    assert ("service_request.bpmn", "f_emergency") in where
    assert ("service_request.bpmn", "handle") in where  # the task naming the broken form
    session.rollback()
    assert versions(session) == 1


def test_the_key_stays_and_a_message_is_required(session, deployed):
    files = editable_files(deployed.files)
    with pytest.raises(PackageInvalid, match="a version needs a message"):
        save_edit(session, deployed, files, author="o", message="  ")
    files["manifest.json"] = files["manifest.json"].replace('"key": "service_request"', '"key": "other"')
    with pytest.raises(PackageInvalid, match="field 'key' must stay 'service_request'"):
        save_edit(session, deployed, files, author="o", message="rename")


def test_saving_over_a_newer_version_needs_force(session, deployed):
    files = editable_files(deployed.files)
    mine = dict(files, **{"service_request.bpmn": files["service_request.bpmn"].replace("登记请求", "登记")})
    theirs = dict(files, **{"service_request.bpmn": files["service_request.bpmn"].replace("超时跟进", "跟进")})
    save_edit(session, deployed, theirs, author="colleague", message="theirs")
    session.commit()
    with pytest.raises(Conflict, match="version 2 was saved after version 1"):
        save_edit(session, deployed, mine, author="owner1", message="mine")
    session.rollback()
    assert save_edit(session, deployed, mine, author="owner1", message="mine", force=True).version.number == 3


def test_a_deployment_refuses_whole_when_a_property_changed_meanwhile(session, deployed):
    files = editable_files(deployed.files)
    files["service_request.bpmn"] = files["service_request.bpmn"].replace("登记请求", "登记")
    v2 = save_edit(session, deployed, files, author="o", message="v2").version
    p1, p2 = get_property(session, "P001"), get_property(session, "P002")
    deploy(session, v2, [p2], by="colleague")
    session.commit()
    seen = {p1.id: deployed.id, p2.id: deployed.id}  # what the page showed before the colleague deployed
    with pytest.raises(Conflict, match="changed P002 meanwhile"):
        deploy(session, v2, [p1, p2], by="hq", expected=seen)
    session.rollback()
    running = dict(session.execute(select(Deployment.property_id, Deployment.version_id)).all())
    assert running == {p1.id: deployed.id, p2.id: v2.id}
    with pytest.raises(Conflict, match="nothing was rolled back"):
        roll_back(session, p2, "service_request", expected_version_id=deployed.id)


def test_the_real_repair_process_keeps_its_called_callback_and_forms(session):
    """processes/repair calls callback: its forms (also the start form) stay bundled, not the owner's to edit."""
    from conftest import ROOT

    from engine import load_folder, store_version

    v1 = store_version(session, load_folder(ROOT / "processes" / "repair"), author="seed", message="v1").version
    own = editable_files(v1.files)
    assert "callback_start.json" in v1.files and "callback_start.json" not in own
    assert "repair_start.json" in own and not any(p.startswith("calls/") for p in own)
    own["repair.bpmn"] = own["repair.bpmn"].replace('name="维修施工"', 'name="维修"')
    v2 = save_edit(session, v1, own, author="owner1", message="rename").version
    assert set(v2.files) == set(v1.files)
    assert [p for p in v1.files if v1.files[p] != v2.files[p]] == ["repair.bpmn"]
