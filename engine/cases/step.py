"""The one step routine: lock → load → run → save (state, projections) → audit.

Every change to a case is a ``Step``: starting it (``start_instance`` below),
completing a task and cancelling (``lifecycle``), firing its timers
(``engine.timers.firing``), retrying an incident, moving it to another version
(``moving``). The caller takes the instance's row lock first
(``workflows.lock_instance*``), then::

    with Step(session, instance, now) as step:   # load the workflow; forget the scripts' old requests
        ... change step.workflow ...
        step.run()                                # engine tasks until people or timers are awaited
    # leaving the block saves the state and projections and records ``completed`` if the case ended;
    # an exception leaves nothing saved in memory either: the caller rolls its transaction back

SpiffWorkflow refreshes timers at the end of every ``do_engine_steps``, so any
run may fire a timer that has come due: ``run`` compares the timers waiting
before with those after and records each one that fired — with its lateness
and, for a deadline on a user task, an escalation — whoever's step it was.
A failing script does not raise: the case goes to ``error`` with an open
incident naming the task, and the state up to the failure is kept. What the
scripts asked for (``notify``, ``start_case``) is acted on in the step's
transaction. Nothing here commits.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from engine.cases import history, impartiality, incidents, linked, overdue_on_arrival, projection, workflows
from engine.library import specs
from engine.library.extensions import escalates
from engine.library.forms import validate_form
from engine.library.rollout import deployed_at
from engine.org import households
from engine.org.parameters import parameters_for
from engine.scripting import requests
from engine.scripting.environment import script_engine_for
from engine.storage import search_grams
from engine.storage.database import settings_of
from engine.storage.models import AuditKind, Instance, InstanceStatus, TimerFiring
from engine.storage.models._types import utcnow

_READY = TaskState.READY
_RAN = TaskState.READY | TaskState.STARTED | TaskState.COMPLETED | TaskState.ERROR
_MAX_ROUNDS = 50


class Step:
    """One step on one locked case; a context manager (see the module docstring).

    ``workflow`` given: the case is new (its first save inserts the state).
    ``worker`` names who fired timers in this step (kept with each firing).
    """

    def __init__(self, session: Session, instance: Instance, now: datetime, *, workflow=None,
                 worker: str | None = None):
        self.session, self.instance, self.now, self.worker = session, instance, now, worker
        self.new = workflow is not None
        self.workflow = workflow
        self.fired = 0
        self.snapshot: projection.Snapshot | None = None  # the projection after the last run
        self.waiting: list[projection.TimerView] = []
        self._move: tuple[int, projection.Snapshot] | None = None

    def __enter__(self) -> Step:
        requests.reset()  # whatever an earlier, failed step collected is not this step's
        if self.workflow is None:
            self.workflow = workflows.load_workflow(self.session, self.instance)
        self.waiting = projection.waiting_timers(self.workflow)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            # the case's id without loading it: a failed flush expired the case, and loading it on a session whose
            # transaction is rolled back raises an error that would hide this one (a cut connection)
            identity = inspect(self.instance).identity
            if identity:
                workflows.forget(identity[0])
            requests.reset()
            return
        self._finish()

    def fire_due(self) -> bool:
        """Fire the timers due at ``now`` and run on; False if none was due."""
        if not any(t.due_at <= self.now for t in self.waiting):
            return False
        self.workflow.refresh_timers()
        self.run()
        return True

    def run(self) -> None:
        """Run engine tasks until only people or timers are awaited; record what happened on the way.

        Call it after the last change to the workflow: its snapshot is what ``save`` writes.
        """
        session, instance, workflow, now = self.session, self.instance, self.workflow, self.now
        started = overdue_on_arrival.clock()
        try:
            for _ in range(_MAX_ROUNDS):
                workflow.do_engine_steps()
                if not any(t._state == _READY and not t.task_spec.manual for t in projection.every_task(workflow)):
                    break
            _route_events(session, instance, workflow, now)
        except WorkflowException as exc:
            failed = next(iter(workflow.get_tasks(state=TaskState.ERROR)), None)
            instance.status = InstanceStatus.ERROR
            incidents.open_incident(session, instance.id, "task", exc, task_id=str(failed.id) if failed else None,
                                    task_name=failed.task_spec.name if failed else None,
                                    step=incidents.step_label(failed.task_spec) if failed else None)
        for notice in requests.take_notices():
            history.record(session, instance.id, AuditKind.NOTIFIED, at=now, data=notice)
        after = projection.snapshot(workflow)
        waiting = self.waiting + overdue_on_arrival.fired_on_arrival(  # due already when the case reached them
            session, instance.id, workflow, started, {t.id for t in self.waiting})
        self.fired += _record_firings(session, instance, workflow, now, waiting, after, self.worker)
        linked.open_requested(session, instance, workflow, now, requests.take_case_requests(), start=start_instance)
        self.snapshot, self.waiting = after, after.timers

    def note_opened(self, was_open: set[str] | frozenset = frozenset()) -> None:
        """Keep what this step left open for ``opened_by_step`` (``was_open``: the ids of the tasks open before)."""
        if self.snapshot is not None and self.instance.status == InstanceStatus.RUNNING:
            _opened[self.instance] = Opened(tuple(t for t in self.snapshot.tasks if t.id not in was_open),
                                            any(t.id in was_open for t in self.snapshot.tasks))

    def move_to(self, version_id: int, rows: projection.Snapshot) -> None:
        """Save the case on another version (migration); ``rows``: what its projection rows hold now."""
        self._move = (version_id, rows)

    def _finish(self) -> None:
        was = self.instance.status
        version_id, rows = self._move or (None, None)
        workflows.save(self.session, self.instance, self.workflow, self.now, new=self.new, snap=self.snapshot,
                       version_id=version_id, rows=rows)
        if self.snapshot is not None and any(t.excluded for t in self.snapshot.tasks):
            impartiality.hand_to_supervisor(self.session, self.instance, self.now)  # all of a role excluded
        if was != InstanceStatus.COMPLETED and self.instance.status == InstanceStatus.COMPLETED:
            history.record(self.session, self.instance.id, AuditKind.COMPLETED, at=self.now)


@dataclass(frozen=True)
class Opened:
    """What a start or a completion left open: the tasks its step opened, as their rows were written (no one
    holds them, unless the case excludes people from them: ``TaskView.excluded``, which may hand them to a
    supervisor), and whether tasks that were open before stay open (their rows may be held by someone)."""

    tasks: tuple[projection.TaskView, ...]
    others_open: bool


_opened: WeakKeyDictionary[Instance, Opened] = WeakKeyDictionary()


def opened_by_step(instance: Instance) -> Opened | None:
    """What the last ``start_instance`` or ``complete_task`` on this loaded ``instance`` left open (None: not
    known here), so a caller can say what comes next without reading the rows back."""
    return _opened.get(instance)


def start_instance(session: Session, property_code: str, process_key: str, data: dict[str, Any] | None = None,
                   *, user: str | None = None, now: datetime | None = None) -> Instance:
    """Start a case of ``process_key`` at a property with the version deployed there; run to its first wait.

    ``data`` is validated against the manifest's ``start_form`` (``FormInvalid``, nothing saved).
    The instance gets a case number and the property's parameters as ``params``. Flushes; the caller commits.
    """
    now = now or utcnow()
    data = dict(data or {})
    prop, version = deployed_at(session, property_code, process_key)
    start_form = version.manifest.get("start_form")
    if start_form:
        validate_form(version.files.get(start_form), data)
    params = parameters_for(session, prop, version)  # read before the case is written: no flush in between
    spec, subprocess_specs = specs.specs_for(version)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine_for(prop, settings_of(session)))
    instance = Instance(case_no=uuid.uuid4().hex[:40], property_id=prop.id, process_id=version.process_id,
                        version_id=version.id, status=InstanceStatus.RUNNING, state="{}", started_by=user,
                        created_at=now, updated_at=now, summary={})
    session.add(instance)
    session.flush()  # its id, which the case number is made of; summary and state go in with the step's save
    prefix = version.manifest.get("case_prefix") or process_key[:2].upper()
    instance.case_no = f"{prefix}{now:%Y%m%d}-{instance.id:06d}"
    session.flush()  # the row holds its number before the first step runs (a notice written then reads it)
    data.update(case_no=instance.case_no, property_code=prop.code, started_by=user, params=params)
    with Step(session, instance, now, workflow=workflow) as step:
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        summary_fields = version.manifest.get("summary_fields", [])
        instance.summary = {k: data[k] for k in summary_fields if k in data}
        instance.search_text = " ".join([instance.case_no, *(str(v) for v in instance.summary.values())])
        search_grams.add_for(session, instance)
        history.record(session, instance.id, AuditKind.STARTED, actor=user, at=now,
                       data={"version": version.number, "data": {k: v for k, v in data.items() if k != "params"}})
        households.link_started(session, instance)  # a case about a registered room is its household's
        step.run()
    step.note_opened()
    return instance


def _route_events(session: Session, instance: Instance, workflow, now: datetime) -> None:
    """Record events the workflow threw that nothing inside it caught (escalations and the like)."""
    for event in workflow.get_events():
        definition = event.event_definition
        kind = AuditKind.ESCALATED if "Escalation" in type(definition).__name__ else AuditKind.ERROR
        history.record(session, instance.id, kind, at=now, data={
            "event": type(definition).__name__, "name": getattr(definition, "name", None),
            "code": getattr(definition, "code", None)})


def _record_firings(session: Session, instance: Instance, workflow, now: datetime,
                    waiting: list[projection.TimerView], after: projection.Snapshot, worker: str | None) -> int:
    """Record each timer of ``waiting`` that has fired since (``after``: the workflow's snapshot now)."""
    still = {t.id: t for t in after.timers}
    fired = 0
    for view in waiting:
        if view.due_at > now:
            continue
        task = workflow.get_task_from_id(UUID(view.id))
        repeated = view.id in still and still[view.id].due_at != view.due_at  # a cycle moved on
        if task is None or not (task.has_state(_RAN) or repeated):
            continue  # cancelled with its task, or not reached
        fired += 1
        lateness = (now - view.due_at).total_seconds()
        session.add(TimerFiring(instance_id=instance.id, task_id=view.id, task_name=view.name, title=view.title,
                                due_at=view.due_at, fired_at=now, lateness_seconds=lateness, worker=worker))
        history.record(session, instance.id, AuditKind.TIMER_FIRED, at=now, task_id=view.id, task_name=view.name,
                       title=view.title, data={"due_at": view.due_at.isoformat(), "lateness_seconds": lateness})
        if view.attached_to and escalates(task.task_spec):
            missed = workflow.get_task_from_id(UUID(view.attached_to))
            history.record(session, instance.id, AuditKind.ESCALATED, at=now, task_id=view.attached_to,
                           task_name=missed.task_spec.name if missed else None,
                           title=missed.task_spec.bpmn_name if missed else None,
                           data={"deadline": view.title or view.name, "due_at": view.due_at.isoformat(),
                                 "task_still_open": bool(missed and missed.state == TaskState.READY)})
    return fired
