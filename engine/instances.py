"""Instance services: start a case, complete a user task, cancel, retry an incident.

Every function here is one step: it works inside the caller's transaction, takes
the instance's row lock, flushes, and never commits. The caller commits (or rolls
back, after which nothing of the step is stored).
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Iterable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow

from . import audit, impartiality, linked_cases, notices, specs, store
from .exceptions import Conflict, FormInvalid, NotAllowed, NotFound
from .forms import validate_form
from .models import AuditEvent, AuditKind, HumanTask, Incident, IncidentStatus, Instance, InstanceStatus
from .models._types import utcnow
from .packages import FORM_PROPERTY
from .properties import deployed_version, get_property, parameters_for
from .runtime import script_engine_for
from .stepping import run_engine, waiting_timers


def start_instance(session: Session, property_code: str, process_key: str, data: dict[str, Any] | None = None,
                   *, user: str | None = None, now: datetime | None = None) -> Instance:
    """Start a case of ``process_key`` at a property with the version deployed there; run to its first wait.

    ``data`` is validated against the manifest's ``start_form`` (``FormInvalid``, nothing saved).
    The instance gets a case number and the property's parameters as ``params``.
    """
    now = now or utcnow()
    data = dict(data or {})
    prop = get_property(session, property_code)
    version = deployed_version(session, prop, process_key)
    start_form = version.manifest.get("start_form")
    if start_form:
        validate_form(version.files.get(start_form), data)
    spec, subprocess_specs = specs.specs_for(version)
    notices.drain()
    linked_cases.discard()
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine_for(prop))
    instance = Instance(case_no=uuid.uuid4().hex[:40], property_id=prop.id, process_id=version.process_id,
                        version_id=version.id, status=InstanceStatus.RUNNING, state="{}", started_by=user,
                        created_at=now, updated_at=now, summary={})
    session.add(instance)
    session.flush()
    prefix = version.manifest.get("case_prefix") or process_key[:2].upper()
    instance.case_no = f"{prefix}{now:%Y%m%d}-{instance.id:06d}"
    data.update(case_no=instance.case_no, property_code=prop.code, started_by=user,
                params=parameters_for(session, prop, version))
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    summary_fields = version.manifest.get("summary_fields", [])
    instance.summary = {k: data[k] for k in summary_fields if k in data}
    instance.search_text = " ".join([instance.case_no, *(str(v) for v in instance.summary.values())])  # 0011
    audit.record(session, instance.id, AuditKind.STARTED, actor=user, at=now,
                 data={"version": version.number, "data": _public(data)})
    step = run_engine(session, instance, workflow, now, [])
    store.save(session, instance, workflow, now, new=True, snap=step.snapshot)
    return instance


def _public(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "params"}


def get_task_row(session: Session, task_id: str) -> HumanTask:
    """The open human task ``task_id``; ``Conflict`` saying what became of it if it closed, ``NotFound`` if unknown."""
    row = session.scalars(select(HumanTask).where(HumanTask.id == task_id)
                          .execution_options(populate_existing=True)).one_or_none()
    if row is not None:
        return row
    events = session.scalars(select(AuditEvent).where(AuditEvent.task_id == task_id)
                             .order_by(AuditEvent.id.desc())).all()
    done = next((e for e in events if e.kind == AuditKind.TASK_COMPLETED), None)
    if done is not None:
        raise Conflict(f"task '{done.title}' was already completed by {done.actor or 'someone'} "
                       f"at {done.at:%Y-%m-%d %H:%M}", code="task_done", title=done.title, actor=done.actor or "")
    missed = next((e for e in events if e.kind == AuditKind.ESCALATED), None)
    if missed is not None:
        raise Conflict(f"task '{missed.title}' is closed: its deadline ({missed.data.get('deadline')}) passed "
                       f"and the case was escalated", code="task_escalated", title=missed.title,
                       deadline=missed.data.get("deadline") or "")
    if events:
        raise Conflict(f"task '{events[0].title}' is no longer open: the case has moved on", code="task_moved_on",
                       title=events[0].title)
    raise NotFound(f"no open task {task_id}")


def complete_task(session: Session, task_id: str, data: dict[str, Any], *, user: str,
                  lanes: Iterable[str] | None = None, now: datetime | None = None) -> Instance:
    """Complete an open user task with form data and run the case to its next wait.

    ``data`` is validated against the task's JSON Schema (``FormInvalid``; nothing saved).
    If ``lanes`` is given, the task's lane must be one of them (``NotAllowed``); a user the
    task's ``excludedUsersField`` names is refused too (``NotAllowed``, see ``impartiality``).
    Two users completing the same task: the second gets ``Conflict``.
    """
    now = now or utcnow()
    instance = store.lock_instance_of_task(session, task_id)
    if instance is None:
        get_task_row(session, task_id)  # raises Conflict (done already) or NotFound
        raise NotFound(f"no open task {task_id}")
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"case {instance.case_no} is {instance.status.value}", code="case_ended",
                       case_no=instance.case_no, status=instance.status.value)
    workflow = store.load_workflow(session, instance)
    waiting = waiting_timers(workflow)
    if any(t.due_at <= now for t in waiting):
        # a deadline passed before this completion: it fires first, as the sweep would have
        workflow.refresh_timers()
        run_engine(session, instance, workflow, now, waiting)
        waiting = waiting_timers(workflow)
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None or task.state != TaskState.READY:
        store.forget(instance.id)  # the caller rolls back; the sweep fires the deadline for real
        raise Conflict(f"task {task_id} of case {instance.case_no} is no longer open", code="case_moved_on",
                       case_no=instance.case_no)
    spec = task.task_spec
    if lanes is not None and spec.lane not in set(lanes):
        raise NotAllowed(f"task '{spec.bpmn_name or spec.name}' belongs to role '{spec.lane}'", code="wrong_role",
                         title=spec.bpmn_name or spec.name, role=spec.lane or "")
    impartiality.check_may_complete(task, user)
    form = spec.extensions.get("properties", {}).get(FORM_PROPERTY)
    version = store.version_of(session, instance)
    try:
        validate_form(version.files.get(form) if form else None, data)
    except FormInvalid:
        store.forget(instance.id)
        raise
    task.data.update(data)
    task.run()
    audit.record(session, instance.id, AuditKind.TASK_COMPLETED, actor=user, at=now, task_id=task_id,
                 task_name=spec.name, title=spec.bpmn_name, data=data)
    step = run_engine(session, instance, workflow, now, waiting)
    snap = store.save(session, instance, workflow, now, snap=step.snapshot)
    if snap.completed:
        audit.record(session, instance.id, AuditKind.COMPLETED, at=now)
    return instance


def cancel_instance(session: Session, instance_id: int, *, user: str, reason: str = "",
                    now: datetime | None = None) -> Instance:
    """Cancel a running case: its open tasks and timers go away; the audit trail keeps who and why."""
    now = now or utcnow()
    instance = store.lock_instance(session, instance_id)
    if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED):
        raise NotAllowed(f"case {instance.case_no} is already {instance.status.value}")
    workflow = store.load_workflow(session, instance)
    workflow.cancel()
    instance.status = InstanceStatus.CANCELLED
    instance.ended_at = now
    audit.record(session, instance.id, AuditKind.CANCELLED, actor=user, at=now, data={"reason": reason})
    store.save(session, instance, workflow, now)
    return instance


def retry_incident(session: Session, incident_id: int, *, user: str | None = None,
                   now: datetime | None = None) -> Incident:
    """Retry the failed step behind an open incident; resolve it if the case runs on without error."""
    now = now or utcnow()
    incident = audit.get_open_incident(session, incident_id)
    instance = store.lock_instance(session, incident.instance_id)
    workflow = store.load_workflow(session, instance)
    waiting = waiting_timers(workflow)
    for task in workflow.get_tasks(state=TaskState.ERROR):
        workflow.reset_from_task_id(task.id)
    instance.status = InstanceStatus.RUNNING
    audit.record(session, instance.id, AuditKind.RETRIED, actor=user, at=now, data={"incident": incident.id})
    workflow.refresh_timers()
    step = run_engine(session, instance, workflow, now, waiting)
    store.save(session, instance, workflow, now, snap=step.snapshot)
    if instance.status == InstanceStatus.RUNNING:
        incident.status, incident.resolved_at = IncidentStatus.RESOLVED, now
    return incident
