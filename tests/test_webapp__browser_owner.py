"""A process owner changes the process in the browser, HQ rolls it out to one property, an older case is migrated.

The owner adds a step (现场核实, a user task of engineering) to the process in the
bpmn-js modeler, first saves it with a mistake (no lane: the error is marked on the
diagram and nothing is saved), fixes it, saves version 2 and deploys it to P001 only.
A new case at P001 passes the new step; a new case at P002 and a case started
earlier at P001 do not. The older case is then moved to version 2 after a dry run.
Runs on the engine's fixture process (tests/fixtures/packages/service_request), a
repair-like process: register → decide urgency → handle on site under a deadline → callback.
Screenshots go to tests/artifacts/.
"""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from browser import center, chromium, screenshot
from browser import sign_in as signed_in
from browser import site as browser_site
from playwright.sync_api import expect
from sqlalchemy import select

from engine import AuditEvent, AuditKind, HumanTask, Instance, ProcessVersion, Timer, complete_task, start_instance

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # a Monday morning
START = {"resident": "张三", "room": "3栋1201"}
REGISTER = {"urgency": "normal", "content": "厨房漏水", "items": []}
CHECK_FORM = """{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "现场核实",
  "type": "object",
  "required": ["finding"],
  "properties": {"finding": {"type": "string", "title": "核实情况", "minLength": 2}}
}
"""


@pytest.fixture
def site(tmp_path, packages_dir, fast_hashing):
    staff = [("owner1", "流程负责人小林", {"is_process_owner": True}), ("hq", "总部", {"is_hq": True}),
             ("fd1", "前台小王", {"roles": {"P001": ["front_desk"], "P002": ["front_desk"]}}),
             ("eng1", "工程老李", {"roles": {"P001": ["engineering"], "P002": ["engineering"]}})]
    with browser_site(tmp_path, [packages_dir / "service_request"], staff) as served_site:
        yield served_site


def sign_in(browser, base, username):
    return signed_in(browser, base, username, width=1440, height=960)


def open_tasks(sessions, case_no):
    with sessions() as s:
        return {t.task_name: t for t in s.scalars(select(HumanTask).join(Instance).where(Instance.case_no == case_no))}


def register(sessions, code):
    """A new case at property ``code``, registered by the front desk; returns its number."""
    with sessions() as s:
        case = start_instance(s, code, "service_request", START, user="fd1")
        s.commit()
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
        complete_task(s, task.id, REGISTER, user="fd1")
        s.commit()
        return case.case_no


