"""The household register in the web app: the front desk lists, edits and imports it; the start form looks rooms up."""
import io

import pytest
from library import property_code
from openpyxl import Workbook

from engine import households


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(session) -> int:
    """Households at P001, read without keeping a transaction open (SQLite: the app writes next)."""
    session.expire_all()
    n = households.count(session, property_code(session).id)
    session.rollback()
    return n


@pytest.fixture
def fd1(as_user):
    return as_user("fd1")


def test_the_front_desk_adds_and_edits_a_household_with_errors_at_their_fields(fd1, session):
    bad = fd1.post("/households/P001/new", data={"building": "3", "room": "1201", "name_0": "张三",
                                                 "relation_0": "owner", "phone_0": "12345", "move_in": "2020-13-01"})
    assert bad.status_code == 400 and "不是日期" in bad.text
    bad = fd1.post("/households/P001/new", data={"building": "3", "room": "1201", "name_0": "张三",
                                                 "relation_0": "owner", "phone_0": "12345"})
    assert bad.status_code == 400 and "不是 11 位手机号码" in bad.text
    assert _count(session) == 0
    ok = fd1.post("/households/P001/new", data={"building": "3", "room": "1201", "name_0": "张三",
                                                "relation_0": "owner", "phone_0": "138 0000 0000",
                                                "name_1": "张小三", "relation_1": "family"})
    assert ok.status_code == 302
    page = fd1.get("/households/?property=P001&q=1380000")
    assert "3-1201" in page.text and "张三(业主) 13800000000" in page.text
    session.expire_all()
    household_id = households.by_room(session, property_code(session).id, "3-1201").id
    session.rollback()
    assert fd1.get(f"/households/P001/{household_id}").status_code == 200
    taken = fd1.post("/households/P001/new", data={"building": "3", "room": "1201", "name_0": "李四",
                                                   "relation_0": "owner"})
    assert taken.status_code == 400 and "已登记" in taken.text


def test_import_reports_each_bad_row_and_imports_nothing_until_all_are_right(fd1, session):
    headings = ["楼栋", "房号", "业主姓名", "业主电话", "家庭成员"]
    bad = _xlsx([headings, ["3", "1201", "张三", "13800000000", ""], ["3", "1202", "", "", "王五"]])
    page = fd1.post("/households/P001/import", data={"file": (io.BytesIO(bad), "业户.xlsx")},
                    content_type="multipart/form-data")
    assert page.status_code == 400 and "未导入任何数据" in page.text and "<td>3</td>" in page.text
    assert "请填写业主或租户" in page.text
    assert _count(session) == 0
    wrong = fd1.post("/households/P001/import", data={"file": (io.BytesIO(b"x"), "a.pdf")},
                     content_type="multipart/form-data")
    assert wrong.status_code == 400 and "请上传 Excel" in wrong.text
    good = _xlsx([headings, ["3", "1201", "张三", "13800000000", ""], ["3", "1202", "王五", "", ""]])
    done = fd1.post("/households/P001/import", data={"file": (io.BytesIO(good), "业户.xlsx")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert done.status_code == 200 and "新增 2 户" in done.text
    assert "已登记 2 户" in done.text


def test_the_start_form_looks_up_a_room_and_other_staff_and_properties_get_404(fd1, as_user, session):
    households.save(session, property_code(session), households.HouseholdData(
        "3", "1201", [{"name": "张三", "relation": "owner", "phone": "13800000000"}]))
    session.commit()
    session.rollback()
    found = fd1.get("/households/P001/lookup?room=3栋1201")
    assert found.json == {"resident_name": "张三", "contact_phone": "13800000000", "resident_type": "owner",
                          "building_room": "3-1201"}
    assert fd1.get("/households/P001/lookup?room=9-999").status_code == 404
    assert fd1.get("/households/P002/lookup?room=3-1201").status_code == 404  # not fd1's property
    assert as_user("eng1").get("/households/").status_code == 404  # engineering keeps no register
    start = fd1.get("/cases/new/P001/service_request")
    assert 'data-household-lookup="/households/P001/lookup"' in start.text and "household-fill.js" in start.text


def test_the_front_desk_stops_and_restarts_notice_sms_for_a_residents_number(fd1, session):
    from engine.messages.sms import policy

    household = households.save(session, property_code(session), households.HouseholdData(
        "3", "1201", [{"name": "张三", "relation": "owner", "phone": "13800000000"}]))
    household_id = household.id
    session.commit()
    page = fd1.get(f"/households/P001/{household_id}")
    assert "张三 13800000000:接收短信通知" in page.text
    assert fd1.post(f"/households/P001/{household_id}/sms", data={"phone": "13900000000", "notices": "off"}
                    ).status_code == 404  # not a number of this household
    fd1.post(f"/households/P001/{household_id}/sms", data={"phone": "13800000000", "notices": "off"})
    assert "张三 13800000000:不发送短信通知" in fd1.get(f"/households/P001/{household_id}").text
    session.expire_all()
    assert policy.opted_out(session, "13800000000")
    session.rollback()
    fd1.post(f"/households/P001/{household_id}/sms", data={"phone": "13800000000", "notices": "on"})
    session.expire_all()
    assert not policy.opted_out(session, "13800000000")
    session.rollback()


def test_the_households_page_exports_the_register_as_its_record_sheet(fd1, as_user, session):
    from openpyxl import load_workbook

    households.save(session, property_code(session), households.HouseholdData(
        "3", "1201", [{"name": "张三", "relation": "owner", "phone": "13800000000"}]))
    session.commit()
    page = fd1.get("/households/?property=P001")
    assert 'href="/households/P001/export.xlsx"' in page.text and "导出 Excel" in page.text
    export = fd1.get("/households/P001/export.xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''P001-" in export.headers["Content-Disposition"]
    table = list(load_workbook(io.BytesIO(export.data)).worksheets[0].iter_rows(values_only=True))
    assert table[1][:4] == ("楼栋", "房号", "业主姓名", "业主电话") and table[2][:4] == ("3", "1201", "张三", "13800000000")
    assert fd1.get("/households/P002/export.xlsx").status_code == 404  # not fd1's property
    assert as_user("eng1").get("/households/P001/export.xlsx").status_code == 404
