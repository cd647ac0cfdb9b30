"""Where a case stands on its diagrams: finished, active and waiting elements, per process.

Reads one instance's workflow (deserialized apart from the step cache, never
written back): the case page is not a hot path, lists read the projections.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow import TaskState
from sqlalchemy.orm import Session

from engine.cases.state import load_state
from engine.library import specs
from engine.storage.models import Instance

_ACTIVE = TaskState.READY | TaskState.STARTED


@dataclass
class DiagramProgress:
    """The element ids of one process diagram by state; ``file`` is the version file that draws it."""

    process_id: str
    name: str
    file: str
    completed: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"completed": self.completed, "active": self.active, "waiting": self.waiting}


def case_progress(session: Session, instance: Instance) -> list[DiagramProgress]:
    """The case's main diagram first, then each called diagram the case has reached.

    An element run more than once (a loop, a returned order) shows its most recent
    standing: active before waiting before finished.
    """
    version = specs.version_info(session, instance.version_id)
    spec, subprocess_specs = specs.specs_for(version)
    workflow = load_state(instance.state, spec, subprocess_specs)
    every = {spec.name: spec, **subprocess_specs}
    states: dict[str, dict[str, str]] = {}
    for flow in [workflow, *workflow.subprocesses.values()]:
        for task in flow.get_tasks():
            element = getattr(task.task_spec, "bpmn_id", None)
            if element is None:
                continue  # the engine's own join/split tasks, not drawn
            standing = _standing(task)
            if standing is None:
                continue
            by_element = states.setdefault(str(task.workflow.spec.name), {})
            if _RANK[standing] > _RANK.get(by_element.get(element) or "", -1):
                by_element[element] = standing
    result = []
    for process_id in [spec.name, *sorted(p for p in states if p != spec.name)]:
        drawn = every.get(process_id)
        progress = DiagramProgress(process_id, (drawn.description if drawn else None) or process_id,
                                   drawn.file if drawn else "")
        for element, standing in sorted(states.get(process_id, {}).items()):
            getattr(progress, standing).append(element)
        result.append(progress)
    return result


_RANK = {"completed": 0, "waiting": 1, "active": 2}


def _standing(task) -> str | None:
    if task.has_state(_ACTIVE):
        return "active"
    if task.has_state(TaskState.WAITING):
        return "waiting"
    if task.has_state(TaskState.COMPLETED):
        return "completed"
    return None
