"""What a resident does on the portal: report, follow, comment, add photos, rate the callback, sign off.

Every action goes through the same engine services as the front desk
(``start_instance`` with the process's start form, ``complete_task``, ``casefiles``), as
the actor ``业户 138****0000``. The caller checks access first (``access.case_for``) and commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import files as casefiles
from engine.cases.lifecycle import complete_task
from engine.cases.step import start_instance
from engine.exceptions import NotAllowed
from engine.org import households
from engine.residents import access
from engine.residents.access import Resident
from engine.storage.models import AuditEvent, AuditKind, HumanTask, Instance, InstanceStatus, Property
from engine.storage.models._types import utcnow

CALLBACK_TASKS = ("cb_phone", "cb_visit", "cb_meeting", "cb_await_reply")
SIGNOFF_TASK = "signoff"
KINDS = ("repair", "complaint")
ONLINE = "业户在线答复"  # what the staff's callback record says when the resident answered here


@dataclass(frozen=True)
class Step:
    """One line of a case's timeline as the resident reads it."""

    at: datetime
    text: str
    mine: bool = False


def actor(resident: Resident) -> str:
    """``业户 138****0000``: the resident as the staff's timeline names them."""
    return f"业户 {resident.phone[:3]}****{resident.phone[-4:]}"


def report(session: Session, resident: Resident, household_id: int, kind: str, content: str,
           repair_category: str = "other", now: datetime | None = None) -> Instance:
    """Start a repair or complaint about one of the resident's households, as reported online."""
    if kind not in KINDS:
        raise NotAllowed(f"cannot report a {kind!r}", code="report_kind")
    if household_id not in resident.household_ids:
        raise NotAllowed("not your household", code="not_your_household")
    household = access.my_households(session, resident)[resident.household_ids.index(household_id)]
    person = next((m for m in household.members if m.phone == resident.phone), None)
    data = {**households.contact(household), "contact_phone": resident.phone, "content": (content or "").strip()}
    if person is not None:
        data["resident_name"] = person.name
        data["resident_type"] = person.relation if person.relation != "family" else "other"
    if kind == "repair":
        data.update(repair_category=repair_category, safety_risk=False, channel="online", source="resident")
    else:
        data.update(channel="online")
    prop = session.get_one(Property, household.property_id)
    instance = start_instance(session, prop.code, kind, data, user=actor(resident), now=now)
    households.link_started(session, instance, reported_by=resident.phone)
    return instance


def headline(session: Session, instance: Instance) -> str:
    """``报修:厨房水管漏水``: what the case is about, from its start (kind and the first words of its content)."""
    from engine.library import specs
    from engine.messages.sms.resident_notices import CASE_KINDS

    kind = CASE_KINDS.get(specs.version_info(session, instance.version_id).process_key, "事项")
    started = session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                       AuditEvent.kind == AuditKind.STARTED).limit(1)).first()
    content = str(((started.data or {}).get("data") or {}).get("content", "")) if started else ""
    return f"{kind}:{content[:40]}{'…' if len(content) > 40 else ''}" if content else kind


def open_tasks(session: Session, instance: Instance) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                .order_by(HumanTask.due_at.is_(None), HumanTask.due_at)))


def waiting_for_me(session: Session, instance: Instance) -> str | None:
    """``rate`` when a callback is due, ``signoff`` when a repair waits for the resident's signature."""
    names = {t.task_name for t in open_tasks(session, instance)}
    if names & set(CALLBACK_TASKS):
        return "rate"
    if SIGNOFF_TASK in names:
        return "signoff"
    return None


def answer_callback(session: Session, resident: Resident, instance: Instance, rating: str, comment: str,
                    now: datetime | None = None) -> Instance:
    """Complete the open callback task with the resident's rating; C goes on as a phoned-in C does."""
    if rating not in ("A", "B", "C"):
        raise NotAllowed("rating must be A, B or C", code="rating")
    task = _task(session, instance, CALLBACK_TASKS)
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(instance.property.timezone or "Asia/Shanghai"))
    data: dict[str, object] = {"callback_content": f"{ONLINE}:{comment}" if comment else ONLINE, "rating": rating,
            "resident_signature": f"{ONLINE}({actor(resident)})", "callback_staff": ONLINE,
            "callback_date": local.date().isoformat()}
    if task.task_name != "cb_await_reply":
        data["reached"] = True
    return complete_task(session, task.id, data, user=actor(resident), now=now)


def sign_off(session: Session, files: casefiles.FileStore, resident: Resident, instance: Instance, signature: bytes,
             accepted: bool, note: str, *, max_bytes: int, now: datetime | None = None) -> Instance:
    """Complete the repair's sign-off with the signature drawn on the page, stored as a PNG attachment."""
    task = _task(session, instance, (SIGNOFF_TASK,))
    if not accepted and not (note or "").strip():
        raise NotAllowed("say what is not right", code="signoff_note")
    row = casefiles.attach(session, files, instance.id, "签名.png", signature, user=actor(resident),
                           allowed_types=("image/png",), max_bytes=max_bytes, now=now)
    data = {"work_accepted": accepted, "signed_by": f"{actor(resident)} 在线签名(附件 {row.id})"}
    if (note or "").strip():
        data["signoff_note"] = note.strip()
    return complete_task(session, task.id, data, user=actor(resident), now=now)


