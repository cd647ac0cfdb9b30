"""Staff: what I may start, starting a case, a case's summary and timeline, comments and photos on it."""
from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from io import BytesIO

from flask import abort, current_app, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine import (
    CASE_STATUSES,
    Attachment,
    CaseQuery,
    EngineError,
    FileStore,
    Instance,
    add_comment,
    attach,
    attachments_of,
    decode_key,
    encode_key,
    events_of,
    find_startable,
    property_ids,
    search_cases,
    start_instance,
    startable,
)

from ..db import get_session
from . import auth
from .errors import engine_error
from .tasks import BEARER, case_dump

blp = Blueprint("员工工单", __name__, url_prefix="/api/v1", description="员工:可发起的流程、发起工单、工单详情")


class StartableSchema(Schema):
    property = fields.String(required=True, metadata={"description": "物业项目代码"})
    property_name = fields.String(required=True)
    process = fields.String(required=True)
    process_name = fields.String(required=True)


class StartableListSchema(Schema):
    items = fields.List(fields.Nested(StartableSchema), required=True)


class StartSchema(Schema):
    property = fields.String(required=True, validate=validate.Length(1, 32), metadata={"description": "物业项目代码"})
    process = fields.String(required=True, validate=validate.Length(1, 64), metadata={"description": "流程,如 repair"})
    data = fields.Dict(load_default=dict, metadata={"description": "发起表单数据,须符合流程的发起表单"})


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    case_no = fields.String(required=True)
    status = fields.String(required=True)
    current_step = fields.String(allow_none=True)
    summary = fields.Dict()
    reported = fields.Dict()
    reported_by = fields.String(allow_none=True)
    instructions = fields.String(allow_none=True)
    steps = fields.List(fields.Dict(), metadata={"description": "已办步骤,最新在前"})
    timeline = fields.List(fields.Dict(), metadata={"description": "审计时间线:时间、类别、步骤、办理人"})
    attachments = fields.List(fields.Dict())


class CommentSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 2000), metadata={"description": "留言内容"})


CASE_EXAMPLE = {"id": 12, "case_no": "P001-BX-20261125-0003", "status": "running", "current_step": "维修",
                "summary": {"room": "3栋1201"}, "reported": {"content": "厨房水管漏水"}, "reported_by": "业户 138****1111",
                "instructions": None, "steps": [], "timeline": [{"at": "2026-11-25T08:00:00+00:00", "kind": "started",
                                                                  "task": None, "actor": "业户 138****1111"}],
                "attachments": []}


class SearchQuery(Schema):
    q = fields.String(validate=validate.Length(1, 100), metadata={"description": "工单号、业户姓名、电话或房号(任一部分)"})
    property = fields.Integer(validate=validate.Range(1, 2**31 - 1), metadata={"description": "物业项目 id"})
    process = fields.String(validate=validate.Length(1, 64), metadata={"description": "流程,如 repair"})
    status = fields.String(validate=validate.OneOf(CASE_STATUSES), metadata={"description": "工单状态"})
    since = fields.Date(data_key="from", metadata={"description": "登记日期起(含)"})
    until = fields.Date(data_key="to", metadata={"description": "登记日期止(含)"})
    late = fields.String(validate=validate.OneOf(("overdue", "escalated")),
                         metadata={"description": "overdue 有步骤已超时 / escalated 曾经超时升级"})
    limit = fields.Integer(load_default=25, validate=validate.Range(1, 100))
    after = fields.String(validate=validate.Length(1, 80), metadata={"description": "上一页返回的 next"})


class CaseRowSchema(Schema):
    id = fields.Integer(required=True)
    case_no = fields.String(required=True)
    property_id = fields.Integer(required=True)
    status = fields.String(required=True)
    current_step = fields.String(allow_none=True)
    summary = fields.Dict()
    created_at = fields.DateTime(required=True)


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseRowSchema), required=True)
    next = fields.String(allow_none=True, metadata={"description": "下一页的 after;没有下一页为 null"})


@blp.get("/cases")
@blp.doc(security=BEARER)
@blp.arguments(SearchQuery, location="query")
@blp.response(200, CaseListSchema, example={"items": [{"id": 12, "case_no": "P001-BX-20261125-0003", "property_id": 1,
                                                       "status": "running", "current_step": "维修",
                                                       "summary": {"room": "3栋1201"},
                                                       "created_at": "2026-11-25T08:00:00+00:00"}], "next": None})
def search(args):
    """工单查询

    与“工单查询”页面相同:我所在物业的工单,按登记时间从新到旧,按键分页。
    """
    session, user = get_session(), auth.staff()
    query = CaseQuery(text=(args.get("q") or "").strip() or None, property_id=args.get("property"),
                      process_key=args.get("process"), status=args.get("status"), since=args.get("since"),
                      until=args.get("until"), overdue=args.get("late") == "overdue",
                      escalated=args.get("late") == "escalated", after=_after(args.get("after")),
                      limit=args["limit"])
    page = search_cases(session, property_ids(session, user), query, datetime.now(UTC))
    return {"items": [{"id": c.id, "case_no": c.case_no, "property_id": c.property_id, "status": c.status.value,
                       "current_step": c.current_step, "summary": c.summary or {}, "created_at": c.created_at}
                      for c in page.rows], "next": _next(page.next_after)}


