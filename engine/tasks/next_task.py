"""What comes next for me on a case: the open task I would do next after starting or completing a step.

The same person often does the next step (confirm, classify, dispatch), so the pages and the API take
them straight to it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.step import opened_by_step
from engine.org.staff import lanes_by_property
from engine.storage.models import HumanTask, Instance, User
from engine.tasks.assignments import excluded_from
from engine.tasks.inbox import can_work


def next_task_for(session: Session, user: User, case: Instance) -> str | None:
    """The id of the case's open task ``user`` would do next: in their role (or assigned to them), not held by
    someone else, not one the case excludes them from; the most urgent first. None if there is none.

    Just after ``start_instance`` or ``complete_task`` on this ``case`` object, the step's own result answers
    without reading the rows back, when the tasks it opened are the only open ones and exclude no one (so no
    one holds them yet).
    """
    opened = opened_by_step(case)
    if opened is not None and not opened.others_open and not any(t.excluded for t in opened.tasks):
        lanes = lanes_by_property(session, user).get(case.property_id, set())
        mine = sorted((t for t in opened.tasks if t.lane in lanes),
                      key=lambda t: (t.due_at is None, t.due_at or case.updated_at))
        return mine[0].id if mine else None
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)
                           .order_by(HumanTask.due_at.is_(None), HumanTask.due_at))
    return next((t.id for t in rows if can_work(session, user, t) and t.assignee in (None, user.username)
                 and not excluded_from(t, user.username)), None)
