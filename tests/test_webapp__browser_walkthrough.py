"""A whole complaint in a real browser: registered, dispatched, handled late and escalated, verified, called back, closed.

The company's own complaint process (processes/complaint) on the app served from a
thread of this process, so the frozen clock is the server's too: the department's
3-working-day deadline passes, the timers fire through the engine at the travelled
time, and the supervisor sees the escalation. Screenshots go to tests/artifacts/.
"""
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from browser import chromium, screenshot, sign_in
from browser import site as browser_site
from library import PROCESSES
from playwright.sync_api import expect

from engine import fire_due_timers

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # a Monday morning
STAFF = [("fd1", "前台小王", "front_desk"), ("eng1", "工程老李", "engineering"), ("sup1", "客服主任老张", "cs_supervisor")]


@pytest.fixture
def site(tmp_path, fast_hashing):
    """The complaint process deployed, staff for each role at P001."""
    staff = [(name, display, {"roles": {"P001": [role]}}) for name, display, role in STAFF]
    with browser_site(tmp_path, [PROCESSES / "complaint"], staff) as served_site:
        yield served_site


def complete(page, expect_next: str | None = None):
    page.get_by_role("button", name="完成任务").click()
    expect(page.locator(".flash-success")).to_contain_text("已完成")
    if expect_next:
        expect(page.locator(".flash-success")).to_contain_text(f"下一步:{expect_next}")


