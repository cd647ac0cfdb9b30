"""What lists read, derived from a workflow on every save: open human tasks, timers, status.

``snapshot(workflow)`` is pure; ``apply(session, instance, snap)`` brings the
projection rows of one instance in line with it (inserting, updating and
deleting rows, keeping assignees and creation times of tasks still open).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import Table, bindparam, delete, insert, literal, null, select, union_all, update
from sqlalchemy.orm import Session

from engine.cases import impartiality
from engine.exceptions import NotAllowed
from engine.library.extensions import FORM_PROPERTY, escalates
from engine.storage.models import HumanTask, Instance, InstanceStatus, RoleNotice, Timer


@dataclass(frozen=True)
class TaskView:
    id: str
    name: str
    title: str
    lane: str | None
    form: str | None
    due_at: datetime | None
    excluded: str = ""  # users the case data excludes from the task, as ",name,name," ('' for none)

    @property
    def row(self) -> tuple:
        """What the task's projection row holds of it (compared to find rows to update)."""
        return (self.due_at, self.title, self.lane, self.form, self.excluded)


@dataclass(frozen=True)
class TimerView:
    id: str
    name: str
    title: str | None
    due_at: datetime
    attached_to: str | None  # task id of the task a boundary timer guards


@dataclass(frozen=True)
class Snapshot:
    completed: bool
    tasks: list[TaskView]
    timers: list[TimerView]

    @property
    def next_timer_due(self) -> datetime | None:
        return min((t.due_at for t in self.timers), default=None)

    @property
    def current_step(self) -> str | None:
        if self.completed:
            return None
        names = [t.title for t in self.tasks] or [f"⏱ {t.title or t.name}" for t in self.timers]
        return "、".join(dict.fromkeys(names))[:200] or None


def timer_due(task) -> datetime | None:
    """The due time (UTC) of a waiting timer task, or None if it is not a timer or has no due time yet.

    A cycle whose repeats are used up (``R5/…``: the fifth chase went out) has none: SpiffWorkflow then
    keeps its state, not a time, as the event's value.
    """
    definition = task.task_spec.event_definition
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = definition.details(task).value
    if not value or isinstance(value, dict):
        return None
    return TimerEventDefinition.get_datetime(value)


def cycle_first_due(task) -> datetime | None:
    """A cycle timer that fired (a chase every day from a due time): the due time of its first firing,
    from its next time and how often it fired (each firing adds one child per outgoing flow); None if it
    is no cycle or has not fired."""
    value = task._get_internal_data("event_value")
    fired = len(task.children) // (len(task.task_spec.outputs) or 1)
    if not fired or not isinstance(value, dict) or "next" not in value:
        return None
    return datetime.fromisoformat(value["next"]) - timedelta(seconds=float(value["duration"]) * fired)


def every_task(workflow):
    """Every task of a workflow and of its subprocesses, in no particular order.

    Much cheaper than ``get_tasks``, which walks the task tree node by node: for questions whose
    answer does not depend on the tree's order (is any engine task ready, which tasks are open).
    """
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def _title(spec) -> str:
    return spec.bpmn_name or spec.name


def waiting_timers(workflow) -> list[TimerView]:
    """The timers waiting in a workflow (including its subprocesses); cheap: no walk of the task tree."""
    timers = []
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING):
            continue
        due = timer_due(task)
        if due is None:
            continue
        attached = None
        if task.parent is not None and isinstance(task.parent.task_spec, BoundaryEventSplit):
            attached = next((str(c.id) for c in task.parent.children
                             if c.task_spec.manual), None)
        timers.append(TimerView(str(task.id), task.task_spec.name, _title(task.task_spec), due, attached))
    return timers


def _excluded(task) -> str:
    try:
        names = impartiality.excluded_users(task)
    except NotAllowed:
        return ""  # unreadable data: completing the task will say so
    return f",{','.join(sorted(names))}," if names else ""


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _missed_deadline(task) -> datetime | None:
    """The due time of a non-interrupting deadline on ``task`` that already fired (the task stays open, overdue);
    a chase cycle counts from its first firing, not its next.

    Reminders (``escalates = false``) are not deadlines: once fired they no longer set the task's due time.
    """
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return None
    fired = []
    for c in parent.children:
        if (c is task or not isinstance(getattr(c.task_spec, "event_definition", None), TimerEventDefinition)
                or not escalates(c.task_spec)):
            continue
        if c.has_state(TaskState.COMPLETED):  # a date that fired, or a cycle that fired all its repeats
            fired.append(timer_due(c) or cycle_first_due(c))
        elif c.has_state(TaskState.WAITING):  # a cycle that fired and repeats: overdue since its first firing
            fired.append(cycle_first_due(c))
    return min((d for d in fired if d is not None), default=None)


def snapshot(workflow) -> Snapshot:
    """Read the open human tasks and waiting timers of a workflow (including its subprocesses)."""
    timers = waiting_timers(workflow)
    due_by_task: dict[str, datetime] = {}
    for timer in timers:
        if timer.attached_to:
            prev = due_by_task.get(timer.attached_to)
            due_by_task[timer.attached_to] = timer.due_at if prev is None else min(prev, timer.due_at)
    tasks = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        spec = task.task_spec
        props = spec.extensions.get("properties", {}) if hasattr(spec, "extensions") else {}
        due = _earliest(due_by_task.get(str(task.id)), _missed_deadline(task))
        tasks.append(TaskView(str(task.id), spec.name, _title(spec), getattr(spec, "lane", None),
                              props.get(FORM_PROPERTY), due, _excluded(task)))
    return Snapshot(workflow.is_completed(), tasks, timers)


