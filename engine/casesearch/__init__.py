"""Finding any case (工单查询): open or closed, by number, resident, phone, room, process, status, dates, lateness.

``search_cases`` reads the ``instances`` table only (its ``search_text``, status and
creation time, indexed by migration 0011), newest first, one page at a time by key
(``after``: the last row's (created_at, id)), so page 1,000 costs what page 1 costs.
It never loads a workflow and writes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, false, literal_column, select, table, tuple_
from sqlalchemy.orm import Session

from ..models import AuditEvent, AuditKind, HumanTask, Instance, InstanceStatus, Process

STATUSES = tuple(s.value for s in InstanceStatus)


@dataclass(frozen=True)
class CaseQuery:
    """What to find. ``text`` matches the case number, resident name, phone or building/room (any part);
    ``since``/``until`` are days in ``tz`` (inclusive) of the case's registration; ``overdue``: an open
    step is past its deadline; ``escalated``: a deadline of the case was missed at some time."""

    text: str | None = None
    property_id: int | None = None
    process_key: str | None = None
    status: str | None = None
    since: date | None = None
    until: date | None = None
    overdue: bool = False
    escalated: bool = False
    after: tuple[datetime, int] | None = None
    limit: int = 25
    tz: str = "Asia/Shanghai"


@dataclass(frozen=True)
class CasePage:
    rows: list[Instance]
    next_after: tuple[datetime, int] | None  # the key of the next page, None on the last one


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


CASE_NO = re.compile(r"^[A-Z]{1,8}\d{8}-\d{6,}$")


def text_condition(text: str, dialect: str):
    """Matching ``text`` anywhere in the case number, resident name, phone or room, through an index:
    a whole case number by its unique index; on SQLite three or more characters through the FTS5 trigram
    table ``instances_search`` (migration 0011), on PostgreSQL through the pg_trgm index; shorter texts scan."""
    if CASE_NO.match(text):
        return Instance.case_no == text
    if dialect == "sqlite" and len(text) >= 3:
        phrase = '"' + text.replace('"', '""') + '"'
        return Instance.id.in_(select(literal_column("rowid")).select_from(table("instances_search"))
                               .where(literal_column("instances_search").op("MATCH")(phrase)))
    return Instance.search_text.contains(text, autoescape=True)


def conditions(query: CaseQuery, property_ids, now: datetime, dialect: str = "postgresql") -> list:
    """The SQL conditions of ``query`` over ``Instance`` (``property_ids`` None: every property)."""
    where = []
    if property_ids is not None:
        where.append(Instance.property_id.in_(sorted(property_ids)) if property_ids else false())
    if query.property_id:
        where.append(Instance.property_id == query.property_id)
    if query.process_key:
        where.append(Instance.process_id.in_(select(Process.id).where(Process.key == query.process_key)))
    if query.status in STATUSES:
        where.append(Instance.status == InstanceStatus(query.status))
    if query.since:
        where.append(Instance.created_at >= _day_start(query.since, query.tz))
    if query.until:
        where.append(Instance.created_at < _day_start(query.until + timedelta(days=1), query.tz))
    if query.text:
        where.append(text_condition(query.text.strip(), dialect))
    if query.overdue:
        where.append(select(HumanTask.id).where(HumanTask.instance_id == Instance.id, HumanTask.due_at < now).exists())
    if query.escalated:
        where.append(select(AuditEvent.id).where(AuditEvent.instance_id == Instance.id,
                                                 AuditEvent.kind == AuditKind.ESCALATED).exists())
    return where


def search_cases(session: Session, property_ids, query: CaseQuery, now: datetime) -> CasePage:
    """One page of the cases at ``property_ids`` (None: all) matching ``query``, newest first."""
    where = conditions(query, property_ids, now, session.get_bind().dialect.name)
    if query.after is not None:
        at, last_id = query.after  # a row-value comparison: both databases walk the index from the key
        where.append(tuple_(Instance.created_at, Instance.id) < tuple_(bindparam("at", at, type_=Instance.created_at.type),
                                                                     bindparam("last_id", last_id)))
    rows = list(session.scalars(select(Instance).where(*where)
                                .order_by(Instance.created_at.desc(), Instance.id.desc()).limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return CasePage(rows, (rows[-1].created_at, rows[-1].id) if more and rows else None)


def encode_key(key: tuple[datetime, int] | None) -> str:
    """A page key as a URL parameter ('' for none)."""
    return f"{key[0].isoformat()}~{key[1]}" if key else ""


def decode_key(text: str | None) -> tuple[datetime, int] | None:
    """The page key of ``encode_key``; None for anything malformed (the first page, never an error)."""
    try:
        at, _sep, last = (text or "").partition("~")
        value = datetime.fromisoformat(at)
        return (value, int(last)) if value.tzinfo else None
    except ValueError:
        return None
