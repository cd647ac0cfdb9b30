"""The resident portal on a phone (390x844, Chinese): sign in with the SMS code from the outbox, report a leaking
pipe with a photo, follow it as engineering handles it, sign off with a finger, rate it C, see it reopened,
sign off and rate it A; the SMS outbox holds each expected message once. Screenshots go to tests/artifacts/."""
import base64
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from browser import chromium, new_page, screenshot
from browser import site as browser_site
from conftest import ROOT
from playwright.sync_api import expect
from sqlalchemy import select

from engine import HumanTask, Instance, OutboxMessage, complete_task, get_property, households

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # a Monday morning
PHONE = "13800000000"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture
def site(tmp_path, fast_hashing):
    staff = [("eng1", "工程老李", {"roles": {"P001": ["engineering"]}}),
             ("sup1", "客服主任老张", {"roles": {"P001": ["cs_supervisor"]}})]
    with browser_site(tmp_path, [ROOT / "processes" / "repair"], staff) as (base, sessions):
        with sessions() as s:
            households.save(s, get_property(s, "P001"), households.HouseholdData(
                "3", "1201", [{"name": "张三", "relation": "owner", "phone": PHONE}]))
            s.commit()
        yield base, sessions


def sms(sessions) -> list[tuple[str, str]]:
    with sessions() as s:
        return [(m.subject, m.address) for m in s.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "sms").order_by(OutboxMessage.id))]


def last_code(sessions) -> str:
    with sessions() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.subject == "code")
                         .order_by(OutboxMessage.id.desc())).first().params[0]


def staff_step(sessions, case_no, task_name, data, user="eng1"):
    with sessions() as s:
        task = s.scalars(select(HumanTask).join(Instance).where(Instance.case_no == case_no,
                                                                 HumanTask.task_name == task_name)).one()
        complete_task(s, task.id, data, user=user)
        s.commit()


def sign(page):
    """Draw a signature on the pad with the pointer, then send it."""
    box = page.locator("#signature-pad").bounding_box()
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 22, y + (18 if step % 2 else -18))
    page.mouse.up()
    page.get_by_role("button", name="确认签字").click()


def choose_photo(page, path):
    """Choose a photo with the portal's button in words (拍照或选择照片): the browser's own file control, English
    even in a Chinese Chromium (“Choose File”), stays out of sight; the name chosen shows under the button."""
    button = page.get_by_text("拍照或选择照片")
    expect(button).to_be_visible()
    chooser = page.get_by_label("拍照或选择照片")
    expect(chooser).to_have_attribute("accept", "image/*")
    expect(chooser).to_have_attribute("accept", "image/*")  # a phone offers camera or gallery (no capture)
    assert chooser.get_attribute("capture") is None
    expect(chooser).to_have_css("opacity", "0")
    with page.expect_file_chooser() as chosen:
        button.click()
    chosen.value.set_files(str(path))
    expect(page.locator(".r-chosen")).to_have_text(path.name)


