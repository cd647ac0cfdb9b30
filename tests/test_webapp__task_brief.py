"""The task page tells the case: what was reported, the step's instructions, earlier steps' results,
phone numbers to tap, who/when filled in, and photos sent with the form itself."""
import re

import pytest
from library import clock, deploy_library  # noqa: F401  (fixture)
from sqlalchemy import func, select

from engine import Attachment, AuditEvent, HumanTask, complete_task, start_instance

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
COMPLAINT = {"resident_name": "张三", "building_room": "3栋1201", "contact_phone": "13800001111", "channel": "phone",
             "content": "楼道灯坏了一周没人修"}


def _task(session, case_id):
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case_id)).one()
    session.commit()
    return task


@pytest.fixture
def classified(session, app, clock):  # noqa: F811
    """A complaint registered, confirmed and classified as engineering's at P001; its dispatch task."""
    deploy_library(session, "complaint")
    case = start_instance(session, "P001", "complaint", COMPLAINT, user="fd1")
    session.commit()
    lanes = {"front_desk"}
    complete_task(session, _task(session, case.id).id, {"confirmed_via": "phone", "contact_person": "客服小王"},
                  user="fd1", lanes=lanes)
    complete_task(session, _task(session, case.id).id, {
        "validity": "valid", "urgency": "medium", "cause": "service", "service_category": "facility",
        "analysis": "公共照明灯具损坏", "reply_content": "已安排工程部三个工作日内修复"}, user="fd1", lanes=lanes)
    session.commit()
    return case, _task(session, case.id)


@pytest.fixture
def dispatched(classified, session):
    """... and dispatched to engineering: its open task."""
    case, task = classified
    complete_task(session, task.id, {"dispatch_requirements": "三个工作日内更换灯具"}, user="fd1", lanes={"front_desk"})
    session.commit()
    return case, _task(session, case.id)


def test_the_task_page_tells_the_case(dispatched, as_user):
    case, task = dispatched
    assert task.task_name == "handle_engineering"
    page = as_user("eng1").get(f"/tasks/{task.id}").get_data(as_text=True)
    reported = page[page.index('id="reported"'):page.index('aria-label="此前各步"')]
    assert "楼道灯坏了一周没人修" in reported and "来电" in reported and "3栋1201" in reported
    assert "受理时间" in reported and "2026-11-23 09:00 · 前台小王" in reported
    assert '<a class="tel" href="tel:13800001111">13800001111</a>' in reported       # tap to call
    assert "本步要求" in page and "按派工单的处理要求调查核实" in page                   # the diagram's instructions
    earlier = page[page.index('aria-label="此前各步"'):page.index('id="task-form"')]
    assert earlier.index("任务分派") < earlier.index("受理确认")                        # newest first
    assert "三个工作日内更换灯具" in earlier and "公共照明灯具损坏" in earlier
    assert "处理要求" in earlier and "dispatch_requirements" not in earlier            # labelled, never the key
    assert page.index('id="reported"') < page.index('id="task-form"')                  # all of it above the form


def test_who_and_when_come_filled_in(dispatched, as_user):
    _case, task = dispatched
    page = as_user("eng1").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert re.search(r'id="f-handled_on"[^>]*value="2026-11-23"', page)


def test_a_photo_taken_with_the_form_is_attached_when_the_task_completes(dispatched, session, as_user):
    case, task = dispatched
    eng = as_user("eng1")
    page = eng.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'accept="image/*">' in page and "capture" not in page
    data = {"outcome": "solved", "investigation": "灯具老化", "result": "已更换", "handled_by": "工程老李",
            "preventive_measures": "每月巡查楼道照明"}
    response = eng.post(f"/tasks/{task.id}", data={**data, "file": [(__import__("io").BytesIO(PNG), "现场.png")]},
                        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    [row] = session.scalars(select(Attachment).where(Attachment.instance_id == case.id)).all()
    assert (row.filename, row.content_type, row.uploaded_by) == ("现场.png", "image/png", "eng1")
    session.commit()


def test_a_bad_file_with_the_form_saves_nothing_and_keeps_what_was_typed(dispatched, session, as_user):
    import io

    case, task = dispatched
    events = session.scalar(select(func.count()).select_from(AuditEvent)); session.commit()
    data = {"outcome": "solved", "investigation": "灯具老化", "result": "已更换", "handled_by": "工程老李",
            "preventive_measures": "每月巡查楼道照明"}
    response = as_user("eng1").post(f"/tasks/{task.id}", data={**data, "file": [(io.BytesIO(b"MZ\x90\x00"), "a.exe")]},
                                    content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未保存任何内容" in page and "a.exe" in page
    assert "image/" not in page.split('id="task-form"')[1].split("</form>")[0].replace('accept="image/*"', "")
    assert re.search(r'id="f-investigation"[^>]*>灯具老化</textarea>', page)
    assert _task(session, case.id).id == task.id
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_the_case_diagram_names_lanes_by_role(dispatched, as_user):
    case, _task = dispatched
    xml = as_user("fd1").get(f"/cases/{case.id}/diagram/complaint.bpmn").get_data(as_text=True)
    assert 'id="lane_front_desk" name="客服前台"' in xml and 'name="front_desk"' not in xml


def test_dispatch_shows_the_department_the_decision_table_picked_and_offers_its_staff(classified, as_user):
    _case, task = classified
    assert task.task_name == "dispatch"
    page = as_user("fd1").get(f"/tasks/{task.id}").get_data(as_text=True)
    decided = page[page.index('aria-label="流程判定"'):page.index('id="task-form"')]
    assert "责任部门" in decided and "<strong>工程部</strong>" in decided
    picker = page[page.index('id="f-assignee_name"'):].split("</select>")[0]
    assert '<option value="工程老李">工程老李</option>' in picker and '<option value="工程小孙">工程小孙</option>' in picker
    assert "eng1" not in picker                                   # by display name, never the user name


def test_who_handled_it_is_a_select_of_the_role_s_people_with_me_chosen(dispatched, as_user):
    _case, task = dispatched
    page = as_user("eng1").get(f"/tasks/{task.id}").get_data(as_text=True)
    picker = page[page.index('id="f-handled_by"'):].split("</select>")[0]
    assert '<option value="工程老李" selected>工程老李</option>' in picker and "工程小孙" in picker
