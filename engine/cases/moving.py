"""Moving running cases to another version of their process, with a dry run first.

A case keeps the version it started on until someone migrates it. ``check_cases``
is the dry run: it says, for each case, whether it can move and why not. A case
can move when every task in its workflow (and in its call activities) has a
counterpart in the new version and nothing in progress changed underneath it:

- a step the case has done or is at, removed in the new version: refused (its
  history could not be read back);
- a called process removed from the new version while the case is inside it: refused;
- a step in progress (STARTED, e.g. a running call activity) whose definition changed: refused;
- changes to steps already done are history and do not block; changes ahead of
  the case apply when it gets there.

``migrate_case`` moves one case under its row lock: waiting timers keep their due
times (only READY tasks are re-predicted), what users typed into open tasks is
kept, claims on open tasks stay, and the move is an audit event on the case.
The spec comparison is made once per pair of versions, so bulk moves stay cheap.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.caching import LockedLRU
from engine.cases import history, projection, workflows
from engine.cases.state import _SERIALIZER, load_state
from engine.cases.step import Step
from engine.exceptions import NotAllowed
from engine.library import specs
from engine.storage.models import AuditKind, Instance, InstanceStatus, ProcessVersion, Property
from engine.storage.models._types import utcnow

_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
# (id of old spec, id of new spec) -> (old spec, new spec, their SpecDiff)
_cache: LockedLRU[tuple, tuple] = LockedLRU(64)


@dataclass(frozen=True)
class CaseCheck:
    """The dry-run verdict on one case."""

    instance_id: int
    case_no: str
    property_code: str
    from_version: int
    current_step: str | None
    can_move: bool
    reasons: tuple[str, ...] = ()


@dataclass
class MigrationReport:
    moved: list[str] = field(default_factory=list)
    refused: list[CaseCheck] = field(default_factory=list)


def _spec_diff(old_spec, new_spec) -> SpecDiff:
    """The comparison of two built specs, made once per pair (it relies on the spec objects' identity)."""
    hit = _cache.get((id(old_spec), id(new_spec)))
    if hit is None or hit[0] is not old_spec or hit[1] is not new_spec:
        hit = (old_spec, new_spec, SpecDiff(_SERIALIZER.registry, old_spec, new_spec))
        _cache.put((id(old_spec), id(new_spec)), hit)
    return hit[2]


def _title(spec) -> str:
    return getattr(spec, "bpmn_name", None) or spec.name


def _diffs(workflow, new_version) -> tuple[list[str], list[tuple]]:
    """Why ``workflow`` cannot move (empty: it can), and the (diff, workflow, new spec) triples to apply."""
    new_spec, new_deps = specs.specs_for(new_version)
    reasons: list[str] = []
    plan = []
    parts = [(workflow, workflow.spec, new_spec)]
    for sub in workflow.subprocesses.values():
        target = new_deps.get(sub.spec.name)
        if target is None:
            if any(t.has_state(_OPEN) for t in sub.get_tasks()):
                reasons.append(f"it is inside called process '{sub.spec.name}', which v{new_version.number} "
                               f"no longer has")
            continue
        parts.append((sub, sub.spec, target))
    for part, old_spec, target in parts:
        spec_diff = _spec_diff(old_spec, target)
        removed = set(spec_diff.removed)
        changed = spec_diff.changed
        for task in part.get_tasks(skip_subprocesses=True):
            if getattr(task.task_spec, "bpmn_id", None) is None:
                continue  # the engine's own control steps follow their BPMN element
            if task.task_spec in removed and not task.has_state(TaskState.PREDICTED_MASK):
                what = "is at" if task.has_state(_OPEN) else "has done"
                reasons.append(f"the case {what} step '{_title(task.task_spec)}', which v{new_version.number} "
                               f"removed")
            elif task.task_spec in changed and task.has_state(TaskState.STARTED):
                reasons.append(f"step '{_title(task.task_spec)}' is in progress and changed in "
                               f"v{new_version.number} ({', '.join(changed[task.task_spec])})")
        plan.append((WorkflowDiff(part, spec_diff), part, target))
    return list(dict.fromkeys(reasons)), plan


def check_cases(session: Session, version: ProcessVersion,
                instance_ids: Iterable[int] | None = None) -> list[CaseCheck]:
    """Dry run: whether each case can move to ``version`` and why not. Changes nothing.

    ``instance_ids`` None means every running case of the process not on ``version`` yet.
    """
    query = (select(Instance, Property.code).join(Property, Property.id == Instance.property_id)
             .where(Instance.process_id == version.process_id).order_by(Instance.id))
    if instance_ids is None:
        query = query.where(Instance.status == InstanceStatus.RUNNING, Instance.version_id != version.id)
    else:
        query = query.where(Instance.id.in_(list(instance_ids)))
    checks = []
    for instance, code in session.execute(query).all():
        old = workflows.version_of(session, instance)
        reasons = _basic_refusal(instance, version)
        if not reasons:
            reasons = tuple(_diffs(_workflow(instance, old), version)[0])
        checks.append(CaseCheck(instance.id, instance.case_no, code, old.number, instance.current_step,
                                not reasons, reasons))
    return checks


def _basic_refusal(instance: Instance, version: ProcessVersion) -> tuple[str, ...]:
    if instance.process_id != version.process_id:
        return ("it is a case of another process",)
    if instance.version_id == version.id:
        return (f"it already runs v{version.number}",)
    if instance.status != InstanceStatus.RUNNING:
        return (f"it is {instance.status.value}",)
    return ()


def _workflow(instance: Instance, old):
    """The case's workflow, read for a look only (not taken from or put in the step cache)."""
    return load_state(instance.state, *specs.specs_for(old))


def migrate_case(session: Session, instance_id: int, version: ProcessVersion, *, user: str,
                 now: datetime | None = None) -> Instance:
    """Move one running case to ``version`` (re-checked under the row lock); ``NotAllowed`` says why not.

    Flushes; the caller commits.
    """
    return _migrate_locked(session, workflows.lock_instance(session, instance_id), version, user, now or utcnow())


def migrate_cases(session: Session, version: ProcessVersion, instance_ids: Iterable[int], *, user: str,
                  chunk: int = 50, on_progress: Callable[[int], object] | None = None) -> MigrationReport:
    """Move many cases, ``chunk`` at a time: each chunk's rows are locked together and committed together.

    A case that cannot move is reported (with the reasons) and left as it was;
    the others in its chunk move. ``on_progress(n)`` is called after each chunk. The session is
    committed and cleared (``expunge_all``) after each chunk.
    """
    report = MigrationReport()
    ids = list(instance_ids)
    session.rollback()
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        for instance in workflows.lock_instances(session, part):
            try:  # a refusal is decided before anything is written: nothing to undo
                _migrate_locked(session, instance, version, user, utcnow())
                report.moved.append(instance.case_no)
            except NotAllowed as exc:
                report.refused.append(CaseCheck(instance.id, instance.case_no, "", 0, instance.current_step,
                                                False, (str(exc).split(": ", 1)[-1],)))
        session.commit()
        session.expunge_all()  # keep memory flat over thousands of cases
        if on_progress:
            on_progress(len(part))
    return report


def _migrate_locked(session: Session, instance: Instance, version: ProcessVersion, user: str,
                    now: datetime) -> Instance:
    reasons: tuple[str, ...] | list[str] = _basic_refusal(instance, version)
    old = workflows.version_of(session, instance)
    with Step(session, instance, now) as step:
        workflow = step.workflow
        if not reasons:
            reasons, plan = _diffs(workflow, version)
        if reasons:
            raise NotAllowed(f"case {instance.case_no} cannot move to v{version.number}: " + "; ".join(reasons))
        rows = projection.snapshot(workflow)  # what the projection rows hold: every save wrote them from one
        typed = {task.id: dict(task.data) for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
        new_spec, new_deps = specs.specs_for(version)
        for diff, part, target in plan:
            migrate_workflow(diff, part, target, reset_mask=TaskState.READY)
        workflow.subprocess_specs = new_deps
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            if task.id in typed:  # a re-predicted READY task starts from its parent's data: put back what was typed
                task.data.update(typed[task.id])
        known = _all_specs(new_spec, new_deps)
        stale = [t.task_spec.name for part in [workflow, *workflow.subprocesses.values()]
                 for t in part.tasks.values() if t.task_spec not in known]
        if stale:
            raise NotAllowed(f"case {instance.case_no} cannot move to v{version.number}: steps "
                             f"{', '.join(sorted(set(stale)))} have no counterpart")
        step.move_to(version.id, rows)
    history.record(session, instance.id, AuditKind.MIGRATED, actor=user, at=now,
                   data={"from_version": old.number, "to_version": version.number})
    return instance


def _all_specs(spec, deps) -> set:
    found = set(spec.task_specs.values())
    for dep in deps.values():
        found.update(dep.task_specs.values())
    return found
