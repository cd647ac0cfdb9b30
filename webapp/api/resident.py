"""Residents: sign in by SMS code, my households and cases, report, status and timeline, photos, comments,
answer a callback, sign off — the same services (``engine.residents``) as the phone portal's pages."""
from __future__ import annotations

import base64
import binascii
from io import BytesIO

from flask import abort, current_app, request, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine import Attachment, EngineError, FileStore, add_comment, api_tokens, attach, attachments_of
from engine import resident_access as access
from engine import resident_portal as portal
from engine import resident_signin as signin
from engine import sms_policy as policy

from ..db import get_session
from ..resident import REFUSALS
from ..resident_pages import REPAIR_CATEGORIES, RESIDENT_MESSAGES
from ..security import limiter
from . import auth
from .errors import engine_error, error

blp = Blueprint("业户", __name__, url_prefix="/api/v1", description="业户:短信验证码登录、我的事项、报修投诉、评价、签字")
BEARER = [{"bearerAuth": []}]
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


class CodeRequest(Schema):
    phone = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "手机号"})


class SentSchema(Schema):
    sent = fields.Boolean(required=True, metadata={"description": "已受理(未登记的号码同样回答,但不发短信)"})


class TokenRequest(Schema):
    phone = fields.String(required=True, validate=validate.Length(1, 20))
    code = fields.String(required=True, validate=validate.Length(1, 10), metadata={"description": "短信中的 6 位验证码"})
    name = fields.String(load_default="", validate=validate.Length(0, 100), metadata={"description": "设备备注"})


class ResidentTokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class HouseholdSchema(Schema):
    id = fields.Integer(required=True)
    property_id = fields.Integer(required=True)
    building = fields.String(allow_none=True)
    room = fields.String(allow_none=True)


class ResidentCaseSchema(Schema):
    case_no = fields.String(required=True)
    headline = fields.String(required=True, metadata={"description": "如“报修:厨房水管漏水”"})
    status = fields.String(required=True, metadata={"description": "进度(白话)"})
    state = fields.String(required=True, metadata={"description": "running / completed / cancelled"})
    due_at = fields.DateTime(allow_none=True, metadata={"description": "下一步承诺时间"})
    promise = fields.String(allow_none=True, metadata={"description": "如“工程师将于 14:30 前到场”"})
    waiting_for_me = fields.String(allow_none=True, metadata={"description": "rate 待评价 / signoff 待签字 / null"})


class ResidentCaseDetailSchema(ResidentCaseSchema):
    timeline = fields.List(fields.Dict(), required=True, metadata={"description": "时间线:at、text、mine"})
    photos = fields.List(fields.Dict(), required=True, metadata={"description": "我上传的照片:id、filename"})


class HomeSchema(Schema):
    households = fields.List(fields.Nested(HouseholdSchema), required=True)
    cases = fields.List(fields.Nested(ResidentCaseSchema), required=True)


class ReportSchema(Schema):
    kind = fields.String(load_default="repair", validate=validate.OneOf(portal.KINDS),
                         metadata={"description": "repair 报修 / complaint 投诉"})
    household = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1), metadata={"description": "我的房屋 id(见 GET /me)"})
    content = fields.String(required=True, validate=validate.Length(2, 2000), metadata={"description": "问题描述"})
    category = fields.String(load_default="other", validate=validate.OneOf(REPAIR_CATEGORIES),
                             metadata={"description": "报修类别"})


class ResidentCommentSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 2000))


class RatingSchema(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(("A", "B", "C")),
                           metadata={"description": "A 满意 / B 基本满意 / C 不满意"})
    comment = fields.String(load_default="", validate=validate.Length(0, 500))


class SignoffSchema(Schema):
    signature = fields.String(required=True, validate=validate.Length(1, 2_000_000),
                              metadata={"description": "手写签名 PNG 的 base64(可带 data:image/png;base64, 前缀)"})
    accepted = fields.Boolean(load_default=True, metadata={"description": "是否已修好"})
    note = fields.String(load_default="", validate=validate.Length(0, 500), metadata={"description": "未修好时说明"})


class SmsSchema(Schema):
    notices = fields.Boolean(required=True, metadata={"description": "是否接收进度短信(验证码短信总会发送)"})


class ResidentPhotoForm(Schema):
    photo = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "description": "照片"})


CASE_EXAMPLE = {"case_no": "P001-BX-20261125-0003", "headline": "报修:厨房水管漏水", "status": "工程师正在赶来",
                "state": "running", "due_at": "2026-11-25T06:30:00+00:00", "promise": "工程师将于 14:30 前到场",
                "waiting_for_me": None}
DETAIL_EXAMPLE = {**CASE_EXAMPLE, "timeline": [{"at": "2026-11-25T06:00:00+00:00", "text": "已登记", "mine": True}],
                  "photos": [{"id": 5, "filename": "leak.jpg"}]}


