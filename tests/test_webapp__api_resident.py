"""The JSON API, residents' side, and the proof: a whole repair through the API alone, against the same repair
through the pages (the phone portal and the task pages) — the same timeline."""
import base64
import io
from datetime import timedelta

import pytest
from library import clock, deploy_library, fast_validation  # noqa: F401 - fixtures
from sqlalchemy import select
from test_residents__portal import PNG
from test_residents__register_and_signin import _household
from test_webapp__api_staff import bearer, token_for

from engine import AuditKind, HumanTask, Instance, InstanceStatus, OutboxMessage, events_of

MINE, THEIRS = "13800000000", "13700000000"
# a 1x1 JPEG is not needed: the portal takes PNG photos too
PHOTO = PNG


@pytest.fixture
def homes(app, session, fast_validation, clock):
    deploy_library(session, "complaint", "repair")
    mine = _household(session)
    theirs = _household(session, room="5-302", owner="李四", phone=THEIRS)
    return mine.id, theirs.id


def last_code(session, phone) -> str:
    session.expire_all()
    code = session.scalars(select(OutboxMessage).where(OutboxMessage.address == phone, OutboxMessage.subject == "code")
                           .order_by(OutboxMessage.id.desc())).first().params[0]
    session.rollback()
    return code


def resident_token(client, session, phone=MINE) -> str:
    assert client.post("/api/v1/resident/code", json={"phone": phone}).status_code == 202
    response = client.post("/api/v1/resident/token", json={"phone": phone, "code": last_code(session, phone)})
    assert response.status_code == 201, response.json
    return response.json["token"]


def test_sign_in_by_sms_code_and_see_only_my_household(app, session, homes, clock):
    client = app.test_client()
    assert client.post("/api/v1/resident/code", json={"phone": "12"}).json["code"] == "not_mobile"
    assert client.post("/api/v1/resident/code", json={"phone": "13900000000"}).json == {"sent": True}  # unknown
    assert client.post("/api/v1/resident/code", json={"phone": MINE}).status_code == 202
    wait = client.post("/api/v1/resident/code", json={"phone": MINE})
    assert wait.status_code == 429 and wait.json["code"] == "wait"
    wrong = client.post("/api/v1/resident/token", json={"phone": MINE, "code": "000000x"})
    assert wrong.status_code == 400 and wrong.json["message"] == "验证码不正确,请核对短信后重试。"
    token = client.post("/api/v1/resident/token", json={"phone": MINE, "code": last_code(session, MINE)}).json["token"]
    me = client.get("/api/v1/me", headers=bearer(token)).json
    assert [h["id"] for h in me["households"]] == [homes[0]]
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 403  # a resident's token is no staff's
    theirs = client.post("/api/v1/me/cases", headers=bearer(token),
                         json={"household": homes[1], "content": "漏水", "kind": "repair"})
    assert theirs.status_code == 400 and theirs.json["code"] == "not_your_household"
    clock.shift(timedelta(minutes=2))
    other = resident_token(client, session, THEIRS)
    case_no = client.post("/api/v1/me/cases", headers=bearer(other),
                          json={"household": homes[1], "content": "门锁坏了", "category": "door_lock"}).json["case_no"]
    assert client.get(f"/api/v1/me/cases/{case_no}", headers=bearer(token)).status_code == 404  # another household
    assert client.post(f"/api/v1/me/cases/{case_no}/rating", headers=bearer(token),
                       json={"rating": "A"}).status_code == 404
    nothing = client.post(f"/api/v1/me/cases/{case_no}/rating", headers=bearer(other), json={"rating": "A"})
    assert nothing.status_code == 409 and nothing.json["code"] == "nothing_due"


STEPS = [("accept_order", {"technician": "王师傅"}, {"technician": "王师傅"}),
         ("arrive_site", {"arrived_at": "2026-11-23T09:20:00+08:00", "diagnosis": "水管接头老化", "paid_service": False},
          {"arrived_at": "2026-11-23T09:20", "diagnosis": "水管接头老化"}),
         ("repair_work", {"work_done": "更换接头", "completed_at": "2026-11-23T10:30:00+08:00"},
          {"work_done": "更换接头", "completed_at": "2026-11-23T10:30"})]


def _open(session, case_no, name) -> str:
    session.expire_all()
    task_id = session.scalars(select(HumanTask.id).join(Instance).where(Instance.case_no == case_no,
                                                                         HumanTask.task_name == name)).one()
    session.rollback()  # the app writes next (SQLite: one writer)
    return task_id


def _timeline_case_id(session, case_no) -> int:
    session.expire_all()
    case_id = session.scalars(select(Instance.id).where(Instance.case_no == case_no)).one()
    session.rollback()
    return case_id


