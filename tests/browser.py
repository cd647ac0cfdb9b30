"""Helpers for the real-browser tests: the app served from a thread of the test process, Debian's Chromium.

The server runs in this process, so time-machine moves its clock too: a test travels
in time, fires timers through the engine at the travelled time, and the pages show it.
"""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
LOCALE, TIMEZONE = "zh-CN", "Asia/Shanghai"  # as the product's users have their phones and desks
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Debian's chromium here carries only the en-US interface, whose date inputs read 11/23/2026 whatever the page's
# language or the context's locale; a Chinese user's Chromium reads 2026/11/23. With this Blink feature a form
# control follows its page's lang (our pages say zh-CN), as that user's browser would.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--enable-blink-features=LangAttributeAwareFormControlUI"]


def require_chromium() -> None:
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"CI needs {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")


@contextmanager
def served(app):
    """Serve ``app`` on 127.0.0.1 from a thread, on a port the system picks (so that suites running at the same time
    never collide); yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, *, width: int = 1366, height: int = 900, **options):
    """A page in a new context (its own cookies) set up as the product's users have theirs: Chinese (date inputs
    read 年/月/日, not the US order) and China's time; ``options`` go to ``new_context`` (``has_touch``…).
    Every browser context of the tests comes from here."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=LOCALE, timezone_id=TIMEZONE,
                                  **options)
    return context.new_page()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def site(tmp_path, packages, staff):
    """The app on its own SQLite file, served on a free port: ``packages`` (folders) deployed to P001 翠湖花园 and
    P002 滨江苑, ``staff`` as (user name, display name, create_user keywords); every password is
    ``password-<user name>``. Yields (base URL, session factory)."""
    require_chromium()
    from engine import (
        create_property,
        create_user,
        deploy,
        load_folder,
        make_engine,
        make_session_factory,
        store_version,
        upgrade,
    )
    from webapp import create_app

    url = f"sqlite:///{tmp_path / 'site.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        props = [create_property(s, "P001", "翠湖花园"), create_property(s, "P002", "滨江苑")]
        for folder in packages:
            deploy(s, store_version(s, load_folder(folder), author="seed", message="首版").version, props)
        for name, display, options in staff:
            create_user(s, name, display, "password-" + name, **options)
        s.commit()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-tests", "ATTACHMENT_DIR": str(tmp_path / "files")})
    try:
        with served(app) as base:
            yield base, sessions
    finally:
        app.extensions["pflow_engine"].dispose()
        engine.dispose()


def sign_in(browser, base: str, username: str, *, width: int = 1360, height: int = 900):
    """A new page signed in as ``username`` (password ``password-<user name>``); ``page.errors`` collects
    the page's script errors."""
    from playwright.sync_api import expect

    page = new_page(browser, width=width, height=height)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(error))
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("password-" + username)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="待办")).to_be_visible()
    return page


def on_edge(page, element_id: str) -> tuple[float, float]:
    """A point on a sequence flow's line in the modeler shown (halfway along it): where a dropped task splits the flow.

    The centre of a bent flow's box is off the line, so ``center`` would miss it.
    """
    return tuple(page.evaluate("""(id) => {
      const path = document.querySelector(
        `.file-pane:not([hidden]) .djs-element[data-element-id="${id}"] .djs-visual > path`);
      const point = path.getPointAtLength(path.getTotalLength() / 2);
      const local = path.getBBox(), shown = path.getBoundingClientRect();
      const along = (value, start, size, shownStart, shownSize) =>
        size ? shownStart + (value - start) * shownSize / size : shownStart + shownSize / 2;
      return [along(point.x, local.x, local.width, shown.x, shown.width),
              along(point.y, local.y, local.height, shown.y, shown.height)];
    }""", element_id))


def center(page, element_id: str) -> tuple[float, float]:
    """The centre of a diagram element in the modeler shown."""
    box = page.locator(f'.file-pane:not([hidden]) .djs-element[data-element-id="{element_id}"]').first.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