def _refused(exc: signin.SignInRefused):
    if exc.code == "wait":
        return error(429, "wait", f"验证码刚刚发出,请 {exc.params['seconds']} 秒后再试。"
                     if _zh() else f"A code was sent a moment ago; wait {exc.params['seconds']} seconds.")
    status = 429 if exc.code == "too_many" else 400
    return error(status, exc.code or "wrong_code", str(REFUSALS.get(exc.code or "", REFUSALS["wrong_code"])))


def _zh() -> bool:
    return (request.accept_languages.best_match(("zh", "en"), default="zh") or "zh") == "zh"


def _rate():
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.post("/resident/code")
@limiter.limit(_rate)
@blp.arguments(CodeRequest, example={"phone": "13800001111"})
@blp.response(202, SentSchema, example={"sent": True})
def request_code(body):
    """业户:获取短信验证码

    向登记在业户信息中的手机号发送 6 位验证码(10 分钟内有效);未登记的号码得到相同回答但不发短信。
    同一号码每分钟 1 次,另有每小时、每天上限(429)。
    """
    session = get_session()
    try:
        signin.request_code(session, body["phone"].strip(), request.remote_addr or "unknown")
    except signin.SignInRefused as exc:
        session.rollback()
        return _refused(exc)
    session.commit()
    return {"sent": True}


@blp.post("/resident/token")
@limiter.limit(_rate)
@blp.arguments(TokenRequest, example={"phone": "13800001111", "code": "123456", "name": "微信小程序"})
@blp.response(201, ResidentTokenSchema, example={"token": "pf_…", "expires_at": "2026-12-25T08:00:00+00:00"})
def token(body):
    """业户:用验证码换取令牌

    验证码正确则返回 resident 令牌(只返回这一次);错误或过期返回 400,每个验证码最多试 5 次。
    """
    session = get_session()
    try:
        person = signin.verify(session, body["phone"].strip(), body["code"])
    except signin.SignInRefused as exc:
        session.commit()  # the attempt counts
        return _refused(exc)
    row, secret = api_tokens.issue(session, "resident", person.phone, name=body["name"],
                                   days=current_app.config["SETTINGS"].api_token_days)
    session.commit()
    return {"token": secret, "expires_at": row.expires_at}


def _case_dump(instance) -> dict:
    session = get_session()
    state, due = portal.status(session, instance)
    return {"case_no": instance.case_no, "headline": portal.headline(session, instance), "status": state,
            "state": instance.status.value, "due_at": due, "promise": portal.promise(session, instance),
            "waiting_for_me": portal.waiting_for_me(session, instance)}


def _detail(instance) -> dict:
    session, person = get_session(), auth.resident()
    mine = portal.actor(person)
    return {**_case_dump(instance),
            "timeline": [{"at": s.at.isoformat(), "text": s.text, "mine": s.mine}
                         for s in portal.timeline(session, instance, person)],
            "photos": [{"id": a.id, "filename": a.filename} for a in attachments_of(session, instance.id)
                       if a.uploaded_by == mine]}


@blp.get("/me")
@blp.doc(security=BEARER)
@blp.response(200, HomeSchema, example={"households": [{"id": 3, "property_id": 1, "building": "3栋",
                                                         "room": "1201"}], "cases": [CASE_EXAMPLE]})
def home():
    """业户:我的房屋和事项

    我登记的房屋,以及这些房屋的报修、投诉(最新在前)和各自进度。
    """
    session, person = get_session(), auth.resident()
    return {"households": [{"id": h.id, "property_id": h.property_id, "building": h.building, "room": h.room}
                           for h in access.my_households(session, person)],
            "cases": [_case_dump(c) for c in access.cases(session, person)]}


def case_or_404(case_no: str):
    try:
        return access.case_for(get_session(), auth.resident(), case_no)
    except EngineError:
        abort(404)


def _explain(exc: EngineError):
    code = getattr(exc, "code", None) or ""
    if code in RESIDENT_MESSAGES and not isinstance(exc, signin.SignInRefused):
        return error(400 if code != "nothing_due" else 409, code, str(RESIDENT_MESSAGES[code]))
    return engine_error(exc)


@blp.post("/me/cases")
@blp.doc(security=BEARER)
@blp.arguments(ReportSchema, example={"kind": "repair", "household": 3, "content": "厨房水管漏水",
                                      "category": "water_leak"})
@blp.response(201, ResidentCaseDetailSchema, example=DETAIL_EXAMPLE)
def report(body):
    """业户:报修或投诉

    为我的一处房屋登记报修或投诉(与前台登记走同一流程);照片随后用 POST /me/cases/{case_no}/photos 上传。
    """
    session, person = get_session(), auth.resident()
    try:
        instance = portal.report(session, person, body["household"], body["kind"], body["content"], body["category"])
    except EngineError as exc:
        session.rollback()
        return _explain(exc)
    session.commit()
    return _detail(instance)


