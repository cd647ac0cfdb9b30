"""Staff: my tasks (the inbox's filters, keyset pages), one task (form schema, case summary, ETag), claim, release,
complete — the same engine services and access rules as the task pages."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import abort, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine import (
    EngineError,
    HumanTask,
    InboxQuery,
    Instance,
    brief,
    can_work,
    claim,
    complete_task,
    excluded_from,
    holders,
    inbox,
    is_supervisor,
    lanes_by_property,
    lock_task,
    next_task_for,
    page_key,
    property_ids,
    read_page_key,
    reassign,
    release,
    version_info,
)

from ..db import get_session
from . import auth
from .errors import engine_error, error

blp = Blueprint("员工待办", __name__, url_prefix="/api/v1", description="员工:我的待办、表单、认领、办理")
BEARER = [{"bearerAuth": []}]
DUE = ("overdue", "soon", "escalated")


class TaskQuery(Schema):
    view = fields.String(load_default="mine", validate=validate.OneOf(("mine", "team", "property")),
                         metadata={"description": "mine 我的(含本岗位未认领)/ team 本岗位全部 / property 所管物业全部"})
    property = fields.Integer(validate=validate.Range(1, 2**31 - 1), metadata={"description": "物业项目 id"})
    process = fields.String(validate=validate.Length(1, 64), metadata={"description": "流程,如 repair"})
    task = fields.String(validate=validate.Length(1, 128), metadata={"description": "步骤名,如 repair_work"})
    due = fields.String(validate=validate.OneOf(DUE), metadata={"description": "overdue 已超时 / soon 即将到期 / "
                                                                              "escalated 已升级"})
    q = fields.String(validate=validate.Length(1, 100), metadata={"description": "搜索:工单号、业户、电话、房号"})
    limit = fields.Integer(load_default=25, validate=validate.Range(1, 100), metadata={"description": "每页条数"})
    after = fields.String(validate=validate.Length(1, 200), metadata={"description": "上一页返回的 next(按键分页)"})


class TaskSchema(Schema):
    id = fields.String(required=True)
    case_id = fields.Integer(required=True)
    case_no = fields.String(required=True)
    property_id = fields.Integer(required=True)
    process = fields.String(required=True)
    task = fields.String(required=True, metadata={"description": "步骤名"})
    title = fields.String(required=True, metadata={"description": "步骤标题"})
    role = fields.String(allow_none=True, metadata={"description": "办理岗位"})
    assignee = fields.String(allow_none=True, metadata={"description": "认领人账号,未认领为 null"})
    due_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    summary = fields.Dict(metadata={"description": "工单摘要(业户、房号、内容…)"})


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "符合条件的总数"})
    next = fields.String(allow_none=True, metadata={"description": "下一页的 after 参数;没有下一页为 null"})


class TaskDetailSchema(TaskSchema):
    version = fields.Integer(required=True, metadata={"description": "工单版本;办理时放在 If-Match 中,过期返回 409"})
    may_work = fields.Boolean(required=True, metadata={"description": "我能否办理此步骤"})
    form = fields.Dict(allow_none=True, metadata={"description": "此步骤表单的 JSON Schema"})
    case = fields.Dict(required=True, metadata={"description": "工单概况:状态、当前步骤、已办步骤"})


class CompleteSchema(Schema):
    data = fields.Dict(required=True, metadata={"description": "表单数据,须符合 form 的 JSON Schema"})


class ReassignSchema(Schema):
    to = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64),
                       metadata={"description": "交给谁(员工账号);null 放回岗位"})


class DoneSchema(Schema):
    case_id = fields.Integer(required=True)
    case_no = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "running / completed / cancelled"})
    current_step = fields.String(allow_none=True)
    next_task = fields.String(allow_none=True, metadata={"description": "我接下来可办的步骤 id(如有)"})


TASK_EXAMPLE = {"id": "9f1c…", "case_id": 12, "case_no": "P001-BX-20261125-0003", "property_id": 1,
                "process": "repair", "task": "repair_work", "title": "维修", "role": "engineering",
                "assignee": None, "due_at": "2026-11-25T10:00:00+00:00", "created_at": "2026-11-25T08:00:00+00:00",
                "summary": {"room": "3栋1201", "content": "厨房水管漏水"}}


def _after(text: str | None):
    if not text:
        return None
    key = read_page_key(text)
    if key is None:
        abort(error(422, "invalid", errors={"after": "分页参数无效" if _zh() else "Not a valid page key."}))
    return key


def _zh() -> bool:
    return (request.accept_languages.best_match(("zh", "en"), default="zh") or "zh") == "zh"


def task_dump(row: HumanTask, summary: dict | None = None) -> dict:
    return {"id": row.id, "case_id": row.instance_id, "case_no": row.case_no, "property_id": row.property_id,
            "process": row.process_key, "task": row.task_name, "title": row.title, "role": row.lane,
            "assignee": row.assignee, "due_at": row.due_at, "created_at": row.created_at, "summary": summary or {}}


@blp.get("/tasks")
@blp.doc(security=BEARER)
@blp.arguments(TaskQuery, location="query")
@blp.response(200, TaskPageSchema, example={"items": [TASK_EXAMPLE], "total": 1, "next": None})
def my_tasks(args):
    """我的待办

    与待办页面相同的范围和筛选(视图、物业、流程、步骤、到期、搜索),按到期时间排序;
    按键分页:把返回的 next 作为下一次的 after。
    """
    session, user = get_session(), auth.staff()
    due = args.get("due")
    query = InboxQuery(view=args["view"], property_id=args.get("property"), process_key=args.get("process"),
                       task_name=args.get("task"), overdue=due == "overdue", due_soon=due == "soon",
                       escalated=due == "escalated", search=(args.get("q") or "").strip() or None,
                       per_page=args["limit"], after=_after(args.get("after")))
    page = inbox(session, user, query, datetime.now(UTC))
    rows = page.rows
    ids = {r.instance_id for r in rows}
    summaries = {i.id: i.summary for i in session.query(Instance).filter(Instance.id.in_(ids))} if ids else {}
    return {"items": [task_dump(r, summaries.get(r.instance_id)) for r in rows], "total": page.total,
            "next": page_key(rows[-1]) if page.more else None}


def task_or_404(task_id: str) -> tuple[HumanTask, Instance]:
    """The open task and its case if the caller works at its property, else 404 (whether it exists or not)."""
    session, user = get_session(), auth.staff()
    task = session.get(HumanTask, task_id)
    if task is None or task.property_id not in property_ids(session, user):
        abort(404)
    return task, session.get_one(Instance, task.instance_id)


def _schema(instance: Instance, form: str | None) -> dict | None:
    text = version_info(get_session(), instance.version_id).files.get(form) if form else None
    return json.loads(text) if text else None


def case_dump(instance: Instance, task_name: str | None = None) -> dict:
    case_brief = brief(get_session(), instance, task_name)
    return {"id": instance.id, "case_no": instance.case_no, "status": instance.status.value,
            "current_step": instance.current_step, "summary": instance.summary or {},
            "reported": case_brief.reported, "reported_by": case_brief.reported_by,
            "instructions": case_brief.instructions,
            "steps": [{"at": s.at.isoformat(), "task": s.task_name, "title": s.title, "actor": s.actor, "data": s.data}
                      for s in case_brief.steps]}


def _may_work(task: HumanTask) -> bool:
    user = auth.staff()
    return (can_work(get_session(), user, task) and task.assignee in (None, user.username)
            and not excluded_from(task, user.username))


@blp.get("/tasks/<task_id>")
@blp.doc(security=BEARER, operationId="getTask")
@blp.response(200, TaskDetailSchema, example={**TASK_EXAMPLE, "version": 3, "may_work": True,
                                              "form": {"type": "object", "properties": {}},
                                              "case": {"status": "running", "current_step": "维修"}},
              description="步骤详情;响应头 ETag 为工单版本")
def get_task(task_id: str):
    """一个待办:表单和工单概况

    返回此步骤表单的 JSON Schema、工单概况和已办步骤,以及版本号(响应头 ETag)。
    其他物业的待办返回 404。
    """
    task, instance = task_or_404(task_id)
    body = {**task_dump(task, instance.summary), "version": instance.lock_version, "may_work": _may_work(task),
            "form": _schema(instance, task.form), "case": case_dump(instance, task.task_name)}
    return body, 200, {"ETag": f'"{instance.lock_version}"'}


def _check_version(instance: Instance) -> None:
    """If-Match (or ?version) older than the case: 409, not a lost update."""
    asked = (request.headers.get("If-Match") or request.args.get("version") or "").strip().strip('W/').strip('"')
    if asked and asked != str(instance.lock_version):
        abort(error(409, "stale", "工单已被他人更新,请刷新后重试。" if _zh() else
                    "The case changed since you read it; reload and try again."))


def _assigned(instance: Instance, action):
    """Run a claim, release or reassign; commit and answer the task, or roll back and answer why not."""
    session = get_session()
    try:
        row = action()
    except EngineError as exc:  # Conflict (held meanwhile), NotAllowed, NotFound
        session.rollback()
        return engine_error(exc)
    session.commit()
    return task_dump(row, instance.summary)


@blp.post("/tasks/<task_id>/claim")
@blp.doc(security=BEARER, operationId="claimTask")
@blp.response(200, TaskSchema, example={**TASK_EXAMPLE, "assignee": "eng1"})
def claim_task(task_id: str):
    """认领待办

    认领本岗位的待办;已被他人认领返回 409,不是我的岗位返回 403。
    """
    session, user = get_session(), auth.staff()
    task, instance = task_or_404(task_id)
    if not can_work(session, user, task):
        abort(403)
    _check_version(instance)
    return _assigned(instance, lambda: claim(session, task.id, user.username))


@blp.post("/tasks/<task_id>/release")
@blp.doc(security=BEARER)
@blp.response(200, TaskSchema, example=TASK_EXAMPLE)
def release_task(task_id: str):
    """放弃认领

    放弃我认领的待办,待办放回岗位;主管可把他人认领的待办放回岗位。
    """
    session, user = get_session(), auth.staff()
    task, instance = task_or_404(task_id)
    if task.assignee != user.username and not is_supervisor(user, task.property_id):
        abort(403)
    return _assigned(instance, lambda: release(session, task.id, user.username) if task.assignee == user.username
                     else reassign(session, task.id, None, by=user.username))


@blp.post("/tasks/<task_id>/reassign")
@blp.doc(security=BEARER)
@blp.arguments(ReassignSchema, example={"to": "eng1b"})
@blp.response(200, TaskSchema, example={**TASK_EXAMPLE, "assignee": "eng1b"})
def reassign_task(body, task_id: str):
    """改派(主管)

    主管把待办交给本岗位的另一位员工,或放回岗位(to 为 null);不是主管返回 403,
    对方不在该岗位返回 422。
    """
    session, user = get_session(), auth.staff()
    task, instance = task_or_404(task_id)
    if not is_supervisor(user, task.property_id):
        abort(403)
    to = body.get("to")
    if to is not None and to not in {u.username for u in holders(session, task.property_id, task.lane)}:
        return error(422, "invalid", errors={"to": "此人不在该岗位" if _zh() else "Not a holder of the task's role."})
    _check_version(instance)
    return _assigned(instance, lambda: reassign(session, task.id, to, by=user.username))


@blp.post("/tasks/<task_id>/complete")
@blp.doc(security=BEARER, operationId="completeTask", parameters=[{"in": "header", "name": "If-Match", "required": False,
                                       "schema": {"type": "string"}, "description": "GET 返回的 ETag(工单版本)"}])
@blp.arguments(CompleteSchema, example={"data": {"work_done": "更换角阀", "materials": "角阀 1 个"}})
@blp.response(200, DoneSchema, example={"case_id": 12, "case_no": "P001-BX-20261125-0003", "status": "running",
                                        "current_step": "业户签字确认", "next_task": None})
def complete(body, task_id: str):
    """办理(提交表单)

    与页面相同的校验:表单按 JSON Schema 逐字段报错(422,errors 中每个字段一条);
    不是我的岗位、回避(公正性)返回 403;已被他人认领、已办结或版本过期(If-Match)返回 409。
    """
    session, user = get_session(), auth.staff()
    locked = lock_task(session, task_id)  # the case locked with the task's row: one query
    if locked is None or locked[1].property_id not in property_ids(session, user):
        abort(404)
    instance, task = locked
    if not can_work(session, user, task):
        abort(403)
    _check_version(instance)
    try:
        done = complete_task(session, task.id, body["data"], user=user.username,
                             lanes=lanes_by_property(session, user).get(task.property_id, set()), locked=locked)
    except EngineError as exc:
        session.rollback()
        return engine_error(exc)
    session.commit()
    return {"case_id": done.id, "case_no": done.case_no, "status": done.status.value,
            "current_step": done.current_step, "next_task": next_task_for(session, user, done)}
