"""SMS to residents: every notice to the resident of a case with a mobile number is one SMS from a template,
delivered through the Tencent Cloud adapter (against a local stand-in of its endpoint), retried and failed
like mail, within a per-number daily limit and an opt-out."""
from datetime import timedelta

import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from sms_standin import TEMPLATE_IDS, sms_standin, tencent_env  # noqa: F401 - fixture
from sqlalchemy import select
from test_processes__complaint import CALLBACK_A, COMPLAINT, CONFIRM, FEEDBACK, VERIFIED, classification

from engine import (
    AuditKind,
    Incident,
    LogSms,
    OutboxMessage,
    OutboxStatus,
    Settings,
    TencentSms,
    deliver_message,
    retry_incident,
    sms_transport_for,
)
from engine import sms_policy as policy
from engine.cases import history
from engine.messages.mail import LogMailer
from engine.storage.database import SETTINGS

PHONE = "13800000000"


def transport_for(env: dict) -> object:
    """The SMS transport a process with environment ``env`` gets."""
    return sms_transport_for(Settings.from_env(env))


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint", "repair")


def _sms(session) -> list[OutboxMessage]:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms").order_by(OutboxMessage.id)).all()


def _new_sms(session, before: int) -> list[OutboxMessage]:
    return _sms(session)[before:]


def test_a_complaint_cycle_sends_one_sms_per_notice_to_the_residents_number(session, library, clock, sms_standin):
    clock.move_to(at(2026, 11, 27, 9))  # a Friday: the reply is due Monday 09:00
    case = Case.start(session, "complaint", {**COMPLAINT, "contact_phone": "138 0000 0000", "channel": "visit"})
    assert _sms(session) == []  # registering alone tells the resident nothing yet

    case.complete("confirm_receipt", CONFIRM, user="fd1")
    [receipt] = _sms(session)
    assert (receipt.address, receipt.subject, receipt.kind, receipt.status) == (
        PHONE, "complaint_received", "notified", OutboxStatus.PENDING)
    assert receipt.body == f"您的投诉已受理,编号 {case.case_no},联系人 客服小王,我们将于 11月30日 09:00 前答复您。"
    assert receipt.params == [case.case_no, "客服小王", "11月30日 09:00"]

    fire(session, clock, at(2026, 11, 30, 9, 0, 1))  # the reply is late: progress to the resident
    [progress] = _new_sms(session, 1)
    assert progress.body == f"您的投诉 {case.case_no} 正在调查核实中,我们将尽快答复。如有疑问请联系客服中心。"

    clock.move_to(at(2026, 11, 30, 10))
    case.complete("classify", classification(), user="fd1")
    [reply] = _new_sms(session, 2)
    assert (reply.subject, reply.body) == ("complaint_reply", f"您的投诉 {case.case_no} 答复:已安排相关部门处理")
    case.complete("dispatch", {"dispatch_requirements": "两日内修复"}, user="fd1")
    case.complete("handle_engineering", {"outcome": "initial_plan", "investigation": "需更换线路",
                                         "initial_plan": "申请维修资金", "handled_by": "李工",
                                         "further_steps": [{"step": "更换线路", "due_date": "2026-12-10"}]},
                  user="eng_wang")
    [plan] = _new_sms(session, 3)
    assert plan.params == [case.case_no, "初步解决方案:申请维修资金"]

    due = case.tasks()["handle_engineering"].due_at
    fire(session, clock, due + timedelta(seconds=1))  # 15 working days, not solved: the supervisor extends
    assert len(_sms(session)) == 4
    clock.move_to(due + timedelta(hours=1))
    case.complete("extend_supervisor", {"extension_reason": "维修资金审批中", "extension_working_days": 5,
                                        "told_resident": True}, user="sup1")
    [extension] = _new_sms(session, 4)
    assert extension.subject == "complaint_extension"
    assert extension.params == [case.case_no, "维修资金审批中", "2026-12-25"]
    assert extension.body == f"您的投诉 {case.case_no} 需延期处理,原因:维修资金审批中,预计 2026-12-25 前解决。"

    case.complete("handle_engineering", {"outcome": "solved", "investigation": "已更换线路", "result": "已修好", "preventive_measures": "每季度检查线路",
                                         "handled_by": "李工"}, user="eng_wang")
    case.complete("feedback_result", FEEDBACK, user="fd1")
    case.complete("verify", VERIFIED, user="sup1")
    case.complete("cb_phone", CALLBACK_A, user="fd2")
    [closing] = _new_sms(session, 5)
    assert closing.body == f"您的投诉 {case.case_no} 已处理完毕并结案,感谢您的监督。"
    assert len(case.notices("resident")) == len(_sms(session)) == 6  # each notice exactly one SMS
    assert {m.address for m in _sms(session)} == {PHONE}

    sender = transport_for(tencent_env(sms_standin.url))
    assert isinstance(sender, TencentSms)
    for message in _sms(session):
        assert deliver_message(session, message.id, LogMailer(), sms=sender).status == OutboxStatus.SENT
    session.commit()
    assert sms_standin.sent() == [("+86" + PHONE, TEMPLATE_IDS[m.subject], m.params) for m in _sms(session)]
    assert all(r["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/") for r in sms_standin.requests)
    assert all(r["body"]["SignName"] == "翠湖物业" and r["body"]["SmsSdkAppId"] == "1400000000"
               for r in sms_standin.requests)