@blp.get("/me/cases/<case_no>")
@blp.doc(security=BEARER, operationId="myCase")
@blp.response(200, ResidentCaseDetailSchema, example=DETAIL_EXAMPLE)
def case(case_no: str):
    """业户:一件事项的进度和时间线

    不是我房屋的事项一律 404。
    """
    return _detail(case_or_404(case_no))


def _act(case_no: str, action):
    session = get_session()
    instance = case_or_404(case_no)
    try:
        action(session, instance)
    except EngineError as exc:
        session.rollback()
        return _explain(exc)
    session.commit()
    return _detail(instance)


@blp.post("/me/cases/<case_no>/photos")
@blp.doc(security=BEARER)
@blp.arguments(ResidentPhotoForm, location="files")
@blp.response(201, ResidentCaseDetailSchema, example=DETAIL_EXAMPLE)
def photo(files, case_no: str):
    """业户:上传照片

    multipart/form-data,字段 photo;JPEG、PNG 或 WebP,大小与页面相同的上限。
    """
    person, upload = auth.resident(), files["photo"]
    store = FileStore(current_app.config["ATTACHMENT_DIR"])
    name = (upload.filename or "photo.jpg").replace("\x00", "")
    return _act(case_no, lambda db, c: attach(db, store, c.id, name, upload.read(),
                                              user=portal.actor(person), allowed_types=PHOTO_TYPES,
                                              max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))


@blp.get("/me/cases/<case_no>/photos/<int(max=2147483647):photo_id>")
@blp.doc(security=BEARER)
@blp.response(200, description="照片文件", content_type="image/jpeg")
def photo_file(case_no: str, photo_id: int):
    """业户:下载我上传的照片"""
    instance, person = case_or_404(case_no), auth.resident()
    row = get_session().get(Attachment, photo_id)
    if row is None or row.instance_id != instance.id or row.uploaded_by != portal.actor(person):
        abort(404)
    try:
        data = FileStore(current_app.config["ATTACHMENT_DIR"]).read(row.storage_key)
    except FileNotFoundError:
        abort(404)
    return send_file(BytesIO(data), mimetype=row.content_type, download_name=row.filename)


@blp.post("/me/cases/<case_no>/comments")
@blp.doc(security=BEARER, operationId="commentMyCase")
@blp.arguments(ResidentCommentSchema, example={"text": "下午两点后家里有人"})
@blp.response(201, ResidentCaseDetailSchema, example=DETAIL_EXAMPLE)
def comment(body, case_no: str):
    """业户:留言"""
    person = auth.resident()
    return _act(case_no, lambda db, c: add_comment(db, c.id, body["text"], user=portal.actor(person)))


@blp.post("/me/cases/<case_no>/rating")
@blp.doc(security=BEARER, operationId="rateMyCase")
@blp.arguments(RatingSchema, example={"rating": "A", "comment": "师傅很专业"})
@blp.response(200, ResidentCaseDetailSchema, example=DETAIL_EXAMPLE)
def rate(body, case_no: str):
    """业户:回访评价

    事项处于回访时,业户直接评价(A/B/C);C 与电话回访的不满意同样处理。没有待评价的回访返回 409。
    """
    person = auth.resident()
    return _act(case_no, lambda db, c: portal.answer_callback(db, person, c, body["rating"], body["comment"].strip()))


@blp.post("/me/cases/<case_no>/signoff")
@blp.doc(security=BEARER)
@blp.arguments(SignoffSchema, example={"signature": "data:image/png;base64,iVBORw0KGgo…", "accepted": True})
@blp.response(200, ResidentCaseDetailSchema, example=DETAIL_EXAMPLE)
def signoff(body, case_no: str):
    """业户:维修签字确认

    维修完成后业户在线签字(PNG 签名图);未修好须说明原因。没有待签字的维修返回 409。
    """
    person, text = auth.resident(), body["signature"]
    try:
        png = base64.b64decode(text.split(",", 1)[1] if text.startswith("data:") else text, validate=True)
    except (binascii.Error, ValueError):
        png = b""
    if not png:
        return error(422, "invalid", errors={"signature": "签名图片无效" if _zh() else "Not a PNG image."})
    store = FileStore(current_app.config["ATTACHMENT_DIR"])
    return _act(case_no, lambda db, c: portal.sign_off(db, store, person, c, png, body["accepted"], body["note"],
                                                       max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))


@blp.post("/me/sms")
@blp.doc(security=BEARER)
@blp.arguments(SmsSchema, example={"notices": False})
@blp.response(200, SmsSchema, example={"notices": False})
def sms(body):
    """业户:开关进度短信

    停止或恢复接收事项进度短信(与门户页面相同)。
    """
    session, person = get_session(), auth.resident()
    if body["notices"]:
        policy.opt_in(session, person.phone)
    else:
        policy.opt_out(session, person.phone, "resident")
    session.commit()
    return {"notices": not policy.opted_out(session, person.phone)}
