"""A whole case in a real browser: registered by the front desk, handled late, escalated, called back, closed.

Runs on the fixture process of the same shape as the complaint (register -> the
department handles under a deadline -> escalation to the supervisor -> callback -> closed).
Screenshots go to tests/artifacts/.
"""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from playwright.sync_api import expect

from browser import chromium, require_chromium, screenshot, served
from engine.db import make_engine, make_session_factory
from engine.migrate import upgrade
from engine.timers import fire_due_timers

PORT = 5143
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # a Monday morning


@pytest.fixture
def site(tmp_path, packages_dir, fast_hashing):
    """The app on its own SQLite file with the fixture process deployed, demo-like staff, CSRF on."""
    require_chromium()
    from engine.packages import load_folder
    from engine.processes import store_version
    from engine.properties import create_property, deploy
    from engine.users import create_user
    from webapp import create_app

    url = f"sqlite:///{tmp_path / 'walk.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        version = store_version(s, load_folder(packages_dir / "service_request")).version
        deploy(s, version, [create_property(s, "P001", "翠湖花园"), create_property(s, "P002", "滨江苑")])
        for name, display, role in [("fd1", "前台小王", "front_desk"), ("eng1", "工程老李", "engineering"),
                                    ("sup1", "客服主任老张", "cs_supervisor")]:
            create_user(s, name, display, "password-" + name, roles={"P001": [role]})
        s.commit()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "walk", "ATTACHMENT_DIR": str(tmp_path / "files")})
    with served(app, PORT) as base:
        yield base, sessions
    app.extensions["pflow_engine"].dispose()
    engine.dispose()


def sign_in(browser, base, username):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("password-" + username)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    return page


def test_a_case_from_registration_through_escalation_to_closing(site):
    base, sessions = site
    with time_machine.travel(T0, tick=True) as clock, chromium() as browser:
        # the front desk registers a complaint-like request from the start form
        fd = sign_in(browser, base, "fd1")
        fd.get_by_role("link", name="新建案件").click()
        fd.get_by_role("link", name="服务请求(测试)").click()
        fd.get_by_label("业主姓名").fill("张三")
        fd.get_by_label("栋房号").fill("3栋1201")
        fd.get_by_label("联系电话").fill("13800001111")
        fd.get_by_role("button", name="登记").click()
        expect(fd.get_by_role("heading", name="登记请求")).to_be_visible()
        case_no = fd.locator(".crumbs a").nth(1).inner_text()

        # an invalid form shows its errors in place and saves nothing
        fd.get_by_label("内容").fill("x")
        fd.get_by_role("button", name="完成任务").click()
        expect(fd.locator("#e-urgency")).to_have_text("此项必填。")
        expect(fd.locator("#e-content")).to_have_text("内容太短。")
        screenshot(fd, "task-form-errors")
        fd.get_by_label("紧急程度").select_option("urgent")
        fd.get_by_label("内容").fill("投诉:楼上装修噪音,夜间施工")
        fd.get_by_role("button", name="完成任务").click()
        expect(fd.locator(".flash-success")).to_contain_text("已完成:登记请求")

        # the responsible department sees it, with 24 hours to go, and takes it
        eng = sign_in(browser, base, "eng1")
        row = eng.locator("tr", has_text=case_no)
        expect(row).to_contain_text("上门处理")
        expect(row).to_contain_text("剩余 23小时59分")
        screenshot(eng, "inbox")
        row.get_by_role("button", name="认领").click()
        expect(eng.locator("tr", has_text=case_no)).to_contain_text("eng1")
        eng.get_by_role("link", name="上门处理").click()
        expect(eng.get_by_label("处理结果")).to_be_visible()
        screenshot(eng, "task-form")

        # the deadline passes: the timer fires at the travelled time, the supervisor gets the case
        clock.shift(timedelta(hours=25))
        with sessions() as s:
            report = fire_due_timers(s, datetime.now(timezone.utc))
        assert report.fired >= 1 and not report.failed
        sup = sign_in(browser, base, "sup1")
        row = sup.locator("tr", has_text=case_no)
        expect(row).to_contain_text("超时跟进")
        expect(row.locator(".badge-escalated")).to_have_text("已升级")
        screenshot(sup, "inbox-escalated")
        assert eng.reload().status == 404  # the engineer's task was taken over by the escalation
        eng.goto(base + "/")
        expect(eng.locator("tr", has_text=case_no)).to_have_count(0)

        row.get_by_role("link", name="超时跟进").click()
        expect(sup.locator(".badge.big")).to_contain_text("无时限")
        sup.get_by_label("跟进措施").fill("已致电业主致歉,安排工程部今日上门")
        sup.get_by_role("button", name="完成任务").click()
        expect(sup.locator(".flash-success")).to_contain_text("下一步:电话回访")

        # the callback rates it and the case closes
        fd.goto(base + "/")
        fd.locator("tr", has_text=case_no).get_by_role("link", name="电话回访").click()
        fd.get_by_label("满意度").select_option("A")
        fd.get_by_role("button", name="完成任务").click()
        expect(fd.locator(".flash-success")).to_contain_text("已结案")

        # the case page: closed, the diagram drawn with its finished path, the whole story on the timeline
        fd.goto(base + "/")
        fd.get_by_role("searchbox").fill(case_no)
        fd.get_by_role("button", name="筛选").click()
        expect(fd.locator("tr", has_text=case_no)).to_have_count(0)
        with sessions() as s:
            from engine.models import Instance
            case_id = s.query(Instance.id).filter_by(case_no=case_no).scalar()
        fd.goto(f"{base}/cases/{case_id}")
        expect(fd.locator("h1 .status")).to_have_text("已结案")
        expect(fd.locator(".diagram").first).to_have_class("diagram diagram-ready")
        expect(fd.locator(".diagram .pf-done").first).to_be_visible()
        assert fd.locator('.diagram [data-element-id="supervisor_review"].pf-done').count() == 1
        assert fd.locator('.diagram [data-element-id="handle_deadline"].pf-done').count() == 1
        timeline = fd.locator("#timeline .timeline")
        expect(timeline).to_contain_text("前台小王 登记了案件")
        expect(timeline).to_contain_text("工程老李 认领了“上门处理”")
        expect(timeline).to_contain_text("时限已到:处理时限")
        expect(timeline).to_contain_text("已升级:“上门处理”超过时限")
        expect(timeline).to_contain_text("客服主任老张 完成了“超时跟进”")
        expect(timeline).to_contain_text("案件已结案")
        fd.get_by_label("添加备注").fill("业主表示满意,归档")
        fd.get_by_role("button", name="备注", exact=True).click()
        expect(timeline).to_contain_text("业主表示满意,归档")
        screenshot(fd, "case-page")
