"""Timers that were already due when the case reached them, and so fired within the same step.

SpiffWorkflow fires a timer whose time has passed the moment the case reaches it
(a complaint registered after its 24 hours were up, an incident reported after its
deadline), so it is never seen waiting. ``fired_on_arrival`` finds those timers so
that the step routine (``step.Step.run``) records them like any other firing — with the
lateness and, for a deadline on a task, the escalation.

A cycle timer (a chase every day from the due time) that was already due stays waiting after
it fired, its next time moved on; it is found by the children each firing added, and recorded
once, with the due time of its first firing.
"""
from __future__ import annotations

import time

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.projection import TimerView, cycle_first_due, every_task
from engine.storage.models import TimerFiring


def fired_on_arrival(session: Session, instance_id: int, workflow, since: float,
                     known: set[str]) -> list[TimerView]:
    """Timer tasks that completed at or after ``since`` (``time.time()``), were never waiting
    (not in ``known``) and have no recorded firing yet; as ``TimerView``s with their due time."""
    if not any(t.last_state_change >= since and isinstance(getattr(t.task_spec, "event_definition", None),
                                                           TimerEventDefinition) for t in every_task(workflow)):
        return []  # no timer moved in this step (nearly every step): no walk of the tree
    found = []
    for task in workflow.get_tasks(state=TaskState.COMPLETED | TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if (not isinstance(definition, TimerEventDefinition) or task.last_state_change < since
                or str(task.id) in known):
            continue
        value = task._get_internal_data("event_value")
        if task.has_state(TaskState.WAITING) or isinstance(value, dict):
            due = cycle_first_due(task)  # a cycle: it fired (or fired all its repeats) on arrival
        else:
            due = TimerEventDefinition.get_datetime(value) if value else None
        if due is None:
            continue
        attached = None
        if task.parent is not None and isinstance(task.parent.task_spec, BoundaryEventSplit):
            attached = next((str(c.id) for c in task.parent.children if c.task_spec.manual), None)
        spec = task.task_spec
        found.append(TimerView(str(task.id), spec.name, spec.bpmn_name or spec.name, due, attached))
    if not found:
        return []
    recorded = set(session.scalars(select(TimerFiring.task_id).where(
        TimerFiring.instance_id == instance_id, TimerFiring.task_id.in_([t.id for t in found]))))
    return [t for t in found if t.id not in recorded]


def clock() -> float:
    """The time a step starts, in the units ``Task.last_state_change`` uses."""
    return time.time()
