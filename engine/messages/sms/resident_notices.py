"""Notices to the resident of a case become SMS to the case's contact phone, from the templates.

``on_notice`` is called for every ``notified`` event addressed to ``resident``, in
the step's transaction. The number is the case's ``contact_phone`` (its summary);
no mobile number, an opted-out number or one that reached today's limit gets no
SMS (logged). A diagram names the template and its variables:
``notify("resident", text, sms="complaint_extension", reason=…, new_date=…)``;
``case_no``, ``property`` and ``case_kind`` are filled in from the case; a notice
without a template (or with a variable missing) goes out as the ``notice`` template
with its whole text.
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.library import specs
from engine.messages import outbox
from engine.messages.sms import policy, templates
from engine.storage.models import Instance, Property

log = logging.getLogger(__name__)

CASE_KINDS = {"complaint": "投诉", "repair": "报修"}
LIMITED_KINDS = ("notified", "survey")  # the SMS a number's daily limit counts (sign-in codes have their own)


def on_notice(session: Session, instance: Instance, prop: Property, data: dict, at: datetime) -> list[int]:
    """Write the SMS for one resident notice; returns the outbox ids (one, or none)."""
    phone = policy.normalise(str((instance.summary or {}).get("contact_phone") or ""))
    if phone is None:
        return []
    key, text, params = compose(session, instance, prop, data)
    written = send(session, phone, key, text, params, kind="notified", instance_id=instance.id, now=at)
    return [written] if written else []


def compose(session: Session, instance: Instance, prop: Property, data: dict) -> tuple[str, str, list[str]]:
    """The template key, text and parameters for a notice."""
    process_key = specs.version_info(session, instance.version_id).process_key
    values = {"case_no": instance.case_no, "property": prop.name, "case_kind": CASE_KINDS.get(process_key, "事项")}
    requested = data.get("sms") or {}
    values.update({k: _local(v, prop.timezone) for k, v in (requested.get("values") or {}).items()})
    key = requested.get("template") or "notice"
    if key in templates.TEMPLATES:
        try:
            text, params = templates.get(key).render(values)
            return key, text, params
        except KeyError as exc:
            log.warning("SMS template %s lacks %s on case %s: sent as a plain notice", key, exc, instance.case_no)
    text, params = templates.get("notice").render({"message": str(data.get("message", ""))})
    return "notice", text, params


def send(session: Session, phone: str, key: str, text: str, params: list[str], *, kind: str,
         instance_id: int | None = None, now: datetime | None = None, always: bool = False) -> int | None:
    """Write one SMS to the outbox unless the number opted out or reached today's limit (``LIMITED_KINDS``
    count; ``always``: a sign-in code, which has its own limits); returns its id or None."""
    if not always and policy.opted_out(session, phone):
        log.info("no SMS to %s: opted out", phone, extra={"instance_id": instance_id})
        return None
    if not always and policy.sent_today(session, phone, now, kinds=LIMITED_KINDS) >= policy.daily_limit(session):
        log.warning("no SMS to %s: daily limit of %s reached", phone, policy.daily_limit(session),
                    extra={"instance_id": instance_id})
        return None
    return outbox.add(session, kind=kind, address=phone, subject=key, body=text, instance_id=instance_id,
                      now=now, channel="sms", params=params)


def _local(value, tz: str | None) -> str:
    """A variable as the resident reads it: ISO times in the property's time, ``11月24日 09:00``."""
    text = str(value)
    if len(text) >= 16 and text[4:5] == "-" and text[10:11] == "T":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is not None:
            local = moment.astimezone(ZoneInfo(tz or "Asia/Shanghai"))
            return f"{local.month}月{local.day}日 {local:%H:%M}"
    return text
