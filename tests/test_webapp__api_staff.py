"""The JSON API, staff side: tokens (hashed, listed, revoked), my tasks, a task's form, claim, complete, start."""
import logging

from sqlalchemy import select

from engine import ApiToken, HumanTask, start_instance


def token_for(client, username):
    response = client.post("/api/v1/tokens", json={"username": username, "password": "password-" + username,
                                                   "name": "测试"})
    assert response.status_code == 201, response.json
    return response.json["token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def open_task(session, prop="P001", resident="张三"):
    case = start_instance(session, prop, "service_request", {"resident": resident, "room": "1-101"}, user="fd1")
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    session.commit()
    return case, task


def test_tokens_are_hashed_listed_and_revoked_by_owner_and_admin(app, session, caplog):
    client = app.test_client()
    assert client.post("/api/v1/tokens", json={"username": "fd1", "password": "wrong"}).status_code == 401
    token = token_for(client, "fd1")
    stored = session.scalars(select(ApiToken)).all()
    session.commit()
    assert len(stored) == 1 and token not in stored[0].token_hash and stored[0].owner == "fd1"
    with caplog.at_level(logging.INFO, logger="pflow.api"):
        mine = client.get("/api/v1/tokens", headers=bearer(token))
    assert mine.status_code == 200 and [t["owner"] for t in mine.json["items"]] == ["fd1"]
    assert "owner=staff:fd1" in caplog.text and token not in caplog.text
    assert "token" not in mine.json["items"][0] and "Set-Cookie" not in mine.headers
    other = token_for(client, "eng1")
    assert client.delete(f"/api/v1/tokens/{stored[0].id}", headers=bearer(other)).status_code == 404  # not theirs
    assert client.get("/api/v1/admin/tokens", headers=bearer(other)).status_code == 404  # not an admin
    assert client.delete(f"/api/v1/tokens/{stored[0].id}", headers=bearer(token)).status_code == 200
    gone = client.get("/api/v1/tasks", headers=bearer(token))
    assert gone.status_code == 401 and gone.json["code"] == "unauthorized" and "令牌" in gone.json["message"]


def test_errors_are_json_in_chinese_or_english(app):
    client = app.test_client()
    zh = client.get("/api/v1/nothing")
    assert zh.status_code == 404 and zh.json == {"code": "not_found", "message": "未找到。"}
    en = client.get("/api/v1/nothing", headers={"Accept-Language": "en"})
    assert en.json["message"] == "Not found."
    big = client.post("/api/v1/tokens", data="x" * 300_000, content_type="application/json")
    assert big.status_code == 413 and big.json["code"] == "too_large"


def test_my_tasks_with_filters_and_keyset_pages(app, session):
    for n in range(5):
        open_task(session, resident=f"业户{n}")
    open_task(session, prop="P002")
    client = app.test_client()
    token = token_for(client, "fd1")
    first = client.get("/api/v1/tasks?limit=2", headers=bearer(token)).json
    assert first["total"] == 5 and len(first["items"]) == 2 and first["next"]
    seen = [t["id"] for t in first["items"]]
    after = first["next"]
    while after:
        page = client.get(f"/api/v1/tasks?limit=2&after={after}", headers=bearer(token)).json
        seen += [t["id"] for t in page["items"]]
        after = page["next"]
    assert len(seen) == len(set(seen)) == 5
    found = client.get("/api/v1/tasks?q=业户3", headers=bearer(token)).json
    assert [t["summary"]["resident"] for t in found["items"]] == ["业户3"]
    bad = client.get("/api/v1/tasks?due=later", headers=bearer(token))
    assert bad.status_code == 422 and "due" in bad.json["errors"]


def test_task_form_claim_complete_with_field_errors_and_stale_versions(app, session):
    case, task = open_task(session)
    _other_case, other_task = open_task(session, prop="P002")
    client = app.test_client()
    fd, eng = token_for(client, "fd1"), token_for(client, "eng1")
    assert client.get(f"/api/v1/tasks/{other_task.id}", headers=bearer(fd)).status_code == 404  # other property
    got = client.get(f"/api/v1/tasks/{task.id}", headers=bearer(fd))
    assert got.status_code == 200 and got.json["form"]["title"] == "受理登记" and got.json["may_work"]
    etag = got.headers["ETag"]
    assert client.post(f"/api/v1/tasks/{task.id}/claim", headers=bearer(eng)).status_code == 403  # not their role
    bad = client.post(f"/api/v1/tasks/{task.id}/complete", headers=bearer(fd),
                      json={"data": {"urgency": "", "content": "x", "items": []}})
    assert bad.status_code == 422 and set(bad.json["errors"]) >= {"urgency", "content"}
    assert bad.json["errors"]["content"] == "内容太短。"
    assert client.post(f"/api/v1/tasks/{task.id}/claim", headers=bearer(fd)).json["assignee"] == "fd1"
    stale = client.post(f"/api/v1/tasks/{task.id}/complete", headers={**bearer(fd), "If-Match": '"999"'},
                        json={"data": {"urgency": "urgent", "content": "厨房漏水", "items": [50]}})
    assert stale.status_code == 409 and stale.json["code"] == "stale"
    done = client.post(f"/api/v1/tasks/{task.id}/complete", headers={**bearer(fd), "If-Match": etag},
                       json={"data": {"urgency": "urgent", "content": "厨房漏水", "items": [50]}})
    assert done.status_code == 200 and done.json["case_no"] == case.case_no
    again = client.post(f"/api/v1/tasks/{task.id}/complete", headers=bearer(fd),
                        json={"data": {"urgency": "urgent", "content": "厨房漏水", "items": [50]}})
    assert again.status_code == 404  # done: no longer open
    [nxt] = client.get("/api/v1/tasks", headers=bearer(eng)).json["items"]
    assert nxt["task"] == "handle" and nxt["case_no"] == case.case_no


def test_start_a_case_and_read_it(app, session):
    client = app.test_client()
    fd = token_for(client, "fd1")
    entries = client.get("/api/v1/startable", headers=bearer(fd)).json["items"]
    assert {"property": "P001", "process": "service_request"}.items() <= entries[0].items()
    bad = client.post("/api/v1/cases", headers=bearer(fd), json={"property": "P001", "process": "service_request",
                                                                  "data": {}})
    assert bad.status_code == 422 and bad.json["code"] == "form_invalid"
    assert client.post("/api/v1/cases", headers=bearer(fd), json={"property": "P002", "process": "service_request",
                                                                   "data": {"resident": "张三", "room": "1"}}
                       ).status_code == 404
    started = client.post("/api/v1/cases", headers=bearer(fd), json={
        "property": "P001", "process": "service_request", "data": {"resident": "张三", "room": "1-101"}})
    assert started.status_code == 201 and started.json["timeline"][0]["kind"] == "started"
    assert client.get(f"/api/v1/cases/{started.json['id']}", headers=bearer(token_for(client, "fd2"))
                      ).status_code == 404


def test_supervisors_reassign_and_field_errors_come_in_english_too(app, session):
    _case, task = open_task(session)
    client = app.test_client()
    fd, sup = token_for(client, "fd1"), token_for(client, "sup1")
    assert client.post(f"/api/v1/tasks/{task.id}/reassign", headers=bearer(fd), json={"to": None}).status_code == 403
    wrong = client.post(f"/api/v1/tasks/{task.id}/reassign", headers=bearer(sup), json={"to": "eng1"})
    assert wrong.status_code == 422 and "to" in wrong.json["errors"]
    moved = client.post(f"/api/v1/tasks/{task.id}/reassign", headers=bearer(sup), json={"to": "fd1"})
    assert moved.status_code == 200 and moved.json["assignee"] == "fd1"
    en = client.post(f"/api/v1/tasks/{task.id}/complete", headers={**bearer(fd), "Accept-Language": "en"},
                     json={"data": {"urgency": "urgent", "content": "x", "items": []}})
    assert en.status_code == 422 and en.json["message"] == "Some fields are not valid."
    assert en.json["errors"]["content"] == "Too short."


def test_each_token_has_its_own_rate_limit(app, session):
    client = app.test_client()
    fd, eng = token_for(client, "fd1"), token_for(client, "eng1")
    app.config["API_RATE_LIMIT"] = "3 per minute"
    assert [client.get("/api/v1/tasks", headers=bearer(fd)).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = client.get("/api/v1/tasks", headers=bearer(fd))
    assert limited.json["code"] == "rate_limited" and limited.json["message"] == "请求过于频繁,请一分钟后再试。"
    assert client.get("/api/v1/tasks", headers=bearer(eng)).status_code == 200  # another token: its own count


def test_case_search_by_key_pages_and_only_my_properties(app, session):
    for n in range(3):
        open_task(session, resident=f"王{n}")
    open_task(session, prop="P002", resident="王9")
    client = app.test_client()
    fd = token_for(client, "fd1")
    first = client.get("/api/v1/cases?q=王&limit=2", headers=bearer(fd)).json
    assert len(first["items"]) == 2 and first["next"]
    rest = client.get(f"/api/v1/cases?q=王&limit=2&after={first['next']}", headers=bearer(fd)).json
    names = [c["summary"]["resident"] for c in first["items"] + rest["items"]]
    assert names == ["王2", "王1", "王0"] and rest["next"] is None  # newest first, P002's not among them
    assert client.get("/api/v1/notices", headers=bearer(fd)).json == {"items": []}
    assert client.post("/api/v1/notices/999/dismiss", headers=bearer(fd)).status_code == 404


def test_bearer_calls_need_no_csrf_token_and_set_no_cookie(web_config, app, session):
    from webapp import create_app

    guarded = create_app({**web_config, "WTF_CSRF_ENABLED": True})
    try:
        client = guarded.test_client()
        response = client.post("/api/v1/tokens", json={"username": "fd1", "password": "password-fd1"})
        assert response.status_code == 201 and "Set-Cookie" not in response.headers
        assert client.post("/login", data={"username": "fd1", "password": "password-fd1"}).status_code == 400  # pages
    finally:
        guarded.extensions["pflow_engine"].dispose()


def test_a_deactivated_colleagues_token_stops_working_at_once(app, session):
    from engine import User, deactivate_user
    client = app.test_client()
    token = token_for(client, "eng1")
    _case, task = open_task(session)
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 200
    deactivate_user(session, session.scalars(select(User).where(User.username == "eng1")).one(), by="hq")
    session.commit()
    refused = client.get("/api/v1/tasks", headers=bearer(token))
    assert refused.status_code == 401 and refused.json["code"] == "unauthorized"
    done = client.post(f"/api/v1/tasks/{task.id}/complete", headers=bearer(token), json={"data": {}})
    assert done.status_code == 401
