"""The staff's working day on a phone (390×844) and a desk (1366×900), in Chromium.

A guard claims and handles a complaint from the card list, taking a photo with the task
form; the case is closed; a supervisor finds it by the resident's phone number. Every
page each role reaches is checked for sideways scrolling at both sizes, and screenshots
of the inbox, task and case pages at both widths go to tests/artifacts/.
"""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from browser import chromium, new_page, screenshot, sign_in
from browser import site as browser_site
from library import PROCESSES
from playwright.sync_api import expect
from sqlalchemy import select

from engine import HumanTask, Instance, complete_task, start_instance

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CST)  # a Monday morning
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
STAFF = [("fd1", "前台小王", {"roles": {"P001": ["front_desk"]}}),
         ("guard1", "保安老赵", {"roles": {"P001": ["security"]}}),
         ("sup1", "客服主任老张", {"roles": {"P001": ["cs_supervisor"]}}),
         ("eng1", "工程老李", {"roles": {"P001": ["engineering"]}}),
         ("hq", "总部小陈", {"is_hq": True}),
         ("owner", "流程负责人小林", {"is_process_owner": True}),
         ("ops", "运维小吴", {"is_admin": True})]
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
STEPS = {  # what each form of the complaint gets when the test (not the browser) does a step
    "complaint_confirm.json": {"confirmed_via": "phone", "contact_person": "前台小王"},
    "complaint_classify.json": {"validity": "valid", "urgency": "medium", "cause": "service",
                                "service_category": "security", "analysis": "夜间巡逻不到位",
                                "reply_content": "已安排保安部加强巡逻"},
    "complaint_dispatch.json": {"dispatch_requirements": "今晚起加强巡逻,单元门闭门器两日内修好"},
    "complaint_feedback.json": {"feedback_content": "已加强巡逻,闭门器已修好", "feedback_via": "phone"},
    "complaint_verify.json": {"result_verified": True, "verification_note": "现场查看已修好",
                              "preventive_measures_reviewed": True},
    "callback_record.json": {"reached": True, "callback_content": "业主表示满意", "rating": "A",
                             "callback_staff": "前台小王", "callback_date": "2026-11-23"},
}
USERS = {"front_desk": "fd1", "cs_supervisor": "sup1", "security": "guard1"}


@pytest.fixture
def site(tmp_path, fast_hashing):
    with browser_site(tmp_path, [PROCESSES / "complaint", PROCESSES / "repair"], STAFF) as served_site:
        yield served_site


def advance(sessions, case_no: str, until_lane: str | None) -> None:
    """Do the case's steps through the engine until a step of ``until_lane`` is open (None: until it closes)."""
    with sessions() as s:
        while True:
            task = s.scalars(select(HumanTask).join(Instance).where(Instance.case_no == case_no)).first()
            if task is None or task.lane == until_lane:
                return
            complete_task(s, task.id, STEPS[task.form], user=USERS[task.lane], lanes={task.lane})
            s.commit()


def no_sideways_scroll(page, where: str) -> None:
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client, f"{where} scrolls sideways at {client} px: {width} px wide"


