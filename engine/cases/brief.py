"""What a person at one step of a case needs to know: what was reported, the step's instructions, earlier results.

``brief(session, instance, task_name)`` reads the case's audit trail (the start data and
each completed step's data) and the case's version spec (instructions and forms); it
never loads the case's workflow state. Nothing is written.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.library import specs
from engine.storage.models import AuditEvent, AuditKind, Instance

# bookkeeping, not what anyone reported (linked cases are on the timeline and the case page)
HIDDEN = frozenset({"case_no", "property_code", "started_by", "params", "opened_from", "opened_cases"})


@dataclass(frozen=True)
class EarlierStep:
    """A completed step: its title, the title of the form it filled in, who, when, and the values entered."""

    task_name: str
    title: str
    form_title: str
    actor: str | None
    at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class Brief:
    """The case as a step sees it: ``reported`` (start data, bookkeeping left out), when and by whom it was
    registered, the step's ``instructions`` from the diagram (None if the modeler gave none) and the
    ``steps`` done before, newest first."""

    reported: dict[str, Any]
    reported_at: datetime | None
    reported_by: str | None
    start_form_title: str
    instructions: str | None
    steps: list[EarlierStep] = field(default_factory=list)


def _task_specs(version) -> dict:
    spec, subprocesses = specs.specs_for(version)
    found: dict = {}
    for one in [*subprocesses.values(), spec]:  # the main process wins a name clash
        found.update(one.task_specs)
    return found


def instructions(version, task_name: str) -> str | None:
    """The ``instructionsForEndUser`` extension the process owner wrote for the user task ``task_name``."""
    task_spec = _task_specs(version).get(task_name)
    text = (getattr(task_spec, "extensions", None) or {}).get("instructionsForEndUser") if task_spec else None
    return text.strip() if isinstance(text, str) and text.strip() else None


def form_title(version, filename: str | None) -> str:
    """The ``title`` of one of the version's JSON Schema forms ('' if it has none)."""
    try:
        schema = json.loads(version.files.get(filename or "", "") or "{}")
    except ValueError:
        return ""
    return str(schema.get("title", "")) if isinstance(schema, dict) else ""


def _properties(version, filename: str | None) -> dict:
    try:
        schema = json.loads(version.files.get(filename or "", "") or "{}")
    except ValueError:
        return {}
    return (schema.get("properties") or {}) if isinstance(schema, dict) else {}


def _form_of(task_specs: dict, task_name: str | None) -> str | None:
    task_spec = task_specs.get(task_name or "")
    props = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}) if task_spec else {}
    return props.get("formJsonSchemaFilename")


def brief(session: Session, instance: Instance, task_name: str | None) -> Brief:
    """What ``instance`` tells the person at its step ``task_name`` (see ``Brief``)."""
    version = specs.version_info(session, instance.version_id)
    task_specs = _task_specs(version)
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id,
        AuditEvent.kind.in_([AuditKind.STARTED, AuditKind.TASK_COMPLETED]))
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    started = next((e for e in events if e.kind == AuditKind.STARTED), None)
    start_data = ((started.data or {}).get("data") or {}) if started else {}
    steps = []
    for e in events:
        if e.kind != AuditKind.TASK_COMPLETED:
            continue
        form = _form_of(task_specs, e.task_name)
        fields = list(_properties(version, form))
        data = sorted(((k, v) for k, v in (e.data or {}).items() if k not in HIDDEN),
                      key=lambda kv: fields.index(kv[0]) if kv[0] in fields else len(fields))
        steps.append(EarlierStep(e.task_name or "", e.title or e.task_name or "", form_title(version, form),
                                 e.actor, e.at, dict(data)))
    order = list(_properties(version, version.manifest.get("start_form")))  # JSONB keeps no key order
    reported = {k: v for k, v in start_data.items() if k not in HIDDEN and v not in (None, "", [])}
    return Brief(
        reported=dict(sorted(reported.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))),
        reported_at=started.at if started else instance.created_at,
        reported_by=started.actor if started else instance.started_by,
        start_form_title=form_title(version, version.manifest.get("start_form")),
        instructions=instructions(version, task_name) if task_name else None,
        steps=list(reversed(steps)),
    )
