"""The repair process (processes/repair) changed in the browser, rolled out to one property, an older case migrated.

A process owner drops a new engineering step, 安全措施确认, on the 无偿 (free service)
flow between 有偿服务? and 维修 in the bpmn-js modeler, gives it a new form (first
with a mistake: marked on the diagram, nothing saved), saves version 2, and HQ
deploys it to P001 only. A new repair at P001 passes the new step; a new repair at
P002 and a repair started earlier at P001 do not. A second older repair, still
waiting for the engineer, is then moved to version 2 after a dry run: its deadline
keeps its due time and it passes the new step. Screenshots go to tests/artifacts/.
"""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from browser import chromium, on_edge, screenshot
from browser import sign_in as signed_in
from browser import site as browser_site
from conftest import ROOT
from playwright.sync_api import expect
from sqlalchemy import select

from engine import AuditEvent, AuditKind, HumanTask, Instance, ProcessVersion, Timer, complete_task, start_instance

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # a Monday morning
REPORT = {"resident_name": "李四", "building_room": "5-302", "contact_phone": "13900000000", "content": "卫生间灯不亮",
          "repair_category": "public_facility", "safety_risk": False, "channel": "hotline", "source": "resident"}
ARRIVED = {"arrived_at": "2026-11-23T09:20:00+08:00", "diagnosis": "灯管老化", "paid_service": False}
SAFETY_FORM = """{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "安全措施确认",
  "type": "object",
  "required": ["measures"],
  "properties": {"measures": {"type": "string", "title": "已采取的安全措施", "minLength": %s}}
}
"""


@pytest.fixture
def site(tmp_path, fast_hashing):
    staff = [("owner1", "流程负责人小林", {"is_process_owner": True}), ("hq", "总部", {"is_hq": True}),
             ("eng1", "工程老李", {"roles": {"P001": ["engineering"], "P002": ["engineering"]}})]
    with browser_site(tmp_path, [ROOT / "processes" / "repair"], staff) as served_site:
        yield served_site


def sign_in(browser, base, username):
    return signed_in(browser, base, username, width=1440, height=960)


def report(sessions, code):
    with sessions() as s:
        case = start_instance(s, code, "repair", REPORT, user="fd1")
        s.commit()
        return case.case_no


def step(sessions, case_no, task_name, data):
    with sessions() as s:
        task = s.scalars(select(HumanTask).join(Instance).where(Instance.case_no == case_no,
                                                                 HumanTask.task_name == task_name)).one()
        complete_task(s, task.id, data, user="eng1")
        s.commit()


def on_site(sessions, case_no):
    step(sessions, case_no, "accept_order", {"technician": "王师傅"})
    step(sessions, case_no, "arrive_site", ARRIVED)


def open_steps(sessions, case_no):
    with sessions() as s:
        return sorted(t.title for t in s.scalars(select(HumanTask).join(Instance).where(Instance.case_no == case_no)))


