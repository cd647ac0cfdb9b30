"""Residents (engine): the household register, its import, case linking, sign-in codes and access rules."""
import csv
import io
from datetime import date

import pytest
from library import Case, at, clock, deploy_library, fast_validation, property_code  # noqa: F401 - fixtures
from openpyxl import Workbook
from sqlalchemy import select
from test_processes__complaint import COMPLAINT

from engine import HouseholdData, HouseholdInvalid, NotFound, household_import, households
from engine.residents import access, signin
from engine.storage.models import OutboxMessage, ResidentCode

HEADINGS = ["楼栋", "房号", "业主姓名", "业主电话", "租户姓名", "租户电话", "入住日期", "家庭成员", "备注"]


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint", "repair", properties=("P001", "P002"))


def _household(session, room="3-1201", owner="张三", phone="13800000000", code="P001", **extra):
    building, number = households.parse_room(room)
    data = HouseholdData(building, number, [{"name": owner, "relation": "owner", "phone": phone},
                                            {"name": "张小三", "relation": "family", "phone": ""}], **extra)
    household = households.save(session, property_code(session, code), data)
    session.commit()
    return household


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_rooms_are_read_as_people_write_them():
    assert households.parse_room("3-1201") == ("3", "1201")
    assert households.parse_room("3栋1201") == households.parse_room("3幢1201室") == ("3", "1201")
    assert households.parse_room("b座 301") == ("B", "301") and households.parse_room("大门口") is None


def test_a_household_needs_an_owner_or_tenant_and_mobile_numbers(session, library):
    prop = property_code(session)
    with pytest.raises(HouseholdInvalid) as caught:
        households.save(session, prop, HouseholdData("3", "1201", [
            {"name": "张小三", "relation": "family", "phone": "12345"}]))
    assert caught.value.errors == {"members.0.phone": ("not_mobile", {"value": "12345"}),
                                   "members": ("owner_required", {})}
    _household(session, move_in_date=date(2020, 5, 1))
    with pytest.raises(HouseholdInvalid, match="registered already"):
        _household(session, room="3栋1201")
    assert households.count(session, prop.id) == 1


def test_import_from_xlsx_saves_every_row_or_none_with_a_report_per_row(session, library):
    prop = property_code(session)
    bad = _xlsx([HEADINGS,
                 ["3", "1201", "张三", "138 0000 0000", "", "", "2020-05-01", "张小三 13900000001;李梅", ""],
                 ["", "", "", "", "", "", "", "", ""],  # empty: skipped
                 ["3", "1203", "", "", "", "", "", "王五", ""],  # nobody but family
                 ["3", "1204", "赵六", "0755-1234", "", "", "去年", "", ""]])
    report = household_import.import_households(session, prop, household_import.read_table("业户.xlsx", bad))
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (4, "members", "owner_required"), (5, "move_in", "bad_date"), (5, "members.0.phone", "not_mobile")]
    assert households.count(session, prop.id) == 0  # nothing half-imported
    good = _xlsx([HEADINGS, ["3", "1201", "张三", "13800000000", "", "", "2020-05-01", "张小三 13900000001;李梅", ""],
                  ["5", "302", "李四", "13700000000", "孙七", "13600000000", date(2021, 3, 1), "", "出租"]])
    report = household_import.import_households(session, prop, household_import.read_table("业户.xlsx", good))
    assert report.ok and (report.created, report.updated) == (2, 0)
    room = households.by_room(session, prop.id, "3栋1201")
    assert [(m.name, m.relation, m.phone) for m in room.members] == [
        ("张三", "owner", "13800000000"), ("张小三", "family", "13900000001"), ("李梅", "family", None)]
    assert room.move_in_date == date(2020, 5, 1)
    assert households.contact(households.by_room(session, prop.id, "5-302"))["contact_phone"] == "13700000000"


def test_import_from_csv_in_gbk_replaces_registered_rooms(session, library):
    prop = property_code(session)
    _household(session, owner="旧业主")
    out = io.StringIO()
    csv.writer(out).writerows([["栋房号", "业主姓名", "业主电话"], ["3-1201", "新业主", "13800000001"],
                               ["3-1201", "重复", "13800000002"]])
    report = household_import.import_households(session, prop, household_import.read_table("a.csv", out.getvalue().encode("gbk")))
    assert [(e.row, e.code) for e in report.errors] == [(3, "room_taken")]
    out = io.StringIO()
    csv.writer(out).writerows([["栋房号", "业主姓名", "业主电话"], ["3-1201", "新业主", "13800000001"]])
    report = household_import.import_households(session, prop, household_import.read_table("a.csv", out.getvalue().encode("gbk")))
    assert (report.created, report.updated) == (0, 1)
    assert households.by_room(session, prop.id, "3-1201").members[0].name == "新业主"
    with pytest.raises(household_import.ImportFileError) as caught:
        household_import.read_table("a.csv", "姓名,电话\n张三,1\n".encode())
    assert caught.value.code == "no_room_column"
    with pytest.raises(household_import.ImportFileError):
        household_import.read_table("a.xlsx", b"not a workbook")