def instance_columns(instance: Instance, after: Snapshot, now: datetime) -> dict:
    """The instance columns a save writes: its status, current step and next due time as ``after`` shows them."""
    status, ended_at = instance.status, instance.ended_at
    if after.completed and status == InstanceStatus.RUNNING:
        status, ended_at = InstanceStatus.COMPLETED, now
    running = status == InstanceStatus.RUNNING
    return {"status": status, "ended_at": ended_at, "current_step": after.current_step,
            "next_timer_due": after.next_timer_due if running else None, "updated_at": now}


def apply(session: Session, instance: Instance, before: Snapshot | None, after: Snapshot, process_key: str) -> None:
    """Bring the projection rows of ``instance`` (open human tasks, waiting timers) in line with ``after``.

    ``instance`` must already carry the columns of ``instance_columns`` (its status
    decides whether anything stays open). ``before`` is the snapshot the rows hold
    now (None: read them from the database). Only the difference is written, with
    bulk statements; rows of tasks still open keep their assignee and creation time.
    """
    running = instance.status == InstanceStatus.RUNNING

    if before is None:  # both tables in one round trip
        old_tasks, old_timers = {}, {}
        for r in session.execute(_ROWS, {"instance_id": instance.id}):
            if r.task:
                old_tasks[r.id] = (r.due_at, r.title, r.lane, r.form, r.excluded_users)
            else:
                old_timers[r.id] = (r.due_at, r.title)
    else:
        old_tasks = {t.id: t.row for t in before.tasks}
        old_timers = {t.id: (t.due_at, t.title) for t in before.timers}
    new_tasks = {t.id: t for t in after.tasks} if running else {}
    new_timers = {t.id: t for t in after.timers} if running else {}

    # Core statements on the session's connection: the ORM's bulk machinery costs more than the SQL.
    conn = session.connection()
    search = " ".join([instance.case_no, *(str(v) for v in (instance.summary or {}).values())])
    gone = [tid for tid in old_tasks if tid not in new_tasks]
    if gone:
        conn.execute(_DELETE_TASKS, {"ids": gone})
    added = [dict(id=t.id, instance_id=instance.id, property_id=instance.property_id, process_key=process_key,
                  case_no=instance.case_no, task_name=t.name, title=t.title, lane=t.lane, form=t.form,
                  created_at=instance.updated_at, due_at=t.due_at, assignee=None, search_text=search,
                  excluded_users=t.excluded)
             for tid, t in new_tasks.items() if tid not in old_tasks]
    if added:
        conn.execute(_INSERT_TASKS, added)
    changed = [{"tid": tid, "due": t.due_at, "title": t.title, "lane": t.lane, "form": t.form,
                "excluded": t.excluded} for tid, t in new_tasks.items() if tid in old_tasks and old_tasks[tid] != t.row]
    if changed:  # a new due time or exclusion, or (after a migration) a new name, lane or form
        conn.execute(_CHANGE_TASKS, changed)

    gone = [tid for tid in old_timers if tid not in new_timers]
    if gone:
        conn.execute(_DELETE_TIMERS, {"ids": gone})
    added = [dict(id=t.id, instance_id=instance.id, task_name=t.name, title=t.title, due_at=t.due_at)
             for tid, t in new_timers.items() if tid not in old_timers]
    if added:
        conn.execute(_INSERT_TIMERS, added)
    changed = [{"tid": tid, "due": t.due_at, "title": t.title} for tid, t in new_timers.items()
               if tid in old_timers and old_timers[tid] != (t.due_at, t.title)]
    if changed:
        conn.execute(_CHANGE_TIMERS, changed)
    if instance.status in _ENDED:  # its notices leave the inbox with it
        conn.execute(_DELETE_NOTICES, {"instance_id": instance.id})


# Built once, executed with parameters: on every step's path.
_tasks, _timers = cast(Table, HumanTask.__table__), cast(Table, Timer.__table__)
_ROWS = union_all(
    select(literal(True).label("task"), _tasks.c.id, _tasks.c.due_at, _tasks.c.title, _tasks.c.lane, _tasks.c.form,
           _tasks.c.excluded_users).where(_tasks.c.instance_id == bindparam("instance_id")),
    select(literal(False), _timers.c.id, _timers.c.due_at, _timers.c.title, null(), null(), null()).where(
        _timers.c.instance_id == bindparam("instance_id")))
_DELETE_TASKS = delete(_tasks).where(_tasks.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_TASKS = insert(_tasks)
_CHANGE_TASKS = update(_tasks).where(_tasks.c.id == bindparam("tid")).values(
    due_at=bindparam("due"), title=bindparam("title"), lane=bindparam("lane"), form=bindparam("form"),
    excluded_users=bindparam("excluded"))
_ENDED = (InstanceStatus.COMPLETED, InstanceStatus.CANCELLED)
_DELETE_NOTICES = delete(cast(Table, RoleNotice.__table__)).where(
    cast(Table, RoleNotice.__table__).c.instance_id == bindparam("instance_id"))
_DELETE_TIMERS = delete(_timers).where(_timers.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_TIMERS = insert(_timers)
_CHANGE_TIMERS = update(_timers).where(_timers.c.id == bindparam("tid")).values(
    due_at=bindparam("due"), title=bindparam("title"))