def test_owner_adds_a_step_to_the_repair_process_hq_deploys_it_to_one_property_older_cases_migrate(site):
    base, sessions = site
    with time_machine.travel(T0, tick=True) as clock, chromium() as browser:
        passed_it, waiting = report(sessions, "P001"), report(sessions, "P001")  # started on version 1

        owner = sign_in(browser, base, "owner1")
        owner.get_by_role("link", name="流程库").click()
        owner.get_by_role("link", name="报修与上门维修服务").click()
        owner.get_by_role("link", name="编辑最新版本").click()
        expect(owner.locator("#modeler-app.modeler-ready")).to_be_visible()
        expect(owner.get_by_role("tab", name="repair.bpmn")).to_have_attribute("aria-selected", "true")

        owner.get_by_label("新表单文件名").fill("repair_safety")
        owner.get_by_role("button", name="新建表单").click()
        owner.get_by_role("tabpanel", name="repair_safety.json").locator("textarea").fill(SAFETY_FORM % '"two"')
        owner.get_by_role("tab", name="repair.bpmn").click()

        # drag a task onto the 无偿 flow, name it, make it a user task with the new form
        owner.locator(".file-pane:not([hidden]) .djs-palette .entry.bpmn-icon-task").hover()
        owner.mouse.down()
        x, y = on_edge(owner, "f_free")
        owner.mouse.move(x, y, steps=12)
        owner.mouse.up()
        owner.keyboard.type("安全措施确认")
        owner.keyboard.press("Enter")
        owner.locator(".file-pane:not([hidden]) .djs-context-pad .entry[data-action='replace']").click()
        owner.locator(".djs-popup [data-id='replace-with-user-task']").click()
        props = owner.locator(".file-pane:not([hidden]) .modeler-props")
        expect(props.locator(".bio-properties-panel-header")).to_contain_text("安全措施确认")
        expect(props.locator("#bio-properties-panel-pf-lane-ref")).to_have_value("lane_rp_engineering")  # drawn there
        props.locator("#bio-properties-panel-pf-form-file").select_option("repair_safety.json")

        # the form is no JSON Schema yet: nothing is saved, the step naming it is marked
        owner.get_by_label("改动说明(显示在版本列表中)").fill("无偿维修前增加安全措施确认")
        owner.get_by_role("button", name="校验并保存为新版本").click()
        expect(owner.locator(".save-status")).to_contain_text("未保存")
        expect(owner.locator(".problems")).to_contain_text("repair_safety.json is not a valid JSON Schema")
        expect(owner.get_by_role("tab", name="repair_safety.json")).to_have_class("file-tab has-problems")
        expect(owner.locator(".file-pane:not([hidden]) .djs-element.pf-invalid")).to_have_count(1)
        screenshot(owner, "repair-modeler-validation-error")
        with sessions() as s:
            assert s.scalar(select(ProcessVersion.number).order_by(ProcessVersion.number.desc()).limit(1)) == 1

        owner.get_by_role("tab", name="repair_safety.json").click()
        owner.get_by_role("tabpanel", name="repair_safety.json").locator("textarea").fill(SAFETY_FORM % 2)
        owner.get_by_role("button", name="校验并保存为新版本").click()
        expect(owner.locator(".flash-success")).to_contain_text("已保存 报修与上门维修服务 第 2 版")
        owner.locator("tr#v2").get_by_role("link", name="改动").click()
        added = owner.locator(".change-added", has_text="类型: 用户任务")
        expect(added).to_contain_text("安全措施确认")
        expect(added).to_contain_text("泳道: 工程部 (engineering)")
        expect(owner.locator(".change-changed", has_text="f_free")).to_contain_text("到: 维修施工 → 安全措施确认")
        screenshot(owner, "repair-version-diff")

        # HQ deploys version 2 to P001 only
        hq = sign_in(browser, base, "hq")
        hq.goto(base + "/rollout/repair")
        hq.get_by_label("要部署的版本").select_option("2")
        hq.get_by_label("P001 翠湖花园").check()
        hq.get_by_role("button", name="部署到选中的项目").click()
        hq.get_by_role("button", name="确认部署").click()
        expect(hq.locator(".flash-success")).to_contain_text("报修与上门维修服务 第 2 版已在 1 个物业项目运行:P001")
        expect(hq.locator("tr[data-property='P002'] .runs")).to_have_text("第 1 版")
        screenshot(hq, "repair-rollout")

        new_p1, new_p2 = report(sessions, "P001"), report(sessions, "P002")
        for case_no in (new_p1, new_p2, passed_it):
            on_site(sessions, case_no)
        assert open_steps(sessions, new_p1) == ["安全措施确认"]
        assert open_steps(sessions, new_p2) == ["维修施工"]
        assert open_steps(sessions, passed_it) == ["维修施工"]  # started on version 1
        eng = sign_in(browser, base, "eng1")
        eng.locator("tr", has_text=new_p1).get_by_role("link", name="安全措施确认").click()
        expect(eng.get_by_label("已采取的安全措施")).to_be_visible()

        # the older cases move to version 2 after a dry run; deadlines keep their due times
        with sessions() as s:
            due_before = s.scalars(select(Timer.due_at).join(Instance).where(Instance.case_no == waiting)).all()
        assert due_before
        clock.shift(timedelta(hours=1))
        owner.goto(base + "/processes/repair/migrate?to=2")
        expect(owner.locator(f"tr[data-case='{waiting}']")).to_contain_text("可以迁移")
        expect(owner.locator(f"tr[data-case='{passed_it}']")).to_contain_text("可以迁移")
        expect(owner.locator(f"tr[data-case='{new_p1}']")).to_have_count(0)
        screenshot(owner, "repair-migration-dry-run")
        owner.locator(f"tr[data-case='{waiting}']").get_by_role("checkbox").check()
        owner.get_by_role("button", name="迁移选中的工单").click()
        expect(owner.locator(".moved")).to_have_text(waiting)
        with sessions() as s:
            case = s.scalars(select(Instance).where(Instance.case_no == waiting)).one()
            assert s.get(ProcessVersion, case.version_id).number == 2
            assert s.scalars(select(Timer.due_at).where(Timer.instance_id == case.id)).all() == due_before
            assert s.scalars(select(AuditEvent.data).where(AuditEvent.instance_id == case.id,
                                                           AuditEvent.kind == AuditKind.MIGRATED)).one() == \
                {"from_version": 1, "to_version": 2}
            case_id = case.id
        on_site(sessions, waiting)
        assert open_steps(sessions, waiting) == ["安全措施确认"]  # moved before the new step: it passes it now
        hq.goto(f"{base}/cases/{case_id}")
        expect(hq.locator("#timeline")).to_contain_text("流程负责人小林 将工单从流程第 1 版迁移到第 2 版")
        assert not owner.errors and not hq.errors and not eng.errors
