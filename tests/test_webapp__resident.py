"""The resident portal (/r/): sign-in by SMS code, a session apart from staff, only one's own household's cases."""
import io

import pytest
from library import deploy_library, fast_validation  # noqa: F401 - fixture
from sqlalchemy import select
from test_processes__complaint import COMPLAINT
from test_residents__portal import PNG
from test_residents__register_and_signin import _household

from engine import HumanTask, OutboxMessage

MINE, THEIRS = "13800000000", "13700000000"


@pytest.fixture
def portal(app, session, fast_validation):
    """Households 3-1201 (mine) and 5-302 (theirs) at P001, each with a complaint; returns (mine, theirs) case numbers."""
    from engine import start_instance

    deploy_library(session, "complaint", "repair")
    _household(session)
    _household(session, room="5-302", owner="李四", phone=THEIRS)
    mine = start_instance(session, "P001", "complaint", {**COMPLAINT, "building_room": "3-1201"}, user="fd1")
    theirs = start_instance(session, "P001", "complaint", {**COMPLAINT, "building_room": "5-302",
                                                           "contact_phone": THEIRS}, user="fd1")
    session.commit()
    return mine.case_no, theirs.case_no


def _last_code(session, phone) -> str:
    session.expire_all()
    code = session.scalars(select(OutboxMessage).where(OutboxMessage.address == phone, OutboxMessage.subject == "code")
                           .order_by(OutboxMessage.id.desc())).first().params[0]
    session.rollback()  # the app writes next (SQLite: one writer)
    return code


