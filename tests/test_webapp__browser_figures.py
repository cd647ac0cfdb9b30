"""The promise board in Chromium: a manager's board and HQ's side-by-side board, at desktop and phone width.

A year of repairs (December 2025 to November 2026) runs through the engine at two
properties: P001 翠湖花园 misses some arrival promises and gets some C ratings, P002 滨江苑
keeps every promise. The manager of P001 sees the figures against their targets and the
12-month chart drawn by ECharts; HQ sees both properties, P001 first (worst first).
Screenshots go to tests/artifacts/ (figures-*.png).
"""
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from browser import chromium, new_page, screenshot, sign_in
from browser import site as browser_site
from conftest import ROOT
from playwright.sync_api import expect
from sqlalchemy import select

from engine import (
    HumanTask,
    Instance,
    complete_task,
    fire_due_timers,
    get_property,
    set_parameter,
    start_instance,
)

CST = timezone(timedelta(hours=8))
REPORT = {"resident_name": "李四", "building_room": "5-302", "contact_phone": "13900000000", "content": "厨房水管爆裂",
          "repair_category": "water_leak", "safety_risk": False, "channel": "hotline", "source": "resident"}
ARRIVED = {"arrived_at": "2026-11-23T09:20:00+08:00", "diagnosis": "接头老化", "paid_service": False}
WORK = {"work_done": "更换接头", "completed_at": "2026-11-23T10:30:00+08:00"}


@pytest.fixture
def site(tmp_path, fast_hashing):
    staff = [("hq", "总部", {"is_hq": True}),
             ("mgr1", "经理老陈", {"roles": {"P001": ["manager"]}}),
             ("sup1", "客服主任老张", {"roles": {"P001": ["cs_supervisor"], "P002": ["cs_supervisor"]}})]
    with browser_site(tmp_path, [ROOT / "processes" / "repair", ROOT / "processes" / "complaint"], staff) as served_site:
        yield served_site


def repair(sessions, code: str, t0: datetime, *, late: bool, rating: str) -> None:
    """One emergency repair reported at ``t0``: on site in 20 minutes, or 40 (the 30-minute promise missed)."""
    with time_machine.travel(t0, tick=False) as clock:
        with sessions() as s:
            case_id = start_instance(s, code, "repair", REPORT, user="fd1").id
            s.commit()

        def step(name, data, minutes, user="eng1"):
            clock.move_to(t0 + timedelta(minutes=minutes))
            with sessions() as s:
                task = s.scalars(select(HumanTask).where(HumanTask.instance_id == case_id,
                                                         HumanTask.task_name == name)).one()
                complete_task(s, task.id, data, user=user)
                s.commit()
        step("accept_order", {"technician": "王师傅"}, 5)
        if late:
            clock.move_to(t0 + timedelta(minutes=31))
            with sessions() as s:
                assert fire_due_timers(s, t0 + timedelta(minutes=31)).fired == 1
            step("supervise_arrival", {"action_taken": "调派", "new_eta": "10分钟", "told_resident": True}, 32)
        step("arrive_site", ARRIVED, 40 if late else 20)
        step("repair_work", WORK, 90)
        step("signoff", {"work_accepted": True, "signed_by": "李四"}, 95)
        step("cb_phone", {"reached": True, "callback_content": "回访", "rating": rating, "callback_staff": "老张",
                          "callback_date": f"{t0:%Y-%m-%d}"}, 60 * 24, user="sup1")


def a_year_of_repairs(sessions) -> None:
    with sessions() as s:
        for code, households in (("P001", 1800), ("P002", 900)):
            set_parameter(s, get_property(s, code), "households", households)
        s.commit()
    for back in range(12):
        month = 11 - back
        year = 2026 if month > 0 else 2025
        month = month if month > 0 else month + 12
        t0 = datetime(year, month, 10, 9, tzinfo=CST)
        repair(sessions, "P001", t0, late=False, rating="A")
        repair(sessions, "P001", t0 + timedelta(days=1), late=back % 3 == 0, rating="C" if back % 2 == 0 else "B")
        repair(sessions, "P002", t0, late=False, rating="A")


