"""The process modeler speaks Chinese in its properties panel (issue 12: no English in visible text).

The process owner opens the repair process in the modeler and selects a user task, a timer boundary
event, a gateway, a business rule task (its DMN decision), a script task, a call activity and a
conditioned flow, opening every group of the panel and a text entry's pop-up editor, then the DMN
file's tab. The panel's texts — the header's element type, group and entry labels, hints, options the
product offers, and the tooltips and placeholders of the panel's own controls — hold no English word;
what the diagram itself holds (ids, role ids as lane names, file names, expressions, decision ids) and the
technical names the hints cite (Python, JSON Schema, DMN, ISO) are allowed. Screenshots go to tests/artifacts/.
"""
import re

import pytest
from browser import center, chromium, on_edge, screenshot, sign_in
from browser import site as browser_site
from conftest import ROOT
from playwright.sync_api import expect

from engine.org.roles import ROLES

REPAIR = ROOT / "processes" / "repair"
ELEMENTS = {  # element id -> the type the panel's header names
    "accept_order": "用户任务", "accept_late": "定时边界事件(不中断)", "is_paid": "排他网关",
    "decide_urgency": "业务规则任务", "set_promise": "脚本任务", "rp_callback": "调用活动", "f_paid": "顺序流",
}
TECHNICAL = {"Python", "JSON", "Schema", "DMN", "ISO", "manifest", "calls", "params",
             "level", "emergency"}  # the condition hint's example expression: level == "emergency"
FILE_NAME = re.compile(r"[\w.-]+\.(bpmn|dmn|json)\b")
PANEL = ".file-pane:not([hidden]) .modeler-props"
TEXTS = """(root) => [root.innerText,
  ...[...root.querySelectorAll('[title], [placeholder], [aria-label]')].flatMap(
    (e) => ['title', 'placeholder', 'aria-label'].map((a) => e.getAttribute(a) || ''))].join('\\n')"""


@pytest.fixture
def site(tmp_path, fast_hashing):
    with browser_site(tmp_path, [REPAIR], [("owner1", "流程负责人小林", {"is_process_owner": True})]) as served_site:
        yield served_site


def diagram_values() -> set[str]:
    """What the repair package itself holds: ids, names, called processes, expressions."""
    text = "".join(p.read_text(encoding="utf-8") for p in REPAIR.glob("*.*"))
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", text))


def english(text: str, allowed: set[str]) -> list[str]:
    words = re.findall(r"(?<![\w])[A-Za-z][A-Za-z']{2,}(?![\w])", FILE_NAME.sub(" ", text))
    return sorted({w for w in words if w not in allowed and w not in TECHNICAL and w not in ROLES})


def select(page, element):
    """Select ``element`` on the diagram (first clearing the selection: a selected shape's context pad may cover
    the next one)."""
    box = page.locator(".file-pane:not([hidden]) .modeler-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 20)
    page.mouse.click(*(on_edge if element.startswith("f_") else center)(page, element))


def open_every_group(page):
    closed = page.locator(f"{PANEL} .bio-properties-panel-group-header:not(.open)")
    for _ in range(12):
        if not closed.count():
            return
        closed.first.click()
    raise AssertionError("the panel's groups did not open")


def test_the_properties_panel_of_each_kind_of_element_has_no_english(site):
    base, _sessions = site
    allowed = diagram_values()
    with chromium() as browser:
        owner = sign_in(browser, base, "owner1", width=1366, height=900)
        owner.goto(base + "/processes/repair/edit")
        expect(owner.locator("#modeler-app.modeler-ready")).to_be_visible()
        panel, found = owner.locator(PANEL), {}
        for element, kind in ELEMENTS.items():
            select(owner, element)
            expect(panel.locator(".bio-properties-panel-header-type")).to_have_text(kind, ignore_case=True)
            # a group nothing is filled in yet is a plain header (the page's .empty box is not for the panel)
            untouched = panel.locator(".bio-properties-panel-group-header.empty").first
            assert untouched.evaluate("(e) => getComputedStyle(e).borderTopStyle") != "dashed"
            open_every_group(owner)
            screenshot(owner, f"modeler-panel-{element}")
            found[element] = english(panel.evaluate(TEXTS), allowed)

        select(owner, "accept_late")  # an event on a task's border goes with the task: no lane of its own
        expect(panel.get_by_text("定时表达式(Python)")).to_be_visible()
        expect(panel.get_by_text("所在泳道(角色)")).to_have_count(0)

        # a script in the pop-up editor: titled by the step's name, its close button in Chinese
        select(owner, "set_promise")
        entry = panel.locator("[data-entry-id=pf-script-text]")
        entry.hover()
        entry.get_by_role("button", name="在大窗口中编辑").click()
        popup = owner.locator(".bio-properties-panel-popup")
        expect(popup).to_contain_text("生成派工单,确定承诺时限 / 脚本(Python)")
        expect(entry).to_contain_text("正在大窗口中编辑")
        screenshot(owner, "modeler-panel-popup")
        found["pop-up editor"] = english(popup.evaluate(TEXTS.replace("root.innerText", "''")), allowed)
        popup.get_by_role("button", name="保存并关闭").click()
        expect(popup).to_have_count(0)

        owner.get_by_role("tab", name="repair_urgency.dmn").click()
        dmn = owner.locator(".file-pane:not([hidden])")
        expect(dmn.locator("textarea")).to_be_visible()  # the table's XML, as the owner edits it
        found["repair_urgency.dmn"] = english(dmn.evaluate(TEXTS.replace(
            "root.innerText", "[...root.children].filter((e) => e.tagName !== 'TEXTAREA').map((e) => e.innerText).join(' ')")),
            allowed | {"repair_urgency"})
        screenshot(owner, "modeler-dmn")
        assert owner.errors == []
    assert {where: words for where, words in found.items() if words} == {}