def _signed_in(app, session, phone=MINE):
    client = app.test_client()
    assert client.post("/r/login", data={"phone": phone}).status_code == 200
    response = client.post("/r/code", data={"phone": phone, "code": _last_code(session, phone)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/r/")
    return client


def test_sign_in_with_the_code_from_the_sms(app, session, portal):
    client = app.test_client()
    assert client.get("/r/").headers["Location"].endswith("/r/login")
    page = client.post("/r/login", data={"phone": "138 0000 0000"})
    assert page.status_code == 200 and "验证码" in page.text
    wrong = client.post("/r/code", data={"phone": MINE, "code": "abc"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.text
    assert client.post("/r/code", data={"phone": MINE, "code": _last_code(session, MINE)}).status_code == 302
    home = client.get("/r/")
    assert home.status_code == 200 and portal[0] in home.text and portal[1] not in home.text
    assert "客服正在受理您的投诉" in home.text


def test_bad_numbers_and_too_many_codes_are_said_clearly(app, session, portal):
    client = app.test_client()
    bad = client.post("/r/login", data={"phone": "12345"})
    assert bad.status_code == 400 and "11 位手机号码" in bad.text
    assert client.post("/r/login", data={"phone": MINE}).status_code == 200
    again = client.post("/r/login", data={"phone": MINE})
    assert again.status_code == 429 and "秒后再试" in again.text


ROUTES = [("get", "/r/cases/{case}", {}), ("post", "/r/cases/{case}/comment", {"text": "你好"}),
          ("post", "/r/cases/{case}/photo", {"photo": (io.BytesIO(PNG), "a.png")}),
          ("post", "/r/cases/{case}/rate", {"rating": "A"}),
          ("post", "/r/cases/{case}/signoff", {"signature": "data:image/png;base64,iVBORw0KGgo="}),
          ("get", "/r/cases/{case}/photos/1", {})]


@pytest.mark.parametrize("method, path, data", ROUTES, ids=[r[1] for r in ROUTES])
def test_every_case_route_is_404_for_another_households_case_or_a_missing_one(app, session, portal, method, path, data):
    client = _signed_in(app, session)
    for case in (portal[1], "TS19990101-000001"):
        kwargs = {"data": dict(data)} if method == "post" else {}
        if "photo" in data:
            kwargs["data"]["photo"] = (io.BytesIO(PNG), "a.png")
        assert getattr(client, method)(path.format(case=case), **kwargs).status_code == 404, case


def test_resident_and_staff_sessions_reach_only_their_own_pages(app, session, portal, as_user):
    resident = _signed_in(app, session)
    assert resident.get("/").status_code == 302 and "/login" in resident.get("/").headers["Location"]
    instance_id = session.scalars(select(HumanTask.instance_id)).first()
    session.rollback()
    assert resident.get(f"/cases/{instance_id}").status_code == 302
    staff = as_user("fd1")
    assert staff.get("/r/").headers["Location"].endswith("/r/login")
    assert staff.get(f"/r/cases/{portal[0]}").status_code == 302
    resident.post("/r/logout")
    assert resident.get("/r/").status_code == 302


def test_report_a_leak_with_a_photo_and_follow_it(app, session, portal):
    client = _signed_in(app, session)
    empty = client.post("/r/report", data={"kind": "repair", "category": "water_leak", "content": " "})
    assert empty.status_code == 400 and "请说明" in empty.text
    response = client.post("/r/report", data={"kind": "repair", "category": "water_leak", "content": "厨房水管漏水",
                                              "photo": (io.BytesIO(PNG), "leak.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "工程师将于" in page.text and "您上传了 leak.png" in page.text
    assert "BX" in page.text
    wrong = client.post(response.headers["Location"] + "/photo", data={"photo": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                        content_type="multipart/form-data")
    # a refusal answers with the case page naming the reason (a browser follows no redirect sent with a 400:
    # it would show the redirect's own English body)
    assert wrong.status_code == 400 and "Location" not in wrong.headers
    assert "只能上传照片" in wrong.text and "BX" in wrong.text
    nothing = client.post(response.headers["Location"] + "/photo", data={}, content_type="multipart/form-data")
    assert nothing.status_code == 400 and "请选择一张照片" in nothing.text and "Redirecting" not in nothing.text
    nothing_due = client.post(response.headers["Location"] + "/rate", data={"rating": "A"})
    assert nothing_due.status_code == 400 and "没有需要您答复" in nothing_due.text
    assert "没有需要您答复" not in client.get(response.headers["Location"]).text  # shown once


def test_a_resident_can_stop_and_restart_sms_notices(app, session, portal):
    client = _signed_in(app, session)
    assert "停止短信通知" in client.get("/r/").text
    client.post("/r/sms", data={"notices": "off"})
    assert "恢复短信通知" in client.get("/r/").text


def test_a_staff_account_with_the_resident_role_sees_no_residents_notices_or_cases(app, session, portal, as_user):
    from engine import AuditKind, Instance, create_user
    from engine.cases.history import record

    create_user(session, "res1", "住户账号", "password-res1", roles={"P001": ["resident"]})
    case = session.scalars(select(Instance).where(Instance.case_no == portal[1])).one()
    record(session, case.id, AuditKind.NOTIFIED, data={"to": "resident", "message": "他人的通知内容"})
    case_id = case.id
    session.commit()
    client = as_user("res1")
    assert "他人的通知内容" not in client.get("/").text
    assert client.get(f"/cases/{case_id}").status_code == 404


def test_a_complaint_reported_online_starts_through_the_complaint_start_form(app, session, portal):
    client = _signed_in(app, session)
    response = client.post("/r/report", data={"kind": "complaint", "category": "other", "content": "楼道灯坏了"})
    assert response.status_code == 302
    assert "客服正在受理您的投诉" in client.get(response.headers["Location"]).text


def test_home_report_and_notices_show_only_the_residents_own_household(app, session, portal):
    from engine import AuditKind, Household, Instance
    from engine.cases.history import record

    for case_no, text in ((portal[0], "给我的通知"), (portal[1], "给邻居的通知")):
        case = session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        record(session, case.id, AuditKind.NOTIFIED, data={"to": "resident", "message": text})
    theirs = session.scalars(select(Household.id).where(Household.room == "302")).one()
    session.commit()
    client = _signed_in(app, session)
    home = client.get("/r/").text
    assert "给我的通知" in home and "给邻居的通知" not in home and "5-302" not in home
    refused = client.post("/r/report", data={"kind": "repair", "category": "water_leak", "content": "漏水",
                                             "household": str(theirs)})
    assert refused.status_code == 400 and "请选择您的房号" in refused.text
    assert "给邻居的通知" not in client.get(f"/r/cases/{portal[0]}").text


def test_the_portal_speaks_chinese_and_english_on_request(app):
    client = app.test_client()
    assert "手机号登录" in client.get("/r/login").text
    english = client.get("/r/login?lang=en").text
    assert "Sign in with your phone" in english and "手机号登录" not in english
