"""The engine's BPMN dialect: the ``spiffworkflow:`` extension properties it reads from diagrams.

Process owners set these in the modeler's properties panel; validation
(``lint``) checks them at deploy time; the cases read them at run time.

- ``formJsonSchemaFilename`` on a user task: the JSON Schema form its step fills in;
- ``instructionsForEndUser`` on a user task: what the process owner tells the person doing the step;
- ``excludedUsersField`` on a user task: the case data field naming users who may not do it (impartiality);
- ``escalates`` on a boundary timer: ``false`` for a reminder or retry, not a missed deadline.
"""
from __future__ import annotations

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_PROPERTY = "formJsonSchemaFilename"
INSTRUCTIONS_PROPERTY = "instructionsForEndUser"
EXCLUDED_USERS_PROPERTY = "excludedUsersField"
ESCALATES = "escalates"


def properties_of(task_spec) -> dict[str, str]:
    """The extension properties of a task spec (empty for specs without extensions)."""
    return getattr(task_spec, "extensions", {}).get("properties", {})


def form_of(task_spec) -> str | None:
    """The form file a user task names, or None."""
    return properties_of(task_spec).get(FORM_PROPERTY) or None


def escalates(timer_spec) -> bool:
    """A boundary timer on a task is a missed deadline (an escalation) unless the diagram marks it
    ``escalates=false`` (a reminder, a retry, a scheduled close)."""
    return properties_of(timer_spec).get(ESCALATES, "true").strip().lower() != "false"


def excluded_field(task_spec) -> str | None:
    """The data field a user task names for excluded users, or None."""
    return (properties_of(task_spec).get(EXCLUDED_USERS_PROPERTY) or "").strip() or None
