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