def test_a_case_about_a_registered_room_is_that_households_only(session, library):
    mine = _household(session)
    other = _household(session, room="5-302", owner="李四", phone="13700000000")
    _household(session, room="3-1201", owner="王五", phone="13800000000", code="P002")  # same number elsewhere
    case = Case.start(session, "complaint", {**COMPLAINT, "building_room": "3栋1201"})
    elsewhere = Case.start(session, "complaint", {**COMPLAINT, "building_room": "5-302"})
    resident = access.resident_for(session, "+86 13800000000")
    assert len(resident.household_ids) == 2 and mine.id in resident.household_ids
    assert [c.id for c in access.cases(session, resident)] == [case.id]
    assert access.case_for(session, resident, case.case_no).id == case.id
    for case_no in (elsewhere.case_no, "TS19990101-000001"):
        with pytest.raises(NotFound):
            access.case_for(session, resident, case_no)
    assert access.resident_for(session, "13900009999") is None and other.id not in resident.household_ids


def test_a_sign_in_code_is_sent_hashed_expires_and_works_once(session, library, clock):
    _household(session)
    message_id = signin.request_code(session, "138-0000-0000", "10.0.0.1")
    sms = session.get(OutboxMessage, message_id)
    assert (sms.channel, sms.subject, sms.address) == ("sms", "code", "13800000000")
    code = sms.params[0]
    assert len(code) == 6 and code not in session.scalars(select(ResidentCode.code_hash)).one()
    with pytest.raises(signin.SignInRefused) as wrong:
        signin.verify(session, "13800000000", "000000" if code != "000000" else "111111")
    assert wrong.value.code == "wrong_code"
    resident = signin.verify(session, "13800000000", code)
    assert resident.phone == "13800000000"
    with pytest.raises(signin.SignInRefused):  # used up
        signin.verify(session, "13800000000", code)
    clock.move_to(at(2026, 11, 23, 9, 5))
    code = session.get(OutboxMessage, signin.request_code(session, "13800000000", "10.0.0.1")).params[0]
    clock.move_to(at(2026, 11, 23, 9, 15, 1))  # 10 minutes later: expired
    with pytest.raises(signin.SignInRefused) as expired:
        signin.verify(session, "13800000000", code)
    assert expired.value.code == "expired"
    clock.move_to(at(2026, 11, 25, 9, 30))
    signin.request_code(session, "13800000000", "10.0.0.1")
    assert len(session.scalars(select(ResidentCode)).all()) == 1  # the old codes are gone


def test_codes_are_rate_limited_per_number_and_per_address_and_secret_about_who_lives_here(session, library, clock):
    _household(session)
    assert signin.request_code(session, "13800000000", "10.0.0.1") is not None
    with pytest.raises(signin.SignInRefused) as wait:
        signin.request_code(session, "13800000000", "10.0.0.2")
    assert wait.value.code == "wait" and 0 < wait.value.params["seconds"] <= 60
    for minute in range(1, 5):
        clock.move_to(at(2026, 11, 23, 9, minute, 1))
        signin.request_code(session, "13800000000", "10.0.0.1")
    clock.move_to(at(2026, 11, 23, 9, 10))
    with pytest.raises(signin.SignInRefused) as many:
        signin.request_code(session, "13800000000", "10.0.0.3")
    assert many.value.code == "too_many"
    # an unregistered number: the same answer, but no SMS; the address still counts
    assert signin.request_code(session, "13900000000", "10.0.0.9") is None
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.address == "13900000000")).all() == []
    for n in range(signin.PER_ADDRESS_HOUR - 1):
        clock.move_to(at(2026, 11, 23, 9, 11 + n))
        signin.request_code(session, f"1390000{n:04d}", "10.0.0.9")
    with pytest.raises(signin.SignInRefused):
        signin.request_code(session, "13912345678", "10.0.0.9")
    with pytest.raises(signin.SignInRefused) as bad:
        signin.request_code(session, "12345", "10.0.0.1")
    assert bad.value.code == "not_mobile"


def test_a_code_takes_at_most_five_tries(session, library):
    _household(session)
    code = session.get(OutboxMessage, signin.request_code(session, "13800000000", "10.0.0.1")).params[0]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(signin.MAX_ATTEMPTS):
        with pytest.raises(signin.SignInRefused):
            signin.verify(session, "13800000000", wrong)
    with pytest.raises(signin.SignInRefused) as caught:
        signin.verify(session, "13800000000", code)
    assert caught.value.code == "expired"