def _next(key) -> str | None:
    """The page key, URL-safe as it is (no '+' of a time zone to be read as a space)."""
    return base64.urlsafe_b64encode(encode_key(key).encode()).decode().rstrip("=") if key else None


def _after(text: str | None):
    try:
        return decode_key(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()) if text else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None  # a malformed key: the first page, as on the search page


@blp.get("/startable")
@blp.doc(security=BEARER)
@blp.response(200, StartableListSchema, example={"items": [{"property": "P001", "property_name": "阳光花园",
                                                            "process": "repair", "process_name": "报修"}]})
def list_startable():
    """我可发起的流程

    我在哪些物业项目可以发起哪些流程(与“新建工单”页面相同)。
    """
    return {"items": [{"property": s.property_code, "property_name": s.property_name, "process": s.process_key,
                       "process_name": s.process_name} for s in startable(get_session(), auth.staff())]}


def case_or_404(case_id: int) -> Instance:
    session = get_session()
    instance = session.get(Instance, case_id)
    if instance is None or instance.property_id not in property_ids(session, auth.staff()):
        abort(404)
    return instance


def full_case(instance: Instance) -> dict:
    session = get_session()
    return {**case_dump(instance),
            "timeline": [{"at": e.at.isoformat(), "kind": e.kind.value, "task": e.task_name, "actor": e.actor}
                         for e in events_of(session, instance.id)],
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type,
                             "uploaded_by": a.uploaded_by} for a in attachments_of(session, instance.id)]}


@blp.post("/cases")
@blp.doc(security=BEARER)
@blp.arguments(StartSchema, example={"property": "P001", "process": "repair",
                                     "data": {"room": "3栋1201", "content": "厨房水管漏水"}})
@blp.response(201, CaseSchema, example=CASE_EXAMPLE)
def start(body):
    """发起工单

    以我的身份发起一个流程;发起表单按 JSON Schema 逐字段校验(422)。我在该物业不能发起此流程时返回 404。
    """
    session, user = get_session(), auth.staff()
    if find_startable(session, user, body["property"], body["process"]) is None:
        abort(404)
    try:
        instance = start_instance(session, body["property"], body["process"], body["data"], user=user.username)
    except EngineError as exc:
        session.rollback()
        return engine_error(exc)
    session.commit()
    return full_case(instance)


@blp.get("/cases/<int(max=2147483647):case_id>")
@blp.doc(security=BEARER, operationId="getCase")
@blp.response(200, CaseSchema, example=CASE_EXAMPLE)
def get_case(case_id: int):
    """工单详情

    概况、已办步骤、审计时间线和附件;其他物业的工单返回 404。
    """
    return full_case(case_or_404(case_id))


@blp.post("/cases/<int(max=2147483647):case_id>/comments")
@blp.doc(security=BEARER, operationId="commentCase")
@blp.arguments(CommentSchema, example={"text": "已联系业户,明早上门"})
@blp.response(201, CaseSchema, example=CASE_EXAMPLE)
def comment(body, case_id: int):
    """在工单上留言"""
    session, user = get_session(), auth.staff()
    instance = case_or_404(case_id)
    try:
        add_comment(session, instance.id, body["text"], user=user.username)
    except EngineError as exc:
        session.rollback()
        return engine_error(exc)
    session.commit()
    return full_case(instance)


class PhotoForm(Schema):
    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "description": "照片或 PDF"})


@blp.post("/cases/<int(max=2147483647):case_id>/attachments")
@blp.doc(security=BEARER)
@blp.arguments(PhotoForm, location="files")
@blp.response(201, CaseSchema, example=CASE_EXAMPLE)
def upload(files, case_id: int):
    """给工单添加照片或 PDF

    multipart/form-data,字段 photo;类型和大小与页面相同的限制(400 说明原因)。
    """
    session, user = get_session(), auth.staff()
    instance = case_or_404(case_id)
    upload = files["photo"]
    try:
        attach(session, FileStore(current_app.config["ATTACHMENT_DIR"]), instance.id,
               (upload.filename or "photo").replace("\x00", ""), upload.read(), user=user.username,
               allowed_types=current_app.config["ATTACHMENT_TYPES"], max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"])
    except EngineError as exc:
        session.rollback()
        return engine_error(exc)
    session.commit()
    return full_case(instance)


@blp.get("/cases/<int(max=2147483647):case_id>/attachments/<int(max=2147483647):attachment_id>")
@blp.doc(security=BEARER)
@blp.response(200, description="附件文件(照片或 PDF)", content_type="application/octet-stream")
def download(case_id: int, attachment_id: int):
    """下载工单附件

    工单详情 attachments 中的一个文件;其他物业的工单返回 404。
    """
    instance = case_or_404(case_id)
    row = get_session().get(Attachment, attachment_id)
    if row is None or row.instance_id != instance.id:
        abort(404)
    try:
        data = FileStore(current_app.config["ATTACHMENT_DIR"]).read(row.storage_key)
    except FileNotFoundError:
        abort(404)
    response = send_file(BytesIO(data), mimetype=row.content_type, as_attachment=True, download_name=row.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
