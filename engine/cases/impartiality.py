"""Users a task's own case data excludes from completing it, named from the diagram.

A user task that carries the extension property ::

    <spiffworkflow:property name="excludedUsersField" value="complained_staff" />

may not be completed by a user whose name is in the case data field
``complained_staff`` (one user name, or a list of them). The complaint procedure
needs this: the person handling a complaint is not the one complained about
([000] 认证机构投诉处理程序 2.1.3). The field may be missing or empty (no one is
excluded); a field holding anything but names fails loudly rather than letting
everyone through.
"""
from __future__ import annotations

from engine.exceptions import NotAllowed
from engine.library.extensions import excluded_field


def excluded_users(task) -> set[str]:
    """The user names the task's data excludes from completing it."""
    field = excluded_field(task.task_spec)
    if field is None:
        return set()
    value = task.data.get(field)
    if value in (None, "", []):
        return set()
    if isinstance(value, str):
        return {value.strip()}
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return {v.strip() for v in value if v.strip()}
    raise NotAllowed(f"field '{field}' (users excluded from '{task.task_spec.bpmn_name or task.task_spec.name}') "
                     f"must hold user names, not {value!r}")


def check_may_complete(task, user: str) -> None:
    """Raise ``NotAllowed`` if ``user`` is excluded from completing ``task`` by its case data."""
    if user and user.strip() in excluded_users(task):
        spec = task.task_spec
        raise NotAllowed(f"{user} may not complete '{spec.bpmn_name or spec.name}': the case names them in "
                         f"'{excluded_field(spec)}', which excludes them from this task", code="excluded",
                         user=user, title=spec.bpmn_name or spec.name)


SUPERVISING_ROLES = ("cs_supervisor", "manager")  # who takes a task nobody of its role may do, in this order


def hand_to_supervisor(session, instance, now) -> list[tuple[str, str]]:
    """Give each unassigned open task of ``instance`` whose role's every holder the case excludes to a supervisor.

    The supervisor is the first active holder of ``SUPERVISING_ROLES`` at the property whom the case does not
    exclude; the handover is an ``assigned`` event with ``reason: excluded`` (the case says why). Returns
    (task id, supervisor) pairs. A role nobody holds at all is left alone: that is a staffing gap, not impartiality.
    """
    from sqlalchemy import select, update

    from engine.cases import history
    from engine.org.staff import holders
    from engine.storage.models import AuditKind, HumanTask

    handed = []
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.assignee.is_(None),
                                                   HumanTask.excluded_users != "")).all()
    for row in rows:
        excluded = {name for name in (row.excluded_users or "").split(",") if name}
        role_holders = {u.username for u in holders(session, row.property_id, row.lane)} if row.lane else set()
        if not role_holders or role_holders - excluded:
            continue
        supervisor = next((u.username for role in SUPERVISING_ROLES for u in holders(session, row.property_id, role)
                           if u.username not in excluded), None)
        if supervisor is None:
            continue
        session.execute(update(HumanTask).where(HumanTask.id == row.id, HumanTask.assignee.is_(None))
                        .values(assignee=supervisor))
        history.record(session, instance.id, AuditKind.ASSIGNED, at=now, task_id=row.id, task_name=row.task_name,
                       title=row.title, data={"assignee": supervisor, "reason": "excluded",
                                              "excluded": sorted(excluded & role_holders)})
        handed.append((row.id, supervisor))
    return handed
