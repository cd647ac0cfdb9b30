"""``start_case(process, data)`` for diagrams: a step of one case opens another case.

A diagram script calls ``start_case("repair", {"resident_name": ..., ...})``; the call
only records the request (like ``notify``). When the step's engine run ends,
``open_requested`` starts each requested case with ``start_instance``: at the origin's
property, on the version of ``process`` deployed there now, with its start form
validated, in the step's own transaction. A case that cannot start (process not
deployed at the property, start data invalid, cases opening each other endlessly)
raises ``LinkedCaseFailed`` and the caller rolls the whole step back: no half-opened
links. The two cases are linked both ways:

- the new case's data (and so its ``started`` audit event) carries
  ``opened_from = {"case_no", "process", "instance_id"}``; its ``started_by`` is the
  origin's case number;
- the origin gets a ``case_opened`` audit event naming the new case, and each of its
  waiting tasks gets the link appended to ``opened_cases`` in its data, so the
  diagram's next steps can show or use the new case number.

A request made by a script that then failed is still honoured (as notices are): put
``start_case`` last in a script.
"""
from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from SpiffWorkflow import TaskState

from . import audit, specs
from .exceptions import EngineError, FormInvalid, LinkedCaseFailed, ScriptError
from .models import AuditKind, Instance
from .steplocal import StepLocal

MAX_DEPTH = 3  # a case may open a case that opens a case, no deeper: diagrams must not loop
_pending = StepLocal("engine_case_requests")
_depth: ContextVar[int] = ContextVar("engine_case_depth", default=0)
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def start_case(process, data=None) -> None:
    """Request a new case of package ``process`` with start ``data`` (a JSON object), opened after this step."""
    if not isinstance(process, str) or not process:
        raise ScriptError("start_case needs a process key, e.g. start_case(\"repair\", {...})")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScriptError(f"start_case(\"{process}\", data): data must be a dict, not {type(data).__name__}")
    try:
        copy = json.loads(json.dumps(data))  # a snapshot, and proof that it can be stored
    except (TypeError, ValueError) as exc:
        raise ScriptError(f"start_case(\"{process}\", data): data must be JSON values: {exc}") from None
    _pending.add({"process": process, "data": copy})


def take() -> list[dict]:
    """The requests collected since the last take (and forget them)."""
    return _pending.take()


def discard() -> None:
    """Forget requests an earlier, failed step may have left behind (call when a step begins)."""
    _pending.discard()


def open_requested(session: Session, origin: Instance, workflow, now: datetime,
                   requests: list[dict]) -> list[Instance]:
    """Start every requested case, link it to ``origin`` both ways; raises ``LinkedCaseFailed``.

    Runs inside the caller's transaction; the caller saves ``workflow`` afterwards
    (its waiting tasks get the links) and commits, or rolls back on the exception.
    """
    if not requests:
        return []
    from .instances import start_instance  # instances -> stepping -> here

    depth = _depth.get()
    origin_key = specs.version_info(session, origin.version_id).process_key
    opened = []
    for request in requests:
        process = request["process"]
        if depth >= MAX_DEPTH:
            raise LinkedCaseFailed(f"case {origin.case_no} cannot open a '{process}' case: cases opened "
                                   f"from cases go {MAX_DEPTH} deep (do the diagrams open each other in a loop?)")
        link_back = {"case_no": origin.case_no, "process": origin_key, "instance_id": origin.id}
        data: dict[str, Any] = dict(request["data"], opened_from=link_back)
        token = _depth.set(depth + 1)
        try:
            child = start_instance(session, origin.property.code, process, data, user=origin.case_no, now=now)
        except FormInvalid as exc:
            fields = "; ".join(f"{e.field or '(form)'}: {e.message}" for e in exc.errors)
            raise LinkedCaseFailed(f"case {origin.case_no} cannot open a '{process}' case: its start form "
                                   f"refuses the data ({fields})") from exc
        except LinkedCaseFailed:
            raise
        except EngineError as exc:
            raise LinkedCaseFailed(f"case {origin.case_no} cannot open a '{process}' case: {exc}") from exc
        finally:
            _depth.reset(token)
        link = {"case_no": child.case_no, "process": process, "instance_id": child.id}
        audit.record(session, origin.id, AuditKind.CASE_OPENED, at=now, data=link)
        for task in workflow.get_tasks(state=_WAITING):
            task.data["opened_cases"] = [*task.data.get("opened_cases", []), link]
        opened.append(child)
    return opened