def test_a_guard_handles_a_complaint_on_a_phone_and_a_supervisor_finds_it_closed(site):
    base, sessions = site
    with time_machine.travel(T0, tick=True), chromium() as browser:
        with sessions() as s:
            case = start_instance(s, "P001", "complaint", {
                "resident_name": "李娜", "building_room": "5栋0302", "contact_phone": "13900002222",
                "channel": "visit", "content": "夜间保安巡逻不到位,单元门常开"}, user="fd1")
            s.commit()
            case_no = case.case_no
        advance(sessions, case_no, "security")

        # the guard, on a phone: a card with the task, case, resident and time left, and one big claim button
        guard = sign_in(browser, base, "guard1", **PHONE)
        card = guard.locator("tr", has_text=case_no)
        expect(card).to_contain_text("保安部处理")
        expect(card).to_contain_text("李娜 · 5栋0302")
        expect(card.locator(".badge-ok")).to_contain_text("剩余")
        claim = card.get_by_role("button", name="认领")
        box = claim.bounding_box()
        assert box["width"] > 300 and box["height"] >= 44  # one thumb
        no_sideways_scroll(guard, "inbox")
        screenshot(guard, "phone-inbox")
        claim.click()
        expect(guard.locator("tr", has_text=case_no)).to_contain_text("保安老赵")
        guard.locator("tr", has_text=case_no).get_by_role("link", name="打开").click()

        # the task page tells the case before the form: what was reported, the dispatch, the instructions
        expect(guard.locator("#reported")).to_contain_text("夜间保安巡逻不到位")
        expect(guard.locator("#reported a.tel")).to_have_attribute("href", "tel:13900002222")
        expect(guard.locator(".earlier")).to_contain_text("今晚起加强巡逻")
        expect(guard.locator(".instructions")).to_contain_text("按派工单的处理要求")
        expect(guard.get_by_label("处理人")).to_have_value("保安老赵")
        no_sideways_scroll(guard, "task page")
        guard.get_by_label("处理情况").select_option("solved")
        guard.get_by_label("调查核实情况").fill("夜班少排一人")
        guard.get_by_label("处理结果").fill("已补排夜班,闭门器已修好")
        guard.get_by_label("预防措施").fill("夜班排班表每周核对,闭门器纳入月检")  # required when solved
        guard.locator("#f-photos").set_input_files([{"name": "单元门.png", "mimeType": "image/png", "buffer": PNG}])
        expect(guard.locator('[data-chosen-for="f-photos"]')).to_have_text("单元门.png")
        screenshot(guard, "phone-task")
        at_desk = sign_in(browser, base, "guard1", **DESK)  # the same task at a desk
        at_desk.goto(guard.url)
        expect(at_desk.locator("#reported")).to_contain_text("夜间保安巡逻不到位")
        no_sideways_scroll(at_desk, "task page")
        screenshot(at_desk, "desk-task")
        at_desk.goto(base + "/")
        expect(at_desk.locator("tr", has_text=case_no)).to_contain_text("保安老赵")
        no_sideways_scroll(at_desk, "inbox")
        screenshot(at_desk, "desk-inbox")
        at_desk.context.close()
        guard.get_by_role("button", name="完成任务").click()
        expect(guard.locator(".flash-success")).to_contain_text("已完成")

        advance(sessions, case_no, None)  # feedback, verification and the callback close it

        # the supervisor, on a phone, finds the closed case by the resident's phone number
        sup = sign_in(browser, base, "sup1", **PHONE)
        sup.get_by_role("link", name="工单查询").click()
        sup.get_by_role("searchbox").fill("13900002222")
        sup.get_by_role("button", name="搜索").click()
        row = sup.locator("tr", has_text=case_no)
        expect(row).to_contain_text("已结案")
        no_sideways_scroll(sup, "case search")
        screenshot(sup, "phone-search")
        row.get_by_role("link", name=case_no).click()
        expect(sup.locator("h1 .status")).to_have_text("已结案")
        expect(sup.locator("#timeline")).to_contain_text("保安老赵 完成了“保安部处理”")
        expect(sup.locator("#attachments img.thumb")).to_have_count(1)
        # the case data and timeline come first; the diagram is folded and drawn when opened
        assert sup.locator(".side-col").bounding_box()["y"] < sup.locator(".case-diagrams").bounding_box()["y"]
        expect(sup.locator(".case-diagrams")).not_to_have_attribute("open", "")
        no_sideways_scroll(sup, "case page")
        screenshot(sup, "phone-case")
        sup.locator(".case-diagrams > summary").click()
        expect(sup.locator(".diagram").first).to_have_class("diagram diagram-ready")
        assert sup.errors == []

        # the same pages at a desk
        desk = sign_in(browser, base, "sup1", **DESK)
        for name, path in [("desk-inbox-supervisor", "/?view=property"), ("desk-search", "/search/?q=13900002222"),
                           ("desk-case", f"/cases/{case.id}")]:
            desk.goto(base + path)
            no_sideways_scroll(desk, path)
            screenshot(desk, name)
        expect(desk.locator(".diagram").first).to_have_class("diagram diagram-ready")


PAGES = {  # what each role reaches from the top bar, and the pages those lead to
    "fd1": ["/", "/?view=team", "/search/", "/cases/new", "/cases/new/P001/complaint", "{task}", "{case}"],
    "guard1": ["/", "/search/", "{case}"],
    "sup1": ["/", "/?view=property", "/search/?status=running", "{task}", "{case}"],
    "hq": ["/", "/search/", "/processes/", "/processes/complaint", "/rollout/", "/rollout/complaint",
           "/properties/P001", "/staff/", "{case}"],
    "owner": ["/processes/", "/processes/complaint", "/processes/complaint/diff?a=1&b=1", "/processes/complaint/edit",
              "/processes/complaint/migrate?to=1", "/rollout/"],
    "ops": ["/admin/", "/search/"],
}


@pytest.mark.parametrize("size", [PHONE, DESK], ids=["phone", "desk"])
def test_no_page_scrolls_sideways(site, size):
    base, sessions = site
    with time_machine.travel(T0, tick=True), chromium() as browser:
        with sessions() as s:
            case = start_instance(s, "P001", "complaint", {
                "resident_name": "欧阳娜娜", "building_room": "12栋2单元1502", "contact_phone": "13900002222",
                "channel": "phone", "content": "楼上装修噪音" * 20}, user="fd1")
            s.commit()
            task = s.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).first()
            fill = {"{case}": f"/cases/{case.id}", "{task}": f"/tasks/{task.id}"}
        wide = []
        for user, paths in PAGES.items():
            page = sign_in(browser, base, user, **size) if user != "ops" else _signed_in(browser, base, user, size)
            for path in paths:
                response = page.goto(base + fill.get(path, path))
                assert response.status == 200, f"{user} {path}: {response.status}"
                width, client = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                if width > client:
                    wide.append(f"{path} as {user}: {width} px")
            assert page.errors == [], page.errors
            page.context.close()
        assert not wide, f"pages wider than {size['width']} px: " + "; ".join(wide)


def _signed_in(browser, base, user, size):
    """Sign in a user whose landing page is not the inbox heading the helper waits for."""
    page = new_page(browser, **size)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(error))
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill("password-" + user)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page
