"""Incidents an admin sees and retries: failed steps and timers, and mail that could not be delivered.

``retry`` is the one button: a ``mail`` incident sends the case's failed mail
again (a new round of attempts); any other re-runs the failed step
(``instances.retry_incident``). The caller commits, then hands the follow-ups
to the queue (``engine.queue.enqueue.after_commit``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, outbox
from .instances import retry_incident
from .models import AuditKind, Incident, IncidentStatus
from .models._types import utcnow


def open_incidents(session: Session, *, property_ids: list[int] | None = None, limit: int = 50) -> list[Incident]:
    """Open incidents, newest first (optionally of some properties' cases)."""
    from .models import Instance

    query = select(Incident).where(Incident.status == IncidentStatus.OPEN)
    if property_ids is not None:
        query = query.join(Instance).where(Instance.property_id.in_(property_ids))
    return list(session.scalars(query.order_by(Incident.created_at.desc()).limit(limit)))


def retry(session: Session, incident_id: int, *, user: str | None = None, now: datetime | None = None) -> Incident:
    """Retry what an open incident stands for; resolves it when the retry could be started cleanly."""
    now = now or utcnow()
    incident = audit.get_open_incident(session, incident_id)
    if incident.source != "mail":
        return retry_incident(session, incident_id, user=user, now=now)
    messages = outbox.retry_failed(session, incident.instance_id, now)
    audit.record(session, incident.instance_id, AuditKind.RETRIED, actor=user, at=now,
                 data={"incident": incident.id, "messages": messages})
    incident.status, incident.resolved_at = IncidentStatus.RESOLVED, now
    return incident