def test_the_manager_and_hq_read_the_promise_board_at_desktop_and_phone_width(site):
    base, sessions = site
    a_year_of_repairs(sessions)
    with time_machine.travel(datetime(2026, 11, 25, 9, tzinfo=CST), tick=True), chromium() as browser:
        for width, height, tag in ((1366, 900, "desktop"), (390, 844, "phone")):
            manager = sign_in(browser, base, "mgr1", width=width, height=height)
            manager.goto(base + "/figures/")
            expect(manager.get_by_role("heading", name="翠湖花园")).to_be_visible()
            satisfaction = manager.locator("#kpi-satisfaction")
            expect(satisfaction).to_contain_text("被服务满意率")
            expect(satisfaction).to_contain_text("50%")  # A and C this month
            expect(satisfaction).to_contain_text("未达标")
            expect(manager.locator("#kpi-repair_timeliness")).to_contain_text("75%")  # one arrival late of 4 promises
            expect(manager.locator("#trend-chart[data-ready='1'] canvas")).to_be_visible()
            screenshot(manager, f"figures-manager-{tag}")
            assert manager.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sideways scrolling"
            manager.locator("#kpi-repair_timeliness").get_by_role("link", name="未达成 1").click()
            expect(manager.locator("#cases-behind tbody tr")).to_have_count(1)
            assert manager.errors == []

            hq = sign_in(browser, base, "hq", width=width, height=height)
            hq.goto(base + "/figures/")
            rows = hq.locator("#hq-board tbody tr")
            expect(rows).to_have_count(2)
            expect(rows.first).to_contain_text("翠湖花园")  # worst first
            expect(hq.locator("#trend-chart[data-ready='1'] canvas")).to_be_visible()
            screenshot(hq, f"figures-hq-{tag}")
            assert hq.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                tag, hq.evaluate("document.documentElement.scrollWidth"))
            assert hq.errors == []


def test_a_complaint_record_and_a_work_order_print_on_a4(site, tmp_path):
    from pypdf import PdfReader

    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    assert fonts.strip(), "no Chinese font on this machine: the PDF would hold blank boxes (apt-get install fonts-wqy-microhei)"
    base, sessions = site
    t0 = datetime(2026, 11, 23, 9, tzinfo=CST)
    repair(sessions, "P001", t0, late=True, rating="C")
    with time_machine.travel(t0, tick=False), sessions() as s:
        complaint = start_instance(s, "P001", "complaint", {
            "resident_name": "张三", "building_room": "3-1201", "contact_phone": "13800000000", "channel": "visit",
            "content": "楼道灯坏了一周没人修"}, user="fd1")
        s.commit()
        ids = {"complaint": complaint.id, "complaint_no": complaint.case_no,
               "repair": s.scalar(select(Instance.id).where(Instance.case_no.like("BX%")))}
        ids["repair_no"] = s.get(Instance, ids["repair"]).case_no
    with chromium() as browser:
        page = sign_in(browser, base, "sup1", width=1366, height=900)
        texts = {}
        for key in ("complaint", "repair"):
            page.goto(f"{base}/records/{ids[key]}/print")
            page.emulate_media(media="print")
            screenshot(page, f"figures-print-{key}")
            pdf = tmp_path / f"{key}.pdf"
            page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
            reader = PdfReader(str(pdf))
            width, height = (float(v) for v in reader.pages[0].mediabox[2:])
            assert (round(width), round(height)) == (595, 842)  # A4 in points
            texts[key] = "".join(p.extract_text() for p in reader.pages)
        assert "客户投诉记录处理表" in texts["complaint"] and ids["complaint_no"] in texts["complaint"]
        assert "张三" in texts["complaint"] and "来访" in texts["complaint"] and "返回工单" not in texts["complaint"]
        assert "服务派工单" in texts["repair"] and ids["repair_no"] in texts["repair"]
        assert "王师傅" in texts["repair"] and "C 不满意" in texts["repair"]


def test_a_household_answers_the_survey_on_a_phone(site):
    from engine import SurveyInvitation, survey_analysis, survey_rounds
    from engine import get_property as prop_of

    base, sessions = site
    with sessions() as s:
        found = survey_rounds.open_round(s, prop_of(s, "P001"), "2026年11月物业服务质量意见征询表",
                                  households=[("5-302", "13900000000")])
        token = s.query(SurveyInvitation).filter_by(round_id=found.id).one().token
        s.commit()
    with chromium() as browser:
        page = new_page(browser, width=390, height=844)
        page.goto(f"{base}/s/{token}")
        expect(page.get_by_role("heading", name="2026年11月物业服务质量意见征询表")).to_be_visible()
        page.get_by_role("group", name="维修服务(及时、质量)").get_by_label("很满意").check()
        page.get_by_role("group", name="清洁卫生").get_by_label("不满意").check()
        page.get_by_label("您的意见和建议").fill("垃圾清运不及时")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sideways scrolling"
        screenshot(page, "figures-survey-phone")
        page.get_by_role("button", name="提交").click()
        expect(page.locator("#thanks")).to_be_visible()
        for width, height, tag in ((1366, 900, "desktop"), (390, 844, "phone")):
            staff = sign_in(browser, base, "sup1", width=width, height=height)
            staff.goto(f"{base}/surveys/{found.id}")
            expect(staff.locator("#survey-rate")).to_contain_text("50%")
            expect(staff.locator("#survey-items")).to_contain_text("清洁卫生")
            assert staff.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                tag, staff.evaluate("document.documentElement.scrollWidth"))
            screenshot(staff, f"figures-survey-analysis-{tag}")
    with sessions() as s:
        result = survey_analysis.analyse(s, s.get(type(found), found.id))
        assert (result.returned, result.satisfied, result.unsatisfied) == (1, 1, 1)
