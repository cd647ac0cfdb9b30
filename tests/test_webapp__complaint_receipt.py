"""Registering a complaint in the web app: the received time may not lie ahead of now (a clear 400, nothing saved)."""
from library import clock, deploy_library, fast_validation  # noqa: F401 - fixtures
from sqlalchemy import select

from engine import AuditEvent, AuditKind, Instance

FORM = {"resident_name": "张三", "building_room": "3-1201", "contact_phone": "13800000000", "channel": "letter",
        "content": "楼道灯坏了一周没人修", "location": "3栋1单元12楼楼道"}


def test_a_received_time_ahead_of_now_is_refused_in_chinese(session, as_user, fast_validation, clock):
    deploy_library(session, "complaint")
    fd = as_user("fd1")
    page = fd.get("/cases/new/P001/complaint").get_data(as_text=True)
    assert "收到投诉时间" in page and "投诉地点" in page
    bad = fd.post("/cases/new/P001/complaint", data={**FORM, "received_at": "2026-11-23T11:00"})
    assert bad.status_code == 400 and "时间不能晚于现在" in bad.get_data(as_text=True)
    assert session.scalars(select(Instance)).all() == []
    session.commit()
    ok = fd.post("/cases/new/P001/complaint", data={**FORM, "received_at": "2026-11-20T17:00"})
    assert ok.status_code == 302
    case = session.scalars(select(Instance)).one()
    escalated = session.scalars(select(AuditEvent.task_name).where(
        AuditEvent.instance_id == case.id, AuditEvent.kind == AuditKind.ESCALATED)).all()
    assert escalated == ["confirm_receipt", "confirm_receipt"]  # received three days ago: overdue at once