def timeline(session: Session, instance: Instance, resident: Resident) -> list[Step]:
    """What happened to the case, in plain words: registered, steps done, notices, comments and photos."""
    me = actor(resident)
    steps = []
    for event in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id)
                                 .order_by(AuditEvent.at, AuditEvent.id)):
        data = event.data or {}
        if event.kind == AuditKind.STARTED:
            steps.append(Step(event.at, "已登记", event.actor == me))
        elif event.kind == AuditKind.TASK_COMPLETED and event.actor == me and event.task_name in CALLBACK_TASKS:
            steps.append(Step(event.at, f"您在线评价:{data.get('rating', '')}", True))
        elif event.kind == AuditKind.TASK_COMPLETED and event.actor == me and event.task_name == SIGNOFF_TASK:
            steps.append(Step(event.at, "您已在线签字确认" if data.get("work_accepted") else "您签字:未修好", True))
        elif event.kind == AuditKind.TASK_COMPLETED and event.title:
            steps.append(Step(event.at, f"已完成:{event.title}", event.actor == me))
        elif event.kind == AuditKind.NOTIFIED and data.get("to") == "resident":
            steps.append(Step(event.at, str(data.get("message", ""))))
        elif event.kind == AuditKind.COMMENTED and event.actor == me:
            steps.append(Step(event.at, f"您留言:{data.get('text', '')}", True))
        elif event.kind == AuditKind.ATTACHED and event.actor == me:
            steps.append(Step(event.at, f"您上传了 {data.get('filename', '')}", True))
        elif event.kind == AuditKind.COMPLETED:
            steps.append(Step(event.at, "已结案"))
    return steps


def status(session: Session, instance: Instance) -> tuple[str, datetime | None]:
    """The case's state in plain words and the time promised for the next step (or None)."""
    if instance.status == InstanceStatus.COMPLETED:
        return "已处理完毕并结案", None
    if instance.status == InstanceStatus.CANCELLED:
        return "已撤销", None
    tasks = open_tasks(session, instance)
    if not tasks:
        return "处理中", None
    task = tasks[0]
    return PLAIN.get(task.task_name, f"处理中:{task.title}"), task.due_at


PLAIN = {
    "confirm_receipt": "客服正在受理您的投诉", "classify": "客服正在核实情况,将尽快答复您",
    "judge": "客服主任正在核实", "dispatch": "正在安排责任部门处理",
    "handle_engineering": "工程部正在处理", "handle_security": "保安部正在处理",
    "handle_cleaning": "清洁绿化部正在处理", "handle_customer_service": "客服部正在处理",
    "track_repair": "正在跟进工程返修", "extend_supervisor": "处理需延期,客服主任将告知原因",
    "extend_manager": "服务中心经理正在督办", "feedback_result": "处理已完成,客服将向您反馈结果",
    "verify": "正在核实处理结果", "verify_major": "正在核实处理结果",
    "accept_order": "工单已派出,工程师将按时到场", "arrive_site": "工程师正在赶来",
    "supervise_arrival": "工程主管正在督办到场", "confirm_quote": "请确认有偿服务报价",
    "repair_work": "工程师正在维修", "supervise_repair": "工程主管正在督办维修",
    "signoff": "维修已完成,请签字确认", "cb_phone": "处理已完成,请您评价", "cb_visit": "处理已完成,请您评价",
    "cb_meeting": "处理已完成,请您评价", "cb_await_reply": "处理已完成,请您评价",
    "cb_dissatisfied": "已收到您的不满意评价,主管正在安排整改",
}
PROMISE = {"arrive_site": "工程师将于 {time} 前到场", "accept_order": "工程师将于 {time} 前到场",
           "repair_work": "将于 {time} 前修复", "classify": "将于 {time} 前答复您",
           "handle_engineering": "将于 {time} 前给出处理结果", "handle_security": "将于 {time} 前给出处理结果",
           "handle_cleaning": "将于 {time} 前给出处理结果", "handle_customer_service": "将于 {time} 前给出处理结果"}


def promise(session: Session, instance: Instance) -> str | None:
    """``工程师将于 14:30 前到场``: the promise of the case's next step, in the property's time."""
    tasks = open_tasks(session, instance)
    if not tasks or tasks[0].due_at is None or tasks[0].task_name not in PROMISE:
        return None
    local = tasks[0].due_at.astimezone(ZoneInfo(instance.property.timezone or "Asia/Shanghai"))
    today = utcnow().astimezone(local.tzinfo).date()
    time = f"{local:%H:%M}" if local.date() == today else f"{local.month}月{local.day}日 {local:%H:%M}"
    return PROMISE[tasks[0].task_name].format(time=time)


def _task(session: Session, instance: Instance, names) -> HumanTask:
    task = next((t for t in open_tasks(session, instance) if t.task_name in names), None)
    if task is None:
        raise NotAllowed("nothing of yours is due on this case", code="nothing_due")
    return task
