"""Process owners' pages: who may enter, saving edits as versions (validation, conflicts), the version diff."""
import json

import pytest
from sqlalchemy import func, select

from engine import ProcessVersion, create_user

BASE = "/processes/service_request"


@pytest.fixture
def owners(app, session_factory):
    with session_factory() as s:
        create_user(s, "owner1", "流程负责人小林", "password-owner1", is_process_owner=True)
        s.commit()


def files_of(client, number=1):
    response = client.get(f"{BASE}/versions/{number}/files.json")
    assert response.status_code == 200
    return response.get_json()["files"]


def save(client, files, base=1, message="edit", force=False):
    return client.post(f"{BASE}/versions", json={"base": base, "message": message, "files": files, "force": force})


def count_versions(session_factory):
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(ProcessVersion))


@pytest.mark.parametrize("path", ["/processes/", BASE, f"{BASE}/edit", f"{BASE}/diff?to=1", "/rollout/",
                                  "/rollout/service_request", "/properties/P001", f"{BASE}/migrate"])
def test_only_process_owners_and_hq_enter(as_user, owners, browser, path):
    assert as_user("fd1").get(path).status_code == 403
    assert browser.get(path).status_code == 302  # signed out: to the sign-in page
    assert as_user("owner1").get(path).status_code == 200
    assert as_user("hq").get(path).status_code == 200


def test_staff_cannot_save_or_deploy(as_user, owners, session_factory):
    fd = as_user("fd1")
    assert save(fd, {"manifest.json": "{}"}).status_code == 403
    assert fd.post("/rollout/service_request/deploy", data={"version": 1, "property": "P001"}).status_code == 403
    assert "流程库" not in fd.get("/").get_data(as_text=True)
    assert "流程库" in as_user("owner1").get("/").get_data(as_text=True)


def test_a_valid_save_is_a_new_version_with_author_and_message(as_user, owners, session_factory):
    owner = as_user("owner1")
    files = files_of(owner)
    assert "calls/followup/followup.bpmn" not in files and "service_request.bpmn" in files
    files["service_request.bpmn"] = files["service_request.bpmn"].replace('name="超时跟进"', 'name="主管跟进"')
    response = save(owner, files, message="主管跟进改名")
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["created"] and answer["number"] == 2
    page = owner.get(answer["url"]).get_data(as_text=True)
    assert "已保存 服务请求(测试) 第 2 版" in page and "主管跟进改名" in page and "owner1" in page
    diff = owner.get(f"{BASE}/diff?from=1&to=2").get_data(as_text=True)
    assert "主管跟进" in diff and "名称: 超时跟进 → 主管跟进" in diff
    assert save(owner, files, base=2, message="again").status_code == 200  # same files: the same version


def test_an_invalid_save_lists_problems_by_element_and_stores_nothing(as_user, owners, session_factory):
    owner = as_user("owner1")
    files = files_of(owner)
    files["service_request.bpmn"] = files["service_request.bpmn"].replace('"PT%dH" % deadline_hours', 'PT24H')
    files["../evil.json"] = "{}"
    response = save(owner, files)
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert {"file": "../evil.json", "element_id": None} == {k: problems[0][k] for k in ("file", "element_id")}
    del files["../evil.json"]
    problems = save(owner, files).get_json()["problems"]
    [timer] = [p for p in problems if p["element_id"] == "handle_deadline"]
    assert timer["file"] == "service_request.bpmn" and '"PT24H"' in timer["message"]
    assert timer["message"].startswith("定时器(时长)")  # said in Chinese
    assert count_versions(session_factory) == 1


def test_saving_over_a_newer_version_asks_first(as_user, owners, session_factory):
    owner = as_user("owner1")
    files = files_of(owner)
    theirs = dict(files, **{"service_request.bpmn": files["service_request.bpmn"].replace("登记请求", "登记")})
    assert save(owner, theirs, message="theirs").status_code == 201
    mine = dict(files, **{"sr_review.json": json.dumps({"type": "object", "properties": {}})})
    response = save(owner, mine, message="mine")
    assert response.status_code == 409
    assert "第 2 版" in response.get_json()["message"] and response.get_json()["diff"].endswith("from=1&to=2")
    assert save(owner, mine, message="mine", force=True).get_json()["number"] == 3


def test_csrf_protects_the_json_save(app, owners, web_config, session_factory):
    from webapp import create_app

    guarded = create_app(dict(web_config, WTF_CSRF_ENABLED=True))
    client = guarded.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "owner1", "password": "password-owner1", "csrf_token": token})
    files = files_of(client)
    assert save(client, files, message="x").status_code == 400
    edit = client.get(f"{BASE}/edit").get_data(as_text=True)
    header = edit.split('name="csrf-token" content="')[1].split('"')[0]
    files["service_request.bpmn"] = files["service_request.bpmn"].replace("登记请求", "登记")
    response = client.post(f"{BASE}/versions", json={"base": 1, "message": "x", "files": files},
                           headers={"X-CSRFToken": header})
    assert response.status_code == 201
    guarded.extensions["pflow_engine"].dispose()


def test_the_owner_pages_speak_english_on_request(as_user, owners):
    owner = as_user("owner1")
    page = owner.get("/processes/?lang=en").get_data(as_text=True)
    assert "Edit a process in the modeler" in page and "流程库" not in page
    edit = owner.get(f"{BASE}/edit").get_data(as_text=True)
    assert 'data-lang="en"' in edit and "Validate and save as a new version" in edit
    assert "Move running cases to version 1" in owner.get(f"{BASE}/migrate").get_data(as_text=True)