def no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_resident_reports_a_leak_on_a_phone_follows_it_rates_c_then_a(site, tmp_path):
    base, sessions = site
    photo = tmp_path / "leak.png"
    photo.write_bytes(PNG)
    photo.with_name("drip.png").write_bytes(PNG)
    with time_machine.travel(T0, tick=True), chromium() as browser:
        page = new_page(browser, width=390, height=844, has_touch=True)
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(base + "/r/")
        page.get_by_label("手机号码").fill("138 0000 0000")
        screenshot(page, "resident-1-sign-in-390")
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_label("验证码").fill(last_code(sessions))
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="我的报事")).to_be_visible()
        expect(page.get_by_text("暂无报事记录")).to_be_visible()

        page.get_by_role("link", name="报修 / 投诉").click()
        page.get_by_label("报修类别").select_option(label="漏水/水浸")
        page.get_by_label("问题描述").fill("厨房水管漏水,地面有积水")
        expect(page.locator(".r-chosen")).to_have_text("未选择照片。")
        choose_photo(page, photo)
        screenshot(page, "resident-2-report-390")
        no_horizontal_scroll(page)
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_text("已提交,您的单号是 BX")).to_be_visible()
        case_no = page.locator(".r-case-no").first.inner_text().split(" ")[0]
        expect(page.locator("h1.r-state")).to_have_text("工单已派出,工程师将按时到场")
        expect(page.locator(".r-promise")).to_contain_text("工程师将于")
        expect(page.get_by_text("您上传了 leak.png")).to_be_visible()
        choose_photo(page, photo.with_name("drip.png"))
        screenshot(page, "resident-3-case-390")
        no_horizontal_scroll(page)
        page.get_by_role("button", name="上传照片").click()
        expect(page.get_by_text("您上传了 drip.png")).to_be_visible()
        wide = new_page(browser, width=1366, height=900)
        wide.context.add_cookies(page.context.cookies())
        wide.goto(base + f"/r/cases/{case_no}")
        choose_photo(wide, photo)
        screenshot(wide, "resident-3-case-1366")

        staff_step(sessions, case_no, "accept_order", {"technician": "王师傅"})
        page.reload()
        expect(page.locator("h1.r-state")).to_have_text("工程师正在赶来")
        staff_step(sessions, case_no, "arrive_site", {"arrived_at": "2026-11-23T09:20:00+08:00",
                                                     "diagnosis": "水管接头老化", "paid_service": False})
        staff_step(sessions, case_no, "repair_work", {"work_done": "更换接头", "completed_at": "2026-11-23T10:30:00+08:00"})
        page.reload()
        expect(page.locator("h1.r-state")).to_have_text("维修已完成,请签字确认")
        screenshot(page, "resident-4-signoff-390")
        sign(page)
        expect(page.locator("h1.r-state")).to_have_text("处理已完成,请您评价")

        page.get_by_label("C 不满意").check()
        page.locator("textarea[name=comment]").fill("还在滴水")
        screenshot(page, "resident-5-rate-390")
        page.get_by_role("button", name="提交评价").click()
        expect(page.locator("h1.r-state")).to_have_text("已收到您的不满意评价,主管正在安排整改")

        staff_step(sessions, case_no, "cb_dissatisfied", {"action": "rework", "rework_instructions": "彻底更换水管",
                                                          "rework_working_days": 2}, user="sup1")
        page.reload()
        expect(page.locator("h1.r-state")).to_have_text("工程师正在维修")  # reopened
        expect(page.get_by_text("已安排返修").first).to_be_visible()
        screenshot(page, "resident-6-reopened-390")
        staff_step(sessions, case_no, "repair_work", {"work_done": "更换整段水管",
                                                      "completed_at": "2026-11-24T10:00:00+08:00"})
        page.reload()
        sign(page)
        page.get_by_label("A 满意").check()
        page.get_by_role("button", name="提交评价").click()
        expect(page.locator("h1.r-state")).to_have_text("已处理完毕并结案")
        screenshot(page, "resident-7-closed-390")
        no_horizontal_scroll(page)

        page.get_by_role("link", name="我的报事").click()
        expect(page.locator(".r-case")).to_contain_text("已处理完毕并结案")
        expect(page.locator(".r-case")).to_contain_text("报修:厨房水管漏水,地面有积水")
        screenshot(page, "resident-8-home-390")
        wide.goto(base + f"/r/cases/{case_no}")
        screenshot(wide, "resident-9-case-1366")
        wide.goto(base + "/r/report")
        choose_photo(wide, photo)
        screenshot(wide, "resident-10-report-1366")
        assert errors == []

    assert sms(sessions) == [("code", PHONE), ("repair_received", PHONE), ("repair_progress", PHONE),
                             ("case_closed", PHONE)]
    with sessions() as s:
        record = s.scalars(select(OutboxMessage).where(OutboxMessage.subject == "repair_progress")).one()
        assert "已安排返修" in record.body
