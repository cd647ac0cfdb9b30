"""``start_case(process, data)`` for diagrams: a step of one case opens another case.

A diagram script calls ``start_case("repair", {"resident_name": ..., ...})``; the call
only records the request (``engine.scripting.requests``). When the step's engine run ends,
the step routine calls ``open_requested``, which starts each requested case: at the origin's
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

from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from SpiffWorkflow import TaskState
from sqlalchemy.orm import Session

from engine.cases import history
from engine.exceptions import EngineError, FormInvalid, LinkedCaseFailed
from engine.library import specs
from engine.storage.models import AuditKind, Instance

MAX_DEPTH = 3  # a case may open a case that opens a case, no deeper: diagrams must not loop
_depth: ContextVar[int] = ContextVar("engine_case_depth", default=0)
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED

# start(session, property_code, process_key, data, *, user, now) -> Instance: the step routine's start_instance
CaseStarter = Callable[..., Instance]


def open_requested(session: Session, origin: Instance, workflow, now: datetime,
                   requests: list[dict], start: CaseStarter) -> list[Instance]:
    """Start every requested case with ``start``, link it to ``origin`` both ways; raises ``LinkedCaseFailed``.

    Runs inside the caller's transaction; the caller saves ``workflow`` afterwards
    (its waiting tasks get the links) and commits, or rolls back on the exception.
    """
    if not requests:
        return []
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
            child = start(session, origin.property.code, process, data, user=origin.case_no, now=now)
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
        history.record(session, origin.id, AuditKind.CASE_OPENED, at=now, data=link)
        for task in workflow.get_tasks(state=_WAITING):
            task.data["opened_cases"] = [*task.data.get("opened_cases", []), link]
        opened.append(child)
    return opened
