"""The browser tests' own harness (tests/browser.py): two suites on one machine at the same time never collide on
a port, and every page the tests open is Chinese and on China's time, as the product's users have theirs (a
context without them shows date inputs in the US order in the screenshots)."""
import re
import urllib.request
from pathlib import Path

from browser import served

TESTS = Path(__file__).resolve().parent
OWN_CONTEXT = re.compile(r"\.new_context\(|\bbrowser\.new_page\(")  # a context not made by browser.new_page
FIXED_PORT = re.compile(r"^\s*PORT\s*=\s*\d|http://127\.0\.0\.1:\d|\"BIND\": \"127|create_server\(\(\"127\.0\.0\.1\", [1-9]")


def test_two_apps_served_at_once_each_get_a_port_of_their_own():
    from flask import Flask

    app = Flask("probe")
    app.add_url_rule("/", view_func=lambda: "ok")
    with served(app) as one, served(app) as two:
        assert one != two
        for base in (one, two):
            with urllib.request.urlopen(base + "/", timeout=30) as response:
                assert response.read() == b"ok"


def test_no_test_serves_on_a_port_fixed_in_advance():
    found = [f"{path.name}:{n}: {line.strip()}" for path in sorted(TESTS.glob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if FIXED_PORT.search(line)]
    assert not found, "\n".join(found)


def test_every_test_opens_its_pages_through_the_shared_chinese_context():
    found = [f"{path.name}:{n}: {line.strip()}" for path in sorted(TESTS.glob("*.py")) if path.name != "browser.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if OWN_CONTEXT.search(line)]
    assert not found, "\n".join(found)


def test_the_shared_context_is_chinese_on_china_time():
    from browser import chromium, new_page, require_chromium, screenshot

    require_chromium()
    with chromium() as browser:
        page = new_page(browser, width=390, height=844)
        page.set_content('<html lang="zh-CN"><meta charset="utf-8">'  # as every page of the product says
                         '<label>日期 <input type="date" value="2026-11-23"></label><br>'
                         '<label>时间 <input type="datetime-local" value="2026-11-23T09:30"></label></html>')
        shown = page.evaluate("""() => ({language: navigator.language,
            zone: Intl.DateTimeFormat().resolvedOptions().timeZone, epoch: new Date(0).toLocaleString()})""")
        # the order of the date input's fields as drawn (年/月/日, not the US month/day/year)
        tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
        fields = [node["value"]["value"] for node in tree if node.get("role", {}).get("value") == "spinbutton"]
        screenshot(page, "harness-date-inputs-390")
    assert shown == {"language": "zh-CN", "zone": "Asia/Shanghai", "epoch": "1970/1/1 08:00:00"}
    assert fields[:3] == [2026, 11, 23]
