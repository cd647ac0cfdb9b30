"""The resident portal's engine side: a leak reported online, followed, signed off, rated C (returned), rated A."""
import base64

import pytest
from library import Case, at, clock, deploy_library, fast_validation, property_code  # noqa: F401 - fixtures
from sqlalchemy import select
from test_processes__repair import ARRIVED, WORK
from test_residents__register_and_signin import _household

from engine import Attachment, AuditKind, FileStore, InstanceStatus, NotAllowed, OutboxMessage
from engine.residents import access, portal

# a 1x1 PNG: what the signature canvas sends
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint", "repair")


def test_a_leak_reported_online_is_followed_signed_off_rated_c_returned_and_rated_a(session, library, clock, tmp_path):
    household = _household(session)
    resident = access.resident_for(session, "13800000000")
    instance = portal.report(session, resident, household.id, "repair", "厨房水管漏水", "water_leak")
    session.commit()
    case = Case(session, instance)
    assert case.case_no.startswith("BX") and [c.id for c in access.cases(session, resident)] == [instance.id]
    assert case.data()["channel"] == "online" and case.data()["contact_phone"] == "13800000000"
    [receipt] = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
    assert receipt.subject == "repair_received" and receipt.address == "13800000000"
    assert portal.status(session, instance)[0] == "工单已派出,工程师将按时到场"
    assert portal.headline(session, instance) == "报修:厨房水管漏水"
    assert portal.promise(session, instance).startswith("工程师将于 ")

    case.complete("accept_order", {"technician": "王师傅"}, user="eng1")
    case.complete("arrive_site", ARRIVED, user="eng1")
    case.complete("repair_work", WORK, user="eng1")
    assert portal.waiting_for_me(session, instance) == "signoff"
    files = FileStore(str(tmp_path))
    with pytest.raises(NotAllowed):
        portal.sign_off(session, files, resident, instance, b"GIF89a not png", True, "", max_bytes=10**6)
    session.rollback()
    portal.sign_off(session, files, resident, case.instance, PNG, True, "", max_bytes=10**6)
    session.commit()
    [signature] = session.scalars(select(Attachment)).all()
    assert signature.content_type == "image/png" and signature.uploaded_by == "业户 138****0000"
    assert portal.waiting_for_me(session, case.instance) == "rate"

    portal.answer_callback(session, resident, case.instance, "C", "还在滴水")
    session.commit()
    assert case.open() == {"cb_dissatisfied"}  # as a phoned-in C: the supervisor explains or returns the order
    record = [e for e in case.events(AuditKind.TASK_COMPLETED) if e.task_name == "cb_phone"][-1]
    assert record.data["callback_staff"] == portal.ONLINE and record.data["rating"] == "C"
    assert record.actor == "业户 138****0000"
    case.complete("cb_dissatisfied", {"action": "rework", "rework_instructions": "彻底更换水管",
                                      "rework_working_days": 2}, user="sup1")
    assert portal.status(session, case.instance)[0] == "工程师正在维修"
    case.complete("repair_work", WORK, user="eng1")
    portal.sign_off(session, files, resident, case.instance, PNG, True, "", max_bytes=10**6)
    portal.answer_callback(session, resident, case.instance, "A", "")
    session.commit()
    assert case.instance.status == InstanceStatus.COMPLETED
    assert portal.status(session, case.instance) == ("已处理完毕并结案", None)
    texts = [s.text for s in portal.timeline(session, case.instance, resident)]
    assert texts[0] == "已登记" and "已完成:接单派工" in texts and texts[-1] == "已结案"
    assert "您在线评价:C" in texts and "您已在线签字确认" in texts
    with pytest.raises(NotAllowed):
        portal.answer_callback(session, resident, case.instance, "A", "")


def test_a_resident_reports_only_about_their_own_household(session, library):
    _household(session)
    other = _household(session, room="5-302", owner="李四", phone="13700000000")
    resident = access.resident_for(session, "13800000000")
    with pytest.raises(NotAllowed):
        portal.report(session, resident, other.id, "repair", "漏水")
    with pytest.raises(NotAllowed):
        portal.report(session, resident, resident.household_ids[0], "cancel_fees", "漏水")
