"""The API's docs page in a real browser: served from the app (no CDN), it lists the endpoints with their Chinese
summaries, and it neither breaks the page's security policy nor scrolls sideways on a phone or a desk."""
import pytest
from browser import chromium, new_page, screenshot
from browser import site as browser_site

SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def site(tmp_path, fast_hashing):
    with browser_site(tmp_path, [], [("fd1", "前台小王", {"roles": {}})]) as served_site:
        yield served_site


@pytest.mark.parametrize("size", SIZES)
def test_the_docs_page_shows_every_endpoint_from_the_app_itself(site, size):
    base, _sessions = site
    with chromium() as browser:
        page = new_page(browser, **SIZES[size])
        outside, problems = [], []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None)
        page.on("response", lambda r: problems.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
        page.goto(base + "/api/docs")
        page.get_by_text("我的待办", exact=True).first.wait_for(timeout=30_000)
        assert page.get_by_text("业户:用验证码换取令牌").count() >= 1
        assert outside == [] and problems == []
        screenshot(page, f"api-docs-{size}")
        width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width <= client