def test_owner_adds_a_step_hq_deploys_it_to_one_property_and_an_older_case_is_migrated(site):
    base, sessions = site
    with time_machine.travel(T0, tick=True) as clock, chromium() as browser:
        with sessions() as s:  # a case started before the change, still at its first step
            older = start_instance(s, "P001", "service_request", START, user="fd1")
            s.commit()
            older_no = older.case_no

        owner = sign_in(browser, base, "owner1")
        owner.get_by_role("link", name="流程库").click()
        owner.get_by_role("link", name="服务请求(测试)").click()
        owner.get_by_role("link", name="编辑最新版本").click()
        expect(owner.locator("#modeler-app.modeler-ready")).to_be_visible()
        expect(owner.get_by_role("tab", name="service_request.bpmn")).to_have_attribute("aria-selected", "true")

        # a new form for the step, written beside the diagram
        owner.get_by_label("新表单文件名").fill("sr_check")
        owner.get_by_role("button", name="新建表单").click()
        owner.get_by_role("tabpanel", name="sr_check.json").locator("textarea").fill(CHECK_FORM)
        owner.get_by_role("tab", name="service_request.bpmn").click()

        # drag a task from the palette onto the flow 登记请求 → 判定紧急程度, name it, make it a user task
        owner.locator(".file-pane:not([hidden]) .djs-palette .entry.bpmn-icon-task").hover()
        owner.mouse.down()
        x, y = center(owner, "f_register")
        owner.mouse.move(x, y, steps=12)
        owner.mouse.up()
        owner.keyboard.type("现场核实")
        owner.keyboard.press("Enter")
        owner.locator(".file-pane:not([hidden]) .djs-context-pad .entry[data-action='replace']").click()
        owner.locator(".djs-popup [data-id='replace-with-user-task']").click()
        props = owner.locator(".file-pane:not([hidden]) .modeler-props")
        expect(props.locator(".bio-properties-panel-header")).to_contain_text("现场核实")
        props.locator("#bio-properties-panel-pf-form-file").select_option("sr_check.json")
        expect(props.locator("#bio-properties-panel-pf-form-file")).to_have_value("sr_check.json")

        # saving without a lane: nothing saved, the problem marked on the new element
        owner.get_by_label("改动说明(显示在版本列表中)").fill("登记后增加现场核实")
        owner.get_by_role("button", name="校验并保存为新版本").click()
        expect(owner.locator(".save-status")).to_contain_text("未保存")
        expect(owner.locator(".problems")).to_contain_text("此用户任务不在任何泳道中")
        expect(owner.locator(".file-pane:not([hidden]) .djs-element.pf-invalid")).to_have_count(1)
        expect(owner.locator(".file-pane:not([hidden]) .pf-problem-badge")).to_be_visible()
        screenshot(owner, "modeler-validation-error")
        with sessions() as s:
            assert s.scalar(select(ProcessVersion.number).order_by(ProcessVersion.number.desc()).limit(1)) == 1

        # the fix: the step belongs to engineering; the edits were kept, so it saves now
        props.locator("#bio-properties-panel-pf-lane-ref").select_option("lane_engineering")
        owner.get_by_role("button", name="校验并保存为新版本").click()
        expect(owner.locator(".flash-success")).to_contain_text("已保存 服务请求(测试) 第 2 版")
        expect(owner.locator("tr#v2")).to_contain_text("登记后增加现场核实")
        expect(owner.locator("tr#v2")).to_contain_text("owner1")

        # the readable diff
        owner.locator("tr#v2").get_by_role("link", name="改动").click()
        expect(owner.get_by_role("heading", name="第 1 版 → 第 2 版的改动")).to_be_visible()
        added = owner.locator(".change-added", has_text="类型: 用户任务")
        expect(added).to_contain_text("现场核实")
        expect(added).to_contain_text("泳道: 工程部 (engineering)")
        expect(added).to_contain_text("表单: sr_check.json")
        expect(owner.locator(".change-added", has_text="sr_check.json").first).to_be_visible()
        screenshot(owner, "version-diff")

        # HQ deploys version 2 to P001 first
        hq = sign_in(browser, base, "hq")
        hq.get_by_role("link", name="部署").first.click()
        hq.get_by_role("link", name="服务请求(测试) v1").first.click()
        hq.get_by_label("要部署的版本").select_option("2")
        hq.get_by_label("P001 翠湖花园").check()
        hq.get_by_role("button", name="部署到选中的项目").click()
        hq.get_by_role("button", name="确认部署").click()
        expect(hq.locator(".flash-success")).to_contain_text("服务请求(测试) 第 2 版已在 1 个物业项目运行:P001")
        expect(hq.locator("tr[data-property='P001'] .runs")).to_have_text("第 2 版")
        expect(hq.locator("tr[data-property='P002'] .runs")).to_have_text("第 1 版")
        screenshot(hq, "rollout")

        # new cases: P001 passes the new step, P002 does not; the older P001 case does not either
        at_p1, at_p2 = register(sessions, "P001"), register(sessions, "P002")
        with sessions() as s:
            older_task = s.scalars(select(HumanTask).join(Instance).where(Instance.case_no == older_no)).one()
            complete_task(s, older_task.id, REGISTER, user="fd1")
            s.commit()
        assert [t.title for t in open_tasks(sessions, at_p1).values()] == ["现场核实"]
        assert [t.title for t in open_tasks(sessions, at_p2).values()] == ["上门处理"]
        assert [t.title for t in open_tasks(sessions, older_no).values()] == ["上门处理"]
        eng = sign_in(browser, base, "eng1")
        row = eng.locator("tr", has_text=at_p1)
        expect(row).to_contain_text("现场核实")
        eng.get_by_role("link", name="现场核实").first.click()
        expect(eng.get_by_label("核实情况")).to_be_visible()

        # the older case is moved to version 2 after a dry run; its deadline keeps its due time
        with sessions() as s:
            due_before = s.scalars(select(Timer.due_at).join(Instance).where(Instance.case_no == older_no)).all()
        clock.shift(timedelta(hours=1))
        owner.goto(base + "/processes/service_request")
        owner.get_by_role("link", name="迁移进行中的工单").click()
        owner.get_by_label("目标").select_option("2")
        owner.get_by_role("button", name="重新检查").click()
        older_row = owner.locator(f"tr[data-case='{older_no}']")
        expect(older_row).to_contain_text("可以迁移")
        expect(owner.locator(f"tr[data-case='{at_p1}']")).to_have_count(0)  # already on version 2
        screenshot(owner, "migration-dry-run")
        older_row.get_by_role("checkbox").check()
        owner.get_by_role("button", name="迁移选中的工单").click()
        expect(owner.get_by_role("heading", name="已迁移到第 2 版")).to_be_visible()
        expect(owner.locator(".moved")).to_have_text(older_no)
        with sessions() as s:
            case = s.scalars(select(Instance).where(Instance.case_no == older_no)).one()
            assert s.get(ProcessVersion, case.version_id).number == 2
            assert s.scalars(select(Timer.due_at).where(Timer.instance_id == case.id)).all() == due_before
            event = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == case.id,
                                                       AuditEvent.kind == AuditKind.MIGRATED)).one()
            assert (event.actor, event.data) == ("owner1", {"from_version": 1, "to_version": 2})
            case_id = case.id
        assert not owner.errors and not hq.errors
        hq.goto(f"{base}/cases/{case_id}")
        expect(hq.locator("#timeline")).to_contain_text("流程负责人小林 将工单从流程第 1 版迁移到第 2 版")
        expect(hq.locator(".page-head")).to_contain_text("第 2 版")


