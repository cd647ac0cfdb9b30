"""Staff: the notices to my roles (escalations, reminders) as the inbox shows them, and putting one away."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from engine import NotFound, dismiss_notice, open_notices

from ..db import get_session
from . import auth
from .tasks import BEARER

blp = Blueprint("员工通知", __name__, url_prefix="/api/v1", description="员工:发给我岗位的通知(升级、提醒)")
DAYS = timedelta(days=7)  # as far back as the inbox looks


class NoticeSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    case_id = fields.Integer(required=True)
    case_no = fields.String(required=True)
    to = fields.String(required=True, metadata={"description": "收件岗位"})
    message = fields.String(required=True)


class NoticeListSchema(Schema):
    items = fields.List(fields.Nested(NoticeSchema), required=True)


@blp.get("/notices")
@blp.doc(security=BEARER)
@blp.response(200, NoticeListSchema, example={"items": [{"id": 88, "at": "2026-11-25T08:00:00+00:00", "case_id": 12,
                                                         "case_no": "P001-TS-20261125-0001", "to": "cs_supervisor",
                                                         "message": "投诉 P001-TS-20261125-0001 已超时,请督办"}]})
def notices():
    """我的通知

    近 7 天发给我所在岗位、工单仍在办理中的通知(与待办页面上方相同),未被我收起的。
    """
    session, user = get_session(), auth.staff()
    rows = open_notices(session, user, datetime.now(UTC) - DAYS, limit=50)
    return {"items": [{"id": n.event_id, "at": n.at, "case_id": n.instance_id, "case_no": n.case_no, "to": n.to,
                       "message": n.message} for n in rows]}


@blp.post("/notices/<int(max=2147483647):notice_id>/dismiss")
@blp.doc(security=BEARER)
@blp.response(204, description="已收起")
def dismiss(notice_id: int):
    """收起一条通知

    收起后不再出现在我的通知中(同一工单上的同一通知一并收起)。不是发给我岗位的通知返回 404。
    """
    session, user = get_session(), auth.staff()
    try:
        dismiss_notice(session, user, notice_id)
    except NotFound:
        abort(404)
    session.commit()
    return ""
