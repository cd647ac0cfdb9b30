"""The household register in the browser (front desk): a bad import reported row by row, a good one, the list on a
phone, and the case start form filling the resident's name and phone from a registered room."""
from pathlib import Path

import pytest
from browser import chromium, screenshot, sign_in
from browser import site as browser_site
from conftest import ROOT
from openpyxl import Workbook
from playwright.sync_api import expect

HEADINGS = ["楼栋", "房号", "业主姓名", "业主电话", "租户姓名", "租户电话", "入住日期", "家庭成员", "备注"]


def _xlsx(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


@pytest.fixture
def site(tmp_path, fast_hashing):
    staff = [("fd1", "前台小王", {"roles": {"P001": ["front_desk"]}})]
    with browser_site(tmp_path, [ROOT / "processes" / "complaint"], staff) as served_site:
        yield served_site


def choose(page, path):
    """Choose the file with the page's button in words (the browser's own control, English even in a Chinese
    Chromium, stays out of sight); its name shows under the button."""
    with page.expect_file_chooser() as chosen:
        page.get_by_text("选择 Excel 或 CSV 文件").click()
    chosen.value.set_files(path)
    expect(page.locator("[data-chosen-for=hh-file]")).to_have_text(Path(path).name)


def test_front_desk_imports_the_register_and_a_registered_room_fills_the_complaint_form(site, tmp_path):
    base, _sessions = site
    bad = _xlsx(tmp_path / "bad.xlsx", [HEADINGS, ["3", "1201", "张三", "13800000000", "", "", "2020-05-01", "", ""],
                                        ["3", "1202", "", "", "", "", "", "王五", ""],
                                        ["3", "1203", "赵六", "0755-1234", "", "", "去年", "", ""]])
    good = _xlsx(tmp_path / "good.xlsx", [HEADINGS,
                                          ["3", "1201", "张三", "13800000000", "", "", "2020-05-01", "张小三 13900000001", ""],
                                          ["5", "302", "李四", "13700000000", "孙七", "13600000000", "", "", "出租"]])
    with chromium() as browser:
        for width, height in ((390, 844), (1366, 900)):
            page = sign_in(browser, base, "fd1", width=width, height=height)
            if width == 390:  # on a phone the top bar's wider links sit in the person's menu
                page.locator(".usermenu > summary").click()
            page.get_by_role("link", name="住户档案").click()
            page.get_by_role("link", name="从 Excel/CSV 导入").click()
            choose(page, bad)
            page.get_by_role("button", name="导入").click()
            expect(page.get_by_text("未导入任何数据")).to_be_visible()
            expect(page.locator(".hh-report tbody tr")).to_have_count(3)
            screenshot(page, f"households-import-errors-{width}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            if width == 390:
                choose(page, good)
                page.get_by_role("button", name="导入").click()
                expect(page.get_by_text("导入完成:新增 2 户,更新 0 户。")).to_be_visible()
            else:
                page.goto(base + "/households/")
            expect(page.get_by_text("已登记 2 户")).to_be_visible()
            screenshot(page, f"households-list-{width}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            page.get_by_role("link", name="5-302").click()
            expect(page.locator("input[name=name_1]")).to_have_value("孙七")
            screenshot(page, f"households-edit-{width}")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        page.goto(base + "/cases/new/P001/complaint")
        page.locator("[name=building_room]").fill("3栋1201")
        page.locator("[name=building_room]").blur()
        expect(page.locator("[name=resident_name]")).to_have_value("张三")
        expect(page.locator("[name=contact_phone]")).to_have_value("13800000000")
        expect(page.get_by_text("已按住户档案填入姓名和电话")).to_be_visible()
        screenshot(page, "households-start-form-filled-1366")
        assert page.errors == []