def test_a_repair_reported_by_phone_tells_the_resident_its_number_and_promise(session, library):
    case = Case.start(session, "repair", {"resident_name": "李四", "building_room": "5-302", "contact_phone": PHONE,
                                          "content": "厨房水管漏水", "repair_category": "water_leak",
                                          "safety_risk": False, "channel": "hotline", "source": "resident"})
    [sms] = _sms(session)
    assert sms.subject == "repair_received" and sms.body.startswith(f"您的报修已受理,单号 {case.case_no},")


def test_no_sms_without_a_mobile_number(session, library):
    Case.start(session, "complaint", {**COMPLAINT, "contact_phone": "0755-8888 8888"}).complete(
        "confirm_receipt", CONFIRM, user="fd1")
    assert _sms(session) == []


def test_a_refused_sms_is_retried_then_failed_with_an_incident_like_mail(session, library, sms_standin):
    case = Case.start(session, "complaint", COMPLAINT).complete("confirm_receipt", CONFIRM, user="fd1")
    [message] = _sms(session)
    sms_standin.answers = ["FailedOperation.PhoneNumberInBlacklist", ("Error", "InternalError.Timeout")] + [
        "LimitExceeded.PhoneNumberDailyLimit"] * 2
    sender = transport_for(tencent_env(sms_standin.url))
    now = message.created_at
    for attempt in range(1, 5):
        result = deliver_message(session, message.id, LogMailer(), now=now, sms=sender)
        session.commit()
        assert message.attempts == attempt
        if attempt < 4:
            assert result.status == OutboxStatus.PENDING and message.next_attempt_at > now
            now = message.next_attempt_at
    assert message.status == OutboxStatus.FAILED and "PhoneNumberDailyLimit" in message.last_error
    [incident] = session.scalars(select(Incident).where(Incident.instance_id == case.id)).all()
    assert incident.source == "mail" and PHONE in incident.message
    retry_incident(session, incident.id, user="admin")
    assert deliver_message(session, message.id, LogMailer(), sms=sender).status == OutboxStatus.SENT
    assert len(sms_standin.sent()) == 5


def test_development_logs_the_sms_and_keeps_it_in_the_outbox(session, library, caplog):
    Case.start(session, "complaint", COMPLAINT).complete("confirm_receipt", CONFIRM, user="fd1")
    [message] = _sms(session)
    assert isinstance(transport_for({}), LogSms)
    with caplog.at_level("INFO", logger="engine.messages.sms.transports"):
        assert deliver_message(session, message.id, LogMailer(), sms=LogSms()).status == OutboxStatus.LOGGED
    assert message.body in caplog.text and PHONE in caplog.text


def test_a_number_gets_at_most_the_daily_limit_and_nothing_after_opting_out(session, library):
    session.info[SETTINGS] = Settings(sms_daily_limit=2)  # what SMS_DAILY_LIMIT=2 gives the process
    case = Case.start(session, "complaint", COMPLAINT)
    for n in range(3):
        history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "resident", "message": f"第{n}条"})
    assert [m.body for m in _sms(session)] == ["第0条", "第1条"]
    policy.opt_out(session, "+86 138-0000-0000", "resident")
    session.info[SETTINGS] = Settings(sms_daily_limit=10)
    history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "resident", "message": "退订后"})
    assert len(_sms(session)) == 2
    policy.opt_in(session, PHONE)
    history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "resident", "message": "重新订阅"})
    assert _sms(session)[-1].body == "重新订阅"


def test_the_provider_settings_name_what_is_missing():
    with pytest.raises(ValueError, match="SMS_SECRET_KEY, SMS_APP_ID"):
        transport_for({"SMS_PROVIDER": "tencent", "SMS_SECRET_ID": "x", "SMS_SIGN_NAME": "y"})
    with pytest.raises(ValueError, match="tencent"):
        transport_for({"SMS_PROVIDER": "carrier-pigeon"})
    assert policy.normalise("+86 138 0000 0000") == PHONE and policy.normalise("0755-88888888") is None


def test_a_template_without_a_provider_id_fails_the_attempt_naming_the_setting(session, library, sms_standin):
    Case.start(session, "complaint", COMPLAINT).complete("confirm_receipt", CONFIRM, user="fd1")
    [message] = _sms(session)
    env = {**tencent_env(sms_standin.url), "SMS_TEMPLATES": "code=100001"}
    result = deliver_message(session, message.id, LogMailer(), sms=transport_for(env))
    assert result.status == OutboxStatus.PENDING and "complaint_received" in result.error
    assert "SMS_TEMPLATES" in message.last_error and sms_standin.requests == []
