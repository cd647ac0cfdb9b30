"""Sign-in: hashed passwords, rate-limited attempts, safe cookies, CSRF on every form, Chinese by default."""
import pytest

from webapp import create_app


def test_login_page_is_chinese_by_default_and_english_on_request(browser):
    page = browser.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    page = browser.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in page and "登录" not in page
    assert "Sign in" in browser.get("/login").get_data(as_text=True)  # the choice sticks for the session


def test_sign_in_and_out(browser):
    assert browser.get("/").status_code == 302  # the inbox needs a signed-in user
    bad = browser.login("fd1", "wrong-password")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.get_data(as_text=True)
    ok = browser.login("fd1")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert "前台小王" in browser.get("/").get_data(as_text=True)
    assert browser.get("/logout").status_code == 405  # signing out is a POST (with CSRF)
    browser.post("/logout")
    assert browser.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(browser):
    response = browser.login("fd1")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_parameter_cannot_leave_the_site(browser):
    for target in ("//evil.example/x", "/\\evil.example", "https://evil.example/"):
        response = browser.client.post("/login", query_string={"next": target},
                                       data={"username": "fd1", "password": "password-fd1"})
        assert response.headers["Location"] == "/", target
        browser.post("/logout")
    browser.post("/logout")
    response = browser.client.post("/login?next=/cases/new", data={"username": "fd1", "password": "password-fd1"})
    assert response.headers["Location"] == "/cases/new"


def test_sign_in_attempts_are_rate_limited(app, web_config):
    limited = create_app({**web_config, "LOGIN_RATE_LIMIT": "3 per minute"})
    try:
        client = limited.test_client()
        codes = [client.post("/login", data={"username": "fd1", "password": "nope"}).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        assert client.post("/login", data={"username": "fd1", "password": "password-fd1"}).status_code == 429
        assert client.get("/login").status_code == 200  # showing the page is not limited
    finally:
        limited.extensions["pflow_engine"].dispose()


def test_forms_without_csrf_token_are_refused(app, web_config):
    strict = create_app({**web_config, "WTF_CSRF_ENABLED": True})
    try:
        client = strict.test_client()
        assert client.post("/login", data={"username": "fd1", "password": "password-fd1"}).status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post("/login", data={"username": "fd1", "password": "password-fd1", "csrf_token": token})
        assert response.status_code == 302
    finally:
        strict.extensions["pflow_engine"].dispose()


@pytest.mark.parametrize("path", ["/", "/cases/new", "/tasks/x", "/cases/1"])
def test_pages_need_sign_in(browser, path):
    response = browser.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