def _timeline(session, case_no):
    session.expire_all()
    instance = session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
    rows = [(e.kind.value, e.task_name, e.actor, (e.data or {}).get("rating")) for e in events_of(session, instance.id)
            if e.kind != AuditKind.TIMER_FIRED]
    status = instance.status
    session.rollback()
    return rows, status


def test_a_whole_repair_through_the_api_alone_has_the_timeline_of_the_pages(app, session, homes, clock, as_user):
    client = app.test_client()
    # --- through the API: the resident reports with a photo, engineering claims and completes, the resident signs, rates
    resident = resident_token(client, session)
    reported = client.post("/api/v1/me/cases", headers=bearer(resident), json={
        "kind": "repair", "household": homes[0], "content": "厨房水管漏水", "category": "water_leak"})
    assert reported.status_code == 201 and reported.json["status"] == "工单已派出,工程师将按时到场"
    api_case = reported.json["case_no"]
    photo = client.post(f"/api/v1/me/cases/{api_case}/photos", headers=bearer(resident),
                        data={"photo": (io.BytesIO(PHOTO), "leak.png")}, content_type="multipart/form-data")
    assert photo.status_code == 201 and photo.json["photos"][0]["filename"] == "leak.png"
    picture = client.get(f"/api/v1/me/cases/{api_case}/photos/{photo.json['photos'][0]['id']}",
                         headers=bearer(resident))
    assert picture.status_code == 200 and picture.data == PHOTO
    eng = token_for(client, "eng1")
    case_id = _timeline_case_id(session, api_case)
    [leak] = client.get(f"/api/v1/cases/{case_id}", headers=bearer(eng)).json["attachments"]
    assert client.get(f"/api/v1/cases/{case_id}/attachments/{leak['id']}", headers=bearer(eng)).data == PHOTO
    for name, data, _form in STEPS:
        task_id = _open(session, api_case, name)
        seen = client.get(f"/api/v1/tasks/{task_id}", headers=bearer(eng))
        assert seen.json["may_work"] and seen.json["case"]["case_no"] == api_case
        assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=bearer(eng)).json["assignee"] == "eng1"
        done = client.post(f"/api/v1/tasks/{task_id}/complete", headers={**bearer(eng), "If-Match": seen.headers["ETag"]},
                           json={"data": data})
        assert done.status_code == 200, done.json
    waiting = client.get(f"/api/v1/me/cases/{api_case}", headers=bearer(resident)).json
    assert waiting["waiting_for_me"] == "signoff"
    signed = client.post(f"/api/v1/me/cases/{api_case}/signoff", headers=bearer(resident),
                         json={"signature": "data:image/png;base64," + base64.b64encode(PNG).decode()})
    assert signed.status_code == 200 and signed.json["waiting_for_me"] == "rate"
    rated = client.post(f"/api/v1/me/cases/{api_case}/rating", headers=bearer(resident),
                        json={"rating": "A", "comment": "师傅很专业"})
    assert rated.status_code == 200 and rated.json["state"] == "completed"
    assert [s["text"] for s in rated.json["timeline"]][-1] == "已结案"

    # --- the same repair through the pages: the phone portal and the task pages
    clock.shift(timedelta(minutes=2))
    portal = app.test_client()
    assert portal.post("/r/login", data={"phone": MINE}).status_code == 200
    assert portal.post("/r/code", data={"phone": MINE, "code": last_code(session, MINE)}).status_code == 302
    page = portal.post("/r/report", data={"kind": "repair", "household": str(homes[0]), "content": "厨房水管漏水",
                                          "category": "water_leak", "photo": (io.BytesIO(PHOTO), "leak.png")},
                       content_type="multipart/form-data")
    assert page.status_code == 302
    page_case = page.headers["Location"].rsplit("/", 1)[1]
    staff = as_user("eng1")
    for name, _data, form in STEPS:
        task_id = _open(session, page_case, name)
        assert staff.post(f"/tasks/{task_id}/claim").status_code == 302
        assert staff.post(f"/tasks/{task_id}", data=form).status_code == 302
    signature = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert portal.post(f"/r/cases/{page_case}/signoff", data={"signature": signature}).status_code == 302
    assert portal.post(f"/r/cases/{page_case}/rate", data={"rating": "A", "comment": "师傅很专业"}).status_code == 302

    api_rows, api_status = _timeline(session, api_case)
    page_rows, page_status = _timeline(session, page_case)
    assert api_status == page_status == InstanceStatus.COMPLETED
    assert api_rows == page_rows
    assert ("task_completed", "cb_phone", "业户 138****0000", "A") in api_rows