def test_the_properties_panel_writes_the_engine_dialect_and_files_can_be_uploaded(site, packages_dir, tmp_path):
    """Timer, script, condition, pre-script and instructions edited in the panel, a DMN uploaded: the engine loads it."""
    from lxml import etree

    from engine.library.lint import NS

    base, sessions = site
    dmn = tmp_path / "priority.dmn"
    dmn.write_text((packages_dir / "service_request" / "priority.dmn").read_text(encoding="utf-8")
                   .replace("<text>1</text>", "<text>2</text>"), encoding="utf-8")
    with chromium() as browser:
        owner = sign_in(browser, base, "owner1")
        owner.goto(base + "/processes/service_request/edit")
        expect(owner.locator("#modeler-app.modeler-ready")).to_be_visible()
        pane = owner.locator(".file-pane:not([hidden])")
        props = pane.locator(".modeler-props")

        canvas = pane.locator(".modeler-canvas").bounding_box()

        def pick(element_id):
            owner.mouse.click(canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] - 30)  # deselect
            owner.mouse.click(*center(owner, element_id))
            owner.keyboard.press("Escape")  # leave any label editing
            expect(props.locator(".bio-properties-panel-header")).to_be_visible()

        pick("handle_deadline")
        expect(props.locator("#bio-properties-panel-pf-timer-type")).to_have_value("timeDuration")
        props.locator("#bio-properties-panel-pf-timer-value").fill('"PT%dH" % (deadline_hours * 2)')
        pick("summarise")
        props.locator("#bio-properties-panel-pf-script-text").fill("fee_total = sum(items) if items else 0")
        pick("f_emergency")
        props.locator("#bio-properties-panel-pf-condition-text").fill('level == "emergency" or urgency == "emergency"')
        pick("register")
        expect(props.locator("#bio-properties-panel-pf-form-file")).to_have_value("sr_register.json")
        expect(props.locator("#bio-properties-panel-pf-lane-ref")).to_have_value("lane_front_desk")
        props.locator("#bio-properties-panel-pf-instructions").fill("请核对栋房号")
        props.get_by_text("前置/后置脚本").click()
        props.locator("#bio-properties-panel-pf-prescript").fill("checked = True")
        pick("decide_priority")
        expect(props.locator("#bio-properties-panel-pf-decision-id")).to_have_value("priority")
        pick("followup_call")
        expect(props.locator("#bio-properties-panel-pf-called-element")).to_have_value("followup")
        owner.locator(".upload-file").set_input_files(str(dmn))
        expect(owner.get_by_role("tabpanel", name="priority.dmn").locator("textarea")).to_have_value(
            dmn.read_text(encoding="utf-8"))
        owner.get_by_label("改动说明(显示在版本列表中)").fill("时限加倍,急修 2 小时")
        owner.get_by_role("button", name="校验并保存为新版本").click()
        expect(owner.locator(".flash-success")).to_contain_text("第 2 版")
        assert not owner.errors

    with sessions() as s:
        from engine import ProcessVersion

        files = s.scalars(select(ProcessVersion).where(ProcessVersion.number == 2)).one().files
    root = etree.fromstring(files["service_request.bpmn"].encode())

    def one(xpath):
        [found] = root.xpath(xpath, namespaces=NS)
        return found

    timer = one("//bpmn:boundaryEvent[@id='handle_deadline']//bpmn:timeDuration")
    assert timer.text == '"PT%dH" % (deadline_hours * 2)'
    assert timer.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "bpmn:tFormalExpression"
    assert one("//bpmn:scriptTask[@id='summarise']/bpmn:script").text == "fee_total = sum(items) if items else 0"
    assert one("//bpmn:sequenceFlow[@id='f_emergency']/bpmn:conditionExpression").text == \
        'level == "emergency" or urgency == "emergency"'
    register = "//bpmn:userTask[@id='register']/bpmn:extensionElements/"
    assert one(register + "spiffworkflow:preScript").text == "checked = True"
    assert one(register + "spiffworkflow:instructionsForEndUser").text == "请核对栋房号"
    assert one(register + "spiffworkflow:properties/spiffworkflow:property").attrib == {
        "name": "formJsonSchemaFilename", "value": "sr_register.json"}
    assert one("//bpmn:lane[@id='lane_front_desk']").xpath("bpmn:flowNodeRef/text()", namespaces=NS)[:2] == \
        ["start", "register"]
    assert one("//bpmn:businessRuleTask[@id='decide_priority']//spiffworkflow:calledDecisionId").text == "priority"
    assert files["priority.dmn"] == dmn.read_text(encoding="utf-8")