def test_a_complaint_from_registration_through_escalation_to_closing(site):
    base, sessions = site
    with time_machine.travel(T0, tick=True) as clock, chromium() as browser:
        # the front desk registers a phone complaint from the start form
        fd = sign_in(browser, base, "fd1")
        fd.get_by_role("link", name="新建工单").click()
        fd.get_by_role("link", name="客户投诉处理").click()
        fd.get_by_label("投诉人(业户姓名)").fill("张三")
        fd.get_by_label("栋房号").fill("3栋1201")
        fd.get_by_label("联系电话").fill("13800001111")
        fd.get_by_label("投诉方式").select_option("phone")
        fd.get_by_label("投诉内容").fill("楼道灯坏了一周没人修")
        fd.get_by_label("投诉地点(问题所在位置)").fill("3栋1单元12楼楼道")
        # the received time may not lie ahead of now: said in place, nothing registered
        fd.get_by_label("收到投诉时间").fill("2026-11-23T12:00")
        fd.get_by_role("button", name="登记").click()
        expect(fd.locator("#e-received_at")).to_have_text("时间不能晚于现在。")
        screenshot(fd, "complaint-start-received-in-future")
        fd.set_viewport_size({"width": 390, "height": 844})
        assert fd.evaluate("document.documentElement.scrollWidth") <= 390  # no horizontal scrolling
        screenshot(fd, "complaint-start-received-in-future-phone")
        fd.set_viewport_size({"width": 1360, "height": 900})
        fd.get_by_label("收到投诉时间").fill("")  # blank: received when registered
        fd.get_by_role("button", name="登记").click()
        expect(fd.get_by_role("heading", name="受理确认(告知投诉人)")).to_be_visible()  # straight to its first task
        case_no = fd.locator(".crumbs a").nth(1).inner_text()
        assert case_no.startswith("TS20261123-")

        # an incomplete form shows its errors in place and saves nothing
        fd.get_by_role("button", name="完成任务").click()
        expect(fd.locator("#e-confirmed_via")).to_have_text("此项必填。")
        expect(fd.get_by_label("本投诉联系人")).to_have_value("前台小王")  # pre-filled with who is signed in
        screenshot(fd, "task-form-errors")
        fd.get_by_label("确认方式").select_option("phone")
        fd.get_by_label("本投诉联系人").fill("客服小王")
        complete(fd, "分析投诉并分类答复")
        # the same person goes on: classify, then dispatch to the responsible department
        fd.get_by_label("投诉性质").select_option("valid")
        fd.get_by_label("紧急程度").select_option("medium")
        fd.get_by_label("投诉原因").select_option("service")
        fd.get_by_label("服务类别").select_option("facility")
        fd.get_by_label("投诉内容及原因分析").fill("公共照明灯具损坏,属物业服务不到位")
        fd.get_by_label("答复投诉人内容").fill("已安排工程部三个工作日内修复")
        complete(fd, "任务分派(派工单)")
        fd.get_by_label("处理要求").fill("三个工作日内更换灯具")
        complete(fd, "工程部处理")

        # engineering sees it with three working days to go, and takes it
        eng = sign_in(browser, base, "eng1")
        row = eng.locator("tr", has_text=case_no)
        expect(row).to_contain_text("工程部处理")
        expect(row).to_contain_text("剩余 2天23小时")
        screenshot(eng, "inbox")
        row.get_by_role("button", name="认领").click()
        expect(eng.locator("tr", has_text=case_no)).to_contain_text("工程老李")  # by display name
        eng.get_by_role("link", name="工程部处理").click()
        expect(eng.get_by_label("调查核实情况")).to_be_visible()
        screenshot(eng, "task-form")

        # three working days pass without a solution: the deadline fires, the supervisor is told
        clock.move_to(datetime(2026, 11, 26, 9, 5, tzinfo=CST))
        with sessions() as s:
            report = fire_due_timers(s, datetime.now(UTC))
        assert report.fired == 1 and not report.failed
        sup = sign_in(browser, base, "sup1")
        notices = sup.locator(".notices")
        expect(notices).to_contain_text(case_no)
        expect(notices).to_contain_text("3个工作日内未解决")
        sup.get_by_role("link", name="全项目").click()
        sup.get_by_label("时限").select_option("escalated")
        sup.get_by_role("button", name="筛选").click()
        row = sup.locator("tr", has_text=case_no)
        expect(row).to_contain_text("工程部处理")
        expect(row.locator(".badge-escalated")).to_have_text("已升级")
        screenshot(sup, "inbox-escalated")

        # the department solves it; the front desk feeds back; the supervisor verifies
        eng.goto(base + "/")
        eng.locator("tr", has_text=case_no).get_by_role("link", name="工程部处理").click()
        eng.get_by_label("处理情况").select_option("solved")
        eng.get_by_label("调查核实情况").fill("灯具老化烧毁")
        eng.get_by_label("处理结果").fill("已更换LED灯具")
        eng.get_by_label("处理人").select_option("工程老李")  # the role's people, by name
        eng.get_by_label("预防措施").fill("每月巡查楼道照明")
        complete(eng, "跟踪处理结果并反馈业主")
        fd.goto(base + "/")
        fd.locator("tr", has_text=case_no).get_by_role("link", name="跟踪处理结果并反馈业主").click()
        fd.get_by_label("向投诉人反馈的处理结果及理由").fill("灯具已更换,原因是老化烧毁")
        fd.get_by_label("反馈方式").select_option("phone")
        complete(fd, "跟踪验证处理结果")
        sup.goto(base + "/")
        sup.locator("tr", has_text=case_no).get_by_role("link", name="跟踪验证处理结果").click()
        sup.get_by_label("处理结果符合要求").check()
        sup.get_by_label("验证情况").fill("现场查看已亮")
        sup.get_by_label("已审核责任部门的预防措施").check()
        complete(sup, "电话回访")

        # the callback rates it and the case closes
        fd.goto(base + "/")
        fd.locator("tr", has_text=case_no).get_by_role("link", name="电话回访").click()
        fd.get_by_label("已联系上业户").check()
        fd.get_by_label("回访内容及处理结果").fill("业主表示满意")
        fd.get_by_label("客户满意度").select_option("A")
        fd.get_by_label("回访人员").select_option("前台小王")
        fd.get_by_label("回访日期").fill("2026-11-26")
        complete(fd, "已结案")

        # the case page: closed, the diagram drawn with its finished path, the whole story on the timeline
        with sessions() as s:
            from engine import Instance
            case_id = s.query(Instance.id).filter_by(case_no=case_no).scalar()
        fd.goto(f"{base}/cases/{case_id}")
        expect(fd.locator("h1 .status")).to_have_text("已结案")
        expect(fd.locator(".diagram").first).to_have_class("diagram diagram-ready")
        assert fd.locator('.diagram [data-element-id="handle_engineering"].pf-done').count() == 1
        assert fd.locator('.diagram [data-element-id="handle_engineering_deadline"].pf-done').count() == 1
        timeline = fd.locator("#timeline .timeline")
        expect(timeline).to_contain_text("前台小王 登记了工单")
        expect(timeline).to_contain_text("工程老李 认领了“工程部处理”")
        expect(timeline).to_contain_text("已升级:“工程部处理”超过时限")
        expect(timeline).to_contain_text("客服主任老张 完成了“跟踪验证处理结果”")
        expect(timeline).to_contain_text("工单已结案")
        fd.get_by_label("添加备注").fill("业主表示满意,归档")
        fd.get_by_role("button", name="备注", exact=True).click()
        expect(timeline).to_contain_text("业主表示满意,归档")
        screenshot(fd, "case-page")
