"""Incidents: errors recorded on a case until an admin retries them (failed steps, timers, mail).

A failing step opens one (``open_incident``; the step routine does); a message
that failed for good opens one when it is delivered through ``deliver_message``.
Retrying is ``engine.cases.lifecycle.retry_incident``.
"""
from __future__ import annotations

import traceback
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import history
from engine.exceptions import EngineError, NotAllowed, NotFound
from engine.messages import outbox
from engine.storage.models import AuditKind, Incident, IncidentStatus, Instance
from engine.storage.models._types import utcnow


class DeliveryFailed(EngineError):
    """A message could not be delivered after every attempt."""


def step_label(task_spec) -> str:
    """How an incident names a diagram element: its name as drawn (Chinese) and its id: ``汇总费用 (summarise)``."""
    name, element = getattr(task_spec, "bpmn_name", None), task_spec.name
    return f"{name} ({element})" if name and name != element else element


def open_incident(session: Session, instance_id: int, source: str, exc: BaseException, *,
                  task_id: str | None = None, task_name: str | None = None, step: str | None = None) -> Incident:
    """Record an error on an instance; an open incident of the same source and task is counted again.

    ``step`` (``step_label``) puts the failing element in the message: "step 汇总费用 (summarise) failed: …".
    """
    existing = session.scalars(select(Incident).filter_by(
        instance_id=instance_id, source=source, task_id=task_id, status=IncidentStatus.OPEN)).one_or_none()
    message = f"{type(exc).__name__}: {exc}"
    if step:
        message = f"step {step} failed · 步骤「{step}」出错: {message}"
    details = "".join(traceback.format_exception(exc))[-8000:]
    if existing is not None:
        existing.attempts += 1
        existing.message, existing.details = message, details
        return existing
    incident = Incident(instance_id=instance_id, source=source, task_id=task_id, task_name=task_name,
                        message=message, details=details)
    session.add(incident)
    history.record(session, instance_id, AuditKind.ERROR, task_id=task_id, task_name=task_name,
                   data={"source": source, "message": message})
    return incident


def get_open_incident(session: Session, incident_id: int) -> Incident:
    """The incident, if it is still open: ``NotFound`` if there is none, ``NotAllowed`` if it is resolved."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    if incident.status != IncidentStatus.OPEN:
        raise NotAllowed(f"incident {incident_id} is {incident.status.value}")
    return incident


def open_incidents(session: Session, *, property_ids: list[int] | None = None, limit: int = 50) -> list[Incident]:
    """Open incidents, newest first (optionally of some properties' cases)."""
    query = select(Incident).where(Incident.status == IncidentStatus.OPEN)
    if property_ids is not None:
        query = query.join(Instance).where(Instance.property_id.in_(property_ids))
    return list(session.scalars(query.order_by(Incident.created_at.desc()).limit(limit)))


def deliver_message(session: Session, message_id: int, transport, now: datetime | None = None,
                    sms=None) -> outbox.Delivery:
    """One delivery attempt of an outbox message (``outbox.deliver``: mail by ``transport``, SMS by ``sms``); a
    message that failed for good becomes an incident on its case. In the caller's transaction; the caller commits."""
    result = outbox.deliver(session, message_id, transport, now, sms)
    if result.gave_up and result.instance_id is not None:
        open_incident(session, result.instance_id, "mail", DeliveryFailed(
            f"notice to {result.address} failed {result.attempts} times: {result.error}"))
    return result


def deliver_due_messages(session: Session, transport, now: datetime | None = None,
                         sms=None) -> list[outbox.Delivery]:
    """Attempt every due message, committing after each (the embedded timer loop's delivery)."""
    now = now or utcnow()
    ids = outbox.due_ids(session, now)
    session.rollback()
    results = []
    for message_id in ids:
        results.append(deliver_message(session, message_id, transport, now, sms))
        session.commit()
    return results
