"""A stale form's 409 page in Chromium at 390×844 and 1366×900: what happened, who, and what was typed, without
sideways scrolling; screenshots to tests/artifacts/."""
from pathlib import Path

import pytest
from browser import chromium, screenshot, sign_in
from browser import site as browser_site
from sqlalchemy import select

from engine import HumanTask, complete_task, start_instance

PACKAGE = Path(__file__).resolve().parent / "fixtures" / "packages" / "service_request"
SIZES = {"phone": (390, 844), "desk": (1366, 900)}
STAFF = [("fd1", "前台小王", {"roles": {"P001": ["front_desk"]}}),
         ("fd2", "前台小周", {"roles": {"P001": ["front_desk"]}})]


@pytest.fixture
def site(tmp_path, fast_hashing):
    with browser_site(tmp_path, [PACKAGE], STAFF) as served_site:
        yield served_site


def test_a_stale_form_says_who_and_keeps_the_entries_at_both_sizes(site):
    base, sessions = site
    with chromium() as browser:
        for size, (width, height) in SIZES.items():
            with sessions() as s:
                case = start_instance(s, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
                s.commit()
                task_id = s.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
            page = sign_in(browser, base, "fd1", width=width, height=height)
            page.goto(f"{base}/tasks/{task_id}")
            page.locator("#f-urgency").select_option("urgent")
            page.locator("#f-content").fill("厨房水管漏水,楼下天花板渗水,业主下午在家")
            with sessions() as s:  # a colleague completes it meanwhile
                complete_task(s, task_id, {"urgency": "normal", "content": "漏水", "items": []}, user="fd2")
                s.commit()
            page.get_by_role("button", name="完成任务").click()
            page.wait_for_selector("#stale")
            text = page.content()
            assert "已由 前台小周 于" in text and "厨房水管漏水,楼下天花板渗水,业主下午在家" in text
            width_now, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width_now <= client, f"{size}: the page scrolls sideways"
            screenshot(page, f"trust-stale-form-{size}")
            page.close()
