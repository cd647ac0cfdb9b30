"""Which audit events become mail, to whom, and what the mail says.

``engine.cases.history.record`` hands every event of ``MESSAGE_KINDS`` to ``on_event`` in the same
transaction, which writes one outbox message per recipient with an email address:

- ``notified`` (``notify(to, …)`` in a diagram, or a deadline-near notice):
  ``to`` is a role id (the holders of that role at the case's property; ``hq``
  also every HQ user), ``resident`` (the resident who started the case) or
  ``user:<username>``;
- ``escalated`` (a boundary deadline fired): the roles in the property
  parameter ``escalation_notify`` (default ``["cs_supervisor"]``);
- ``assigned`` (data ``{"assignee": username}``): the assignee, unless they took
  the task themselves.

Mail is in the recipient's language (``users.locale``: ``zh`` or ``en``).
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from engine.library import specs
from engine.messages import outbox
from engine.messages.sms import resident_notices
from engine.org.roles import ROLES
from engine.storage.database import settings_of
from engine.storage.models import AuditKind, Instance, Property, PropertyParameter, RoleAssignment, User

log = logging.getLogger(__name__)

DEFAULT_ESCALATION_ROLES = ("cs_supervisor",)
MESSAGE_KINDS = frozenset({AuditKind.NOTIFIED, AuditKind.ESCALATED, AuditKind.ASSIGNED})

_TEXT = {
    "zh": {
        "notified": "[{property}] 通知: {case_no}",
        "deadline_near": "[{property}] 即将超时: {title} ({case_no})",
        "escalated": "[{property}] 超时升级: {title} ({case_no})",
        "assigned": "[{property}] 分派给您: {title} ({case_no})",
        "escalated_body": "任务「{title}」已超过时限「{deadline}」(应于 {due} 前完成),请跟进。",
        "assigned_body": "{actor} 将任务「{title}」分派给您。",
        "deadline_near_body": "任务「{title}」将于 {due} 到期,请及时处理。",
        "case": "工单", "link": "查看",
    },
    "en": {
        "notified": "[{property}] Notice: {case_no}",
        "deadline_near": "[{property}] Due soon: {title} ({case_no})",
        "escalated": "[{property}] Deadline missed: {title} ({case_no})",
        "assigned": "[{property}] Assigned to you: {title} ({case_no})",
        "escalated_body": "The task “{title}” missed its deadline “{deadline}” (due {due}); please follow it up.",
        "assigned_body": "{actor} assigned the task “{title}” to you.",
        "deadline_near_body": "The task “{title}” is due {due}.",
        "case": "Case", "link": "Open",
    },
}


def on_event(session: Session, instance_id: int, kind: AuditKind, *, actor: str | None, task_id: str | None,
             title: str | None, data: dict, at: datetime) -> list[int]:
    """Write the outbox messages an audit event calls for; returns their ids."""
    instance = session.get_one(Instance, instance_id)
    prop = session.get_one(Property, instance.property_id)
    if kind == AuditKind.NOTIFIED:
        users = recipients(session, instance, str(data.get("to", "")))
    elif kind == AuditKind.ESCALATED:
        users = _unique(u for role in escalation_roles(session, instance) for u in recipients(session, instance, role))
    else:
        assignee = data.get("assignee")
        users = [] if not assignee or assignee == actor else recipients(session, instance, f"user:{assignee}")
    ids = []
    for user in users:
        if not user.email:
            continue
        subject, body = _compose(user.locale, kind, instance, prop, actor=actor, title=title, data=data,
                                 public_url=settings_of(session).public_url)
        ids.append(outbox.add(session, kind=kind.value, address=user.email, subject=subject, body=body,
                              instance_id=instance.id, task_id=task_id, username=user.username, now=at))
    if kind == AuditKind.NOTIFIED and data.get("to") == "resident":  # and an SMS to the case's contact phone
        ids += resident_notices.on_notice(session, instance, prop, data, at)
    return ids


def recipients(session: Session, instance: Instance, to: str) -> list[User]:
    """The active users ``to`` names for a case (see the module docstring); unknown names give nobody."""
    active = select(User).where(User.active.is_(True))
    if to.startswith("user:"):
        return list(session.scalars(active.where(User.username == to[5:])))
    if to == "resident":
        if not instance.started_by:
            return []
        return list(session.scalars(active.join(RoleAssignment).where(
            User.username == instance.started_by, RoleAssignment.property_id == instance.property_id,
            RoleAssignment.role == "resident")))
    if to in ROLES:
        holds = select(RoleAssignment.user_id).where(
            RoleAssignment.property_id == instance.property_id, RoleAssignment.role == to)
        condition: ColumnElement[bool] = User.id.in_(holds)
        if to == "hq":
            condition = or_(condition, User.is_hq.is_(True))
        return list(session.scalars(active.where(condition).order_by(User.username)))
    log.warning("notice for unknown recipient %r on case %s: nobody to mail", to, instance.case_no,
                extra={"instance_id": instance.id})
    return []


def escalation_roles(session: Session, instance: Instance) -> list[str]:
    """The roles told of a missed deadline: parameter ``escalation_notify`` (manifest, property, process)."""
    info = specs.version_info(session, instance.version_id)
    value = info.manifest.get("parameters", {}).get("escalation_notify", DEFAULT_ESCALATION_ROLES)
    rows = session.scalars(select(PropertyParameter).where(
        PropertyParameter.property_id == instance.property_id, PropertyParameter.name == "escalation_notify",
        PropertyParameter.process_key.in_(["", info.process_key]))).all()
    for row in sorted(rows, key=lambda r: r.process_key != ""):
        value = row.value
    return [value] if isinstance(value, str) else list(value)


def _unique(users) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        seen.setdefault(user.id, user)
    return list(seen.values())


def _compose(locale: str | None, kind: AuditKind, instance: Instance, prop: Property, *, actor: str | None,
             title: str | None, data: dict, public_url: str | None) -> tuple[str, str]:
    text = _TEXT.get(locale or "zh", _TEXT["zh"])
    fields = {"property": prop.name, "case_no": instance.case_no, "title": title or data.get("name") or "",
              "actor": actor or "", "deadline": data.get("deadline", ""),
              "due": _local(data.get("due_at"), prop.timezone)}
    key = "deadline_near" if data.get("reason") == "deadline_near" else kind.value
    subject = text[key].format(**fields)
    lead = str(data.get("message", "")) if key == "notified" else text[f"{key}_body"].format(**fields)
    summary = " ".join(str(v) for v in (instance.summary or {}).values())
    lines = [lead, "", f"{text['case']}: {instance.case_no} {summary}".rstrip(), f"{prop.name} ({prop.code})"]
    if public_url:
        lines.append(f"{text['link']}: {public_url}/cases/{instance.case_no}")
    return subject, "\n".join(lines) + "\n"


def _local(value: str | None, tz: str) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(ZoneInfo(tz or "Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")

