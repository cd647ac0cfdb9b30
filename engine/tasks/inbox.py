"""The task inbox: open human tasks a user may work, filtered, searched, sorted by due time, paged.

Reads only the ``human_tasks`` projection, along indexes in the inbox's own order (a person's inbox in
disjoint parts, one index each: see ``_parts``); it never loads a workflow.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, false, func, or_, select, true, union_all
from sqlalchemy.orm import Session

from engine.org.roles import SUPERVISORS
from engine.org.staff import lanes_by_property, roles_by_property
from engine.storage.models import AuditEvent, AuditKind, HumanTask, User

DUE_SOON = timedelta(hours=4)
# Counting stops here (beyond the page asked for): at 100,000 open tasks an exact count costs more
# than the page itself, and "more than 1,000" tells a person as much.
COUNT_CAP = 1000
MAX_PARTS = 200  # of a person's inbox read one by one along an index (see ``_parts``)


@dataclass(frozen=True)
class InboxQuery:
    """What to list: ``view`` 'mine' (assigned to me, or unclaimed in my roles), 'team' (all in my roles)
    or 'property' (every open task at the properties I supervise)."""

    view: str = "mine"
    property_id: int | None = None
    process_key: str | None = None
    task_name: str | None = None
    overdue: bool = False
    due_soon: bool = False
    escalated: bool = False
    search: str | None = None
    page: int = 1
    per_page: int = 25
    after: tuple[datetime | None, datetime, int, str] | None = None  # keyset: the last row's (due_at, created_at,
    # instance_id, id); the rows after it
    before: tuple[datetime | None, datetime, int, str] | None = None  # keyset: the rows before it (a page back)


@dataclass(frozen=True)
class InboxPage:
    rows: list[HumanTask]
    total: int
    page: int
    per_page: int
    capped: bool = False  # there are more than ``total`` tasks (counting stopped)
    more: bool = False  # there are rows beyond this page in the direction it was read (before it: ``before``)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def visible_condition(session: Session, user: User):
    """SQL condition: tasks in a lane ``user`` holds at that task's property."""
    conditions = [and_(HumanTask.property_id == prop_id, HumanTask.lane.in_(sorted(lanes)))
                  for prop_id, lanes in roles_by_property(user).items()]
    if user.is_hq:
        conditions.append(HumanTask.lane == "hq")
    return or_(*conditions) if conditions else false()


def is_supervisor(user: User, property_id: int) -> bool:
    """True if ``user`` may reassign tasks at the property (a supervising role there, or HQ)."""
    return user.is_hq or any(a.property_id == property_id and a.role in SUPERVISORS for a in user.roles)


def not_excluded(user: User):
    """SQL condition: tasks the case data does not exclude ``user`` from (see ``impartiality``)."""
    return ~HumanTask.excluded_users.contains(f",{user.username},", autoescape=True)


def inbox(session: Session, user: User, query: InboxQuery, now: datetime) -> InboxPage:
    """One page of the tasks ``user`` may work, most urgent first (no due time last)."""
    where = [not_excluded(user)]
    if query.property_id:
        where.append(HumanTask.property_id == query.property_id)
    if query.process_key:
        where.append(HumanTask.process_key == query.process_key)
    if query.task_name:
        where.append(HumanTask.task_name == query.task_name)
    if query.overdue:
        where.append(HumanTask.due_at < now)
    if query.due_soon:
        where.append(and_(HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON))
    if query.escalated:  # the case missed a deadline of this very step (a reopened task has a new id)
        where.append(select(AuditEvent.id).where(
            AuditEvent.instance_id == HumanTask.instance_id, AuditEvent.kind == AuditKind.ESCALATED,
            AuditEvent.task_name == HumanTask.task_name).exists())
    if query.search:
        where.append(HumanTask.search_text.contains(query.search.strip(), autoescape=True))
    parts = _supervised_parts(user) if query.view == "property" else _parts(user, mine=query.view != "team")
    page = max(1, query.page)
    keyset = query.after is not None or query.before is not None  # the page number is only shown then
    cap = COUNT_CAP if keyset else max(COUNT_CAP, page * query.per_page)
    total = session.scalar(select(func.count()).select_from(_union(
        [select(HumanTask.excluded_users).where(part, *where).limit(cap + 1) for part in parts], cap + 1))) or 0
    backwards = query.before is not None and query.after is None  # read backwards along the index, shown forwards
    if query.after is not None:  # keyset: the rows after the given one, in the same order
        where.append(_after(*query.after))
    elif query.before is not None:
        where.append(_before(*query.before))
    skip = 0 if keyset else (page - 1) * query.per_page
    limit = query.per_page + 1  # one row more than the page: is there another beyond it?
    if len(parts) == 1:
        rows = list(session.scalars(select(HumanTask).where(parts[0], *where).order_by(*_order(backwards))
                                    .offset(skip).limit(limit)))
    else:  # each part's first rows' places along its index, the page's among them, then those rows
        union = _union([select(HumanTask.id, HumanTask.due_at, HumanTask.created_at, HumanTask.instance_id)
                        .where(part, *where).order_by(*_order(backwards)).limit(skip + limit) for part in parts])
        ids = session.scalars(select(union.c.id).order_by(*_order(backwards, union.c)).offset(skip).limit(limit)).all()
        found = {row.id: row for row in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids)))}
        rows = [found[i] for i in ids if i in found]
    more = len(rows) > query.per_page
    shown = list(rows[:query.per_page])
    if backwards:
        shown.reverse()
    return InboxPage(shown, min(total, cap), page, query.per_page, capped=total > cap, more=more)


def _parts(user: User, *, mine: bool) -> list:
    """The inbox's rows as disjoint SQL conditions, each one an index reads in the inbox's order: 'team' a
    (property, role) pair each and head office's lane; 'mine' the tasks assigned to ``user``, and of those
    the unclaimed ones. Their OR in one query made SQLite gather and sort every task of every role (0019)."""
    scope = roles_by_property(user)
    pairs = [and_(HumanTask.property_id == prop_id, HumanTask.lane == lane)
             for prop_id in sorted(scope) for lane in sorted(scope[prop_id]) if not (user.is_hq and lane == "hq")]
    if user.is_hq:
        pairs.append(HumanTask.lane == "hq")  # at every property (so not once more per property above)
    if len(pairs) > MAX_PARTS:  # a few hundred roles: one query, sorted (the union would outgrow SQLite's limit)
        pairs = [or_(*pairs)]
    if not mine:
        return pairs or [false()]
    return [HumanTask.assignee == user.username, *(and_(pair, HumanTask.assignee.is_(None)) for pair in pairs)]


def _supervised_parts(user: User) -> list:
    """The 'property' view's rows as disjoint SQL conditions: every task (head office; one index in the inbox's
    order), or those of each property ``user`` supervises, one at a time along its index (0020)."""
    if user.is_hq:
        return [true()]
    props = sorted({a.property_id for a in user.roles if a.role in SUPERVISORS})
    if len(props) > MAX_PARTS:
        return [HumanTask.property_id.in_(props)]
    return [HumanTask.property_id == prop_id for prop_id in props] or [false()]


def _union(parts: list, limit: int | None = None):
    """The rows of the ``parts`` (selects, each with its own order and limit) together, as a subquery. Select few
    columns: SQLAlchemy builds each part's columns anew for every query (two parts' whole rows took 2.3 ms to
    build, their places in the order 0.55 ms)."""
    if len(parts) == 1:
        return parts[0].subquery()
    union = union_all(*(select(part.subquery()) for part in parts))
    return (union.limit(limit) if limit is not None else union).subquery()


def _order(backwards: bool = False, rows=HumanTask) -> list:
    """The inbox's order (no due time last, then due, created, case, task), or its reverse."""
    columns = [rows.due_at.is_(None), rows.due_at, rows.created_at, rows.instance_id, rows.id]
    return [c.desc() for c in columns] if backwards else columns


def escalated_steps(session: Session, instance_ids) -> set[tuple[int, str]]:
    """(case, step) pairs among the cases ``instance_ids`` that missed a deadline: the *escalated* mark of a page's
    rows, agreeing with the *escalated* filter (this very step). Reads those cases' events only (0017)."""
    if not instance_ids:
        return set()
    return {(r.instance_id, r.task_name) for r in session.execute(
        select(AuditEvent.instance_id, AuditEvent.task_name).where(
            AuditEvent.instance_id.in_(sorted(instance_ids)), AuditEvent.kind == AuditKind.ESCALATED).distinct())}


def _after(due: datetime | None, created: datetime, case_id: int, task_id: str):
    """SQL condition: rows after (due, created, case, id) in the inbox's order (no due time last)."""
    same_case = and_(HumanTask.instance_id == case_id, HumanTask.id > task_id)
    later = or_(HumanTask.created_at > created,
                and_(HumanTask.created_at == created, or_(HumanTask.instance_id > case_id, same_case)))
    if due is None:
        return and_(HumanTask.due_at.is_(None), later)
    return or_(HumanTask.due_at.is_(None), HumanTask.due_at > due, and_(HumanTask.due_at == due, later))


def _before(due: datetime | None, created: datetime, case_id: int, task_id: str):
    """SQL condition: rows before (due, created, case, id) in the inbox's order (no due time last)."""
    same_case = and_(HumanTask.instance_id == case_id, HumanTask.id < task_id)
    earlier = or_(HumanTask.created_at < created,
                  and_(HumanTask.created_at == created, or_(HumanTask.instance_id < case_id, same_case)))
    if due is None:
        return or_(HumanTask.due_at.is_not(None), and_(HumanTask.due_at.is_(None), earlier))
    return and_(HumanTask.due_at.is_not(None), or_(HumanTask.due_at < due, and_(HumanTask.due_at == due, earlier)))


def page_key(row: HumanTask) -> str:
    """A row's place in the inbox's order, as a URL parameter (``after``/``before`` of the next request)."""
    raw = json.dumps([row.due_at.isoformat() if row.due_at else None, row.created_at.isoformat(), row.instance_id,
                      row.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_page_key(text: str) -> tuple[datetime | None, datetime, int, str] | None:
    """The place ``page_key`` wrote; None if ``text`` is not one."""
    try:
        due, created, case_id, task_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return (datetime.fromisoformat(due) if due else None, datetime.fromisoformat(created), int(case_id),
                str(task_id))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def can_work(session: Session, user: User, task: HumanTask) -> bool:
    """True if ``user`` holds the task's role at its property (or it is assigned to them)."""
    if task.assignee == user.username:
        return True
    if user.is_hq and task.lane == "hq":
        return True
    return task.lane in lanes_by_property(session, user).get(task.property_id, set())


def facets(session: Session, user: User) -> tuple[list[str], list[tuple[str, str, str]]]:
    """For the filter lists: the process keys, and (process key, task name, title) of the tasks ``user`` may see."""
    rows = session.execute(select(HumanTask.process_key, HumanTask.task_name, HumanTask.title)
                           .where(visible_condition(session, user), not_excluded(user)).distinct()).all()
    tasks = sorted({(r.process_key, r.task_name, r.title) for r in rows})
    return sorted({t[0] for t in tasks}), tasks
