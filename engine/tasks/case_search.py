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
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, literal_column, select, table, tuple_, union_all
from sqlalchemy.orm import Session

from engine.storage.models import AuditEvent, AuditKind, CaseGram, HumanTask, Instance, InstanceStatus, Process
from engine.storage.search_grams import short_search

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
    table ``instances_search`` (migration 0011), on PostgreSQL through the pg_trgm index. One or two
    characters with a letter in them are walked through ``case_grams`` instead (see ``search_cases``);
    shorter texts of digits only scan (they match nearly every case, so a page fills at once)."""
    if CASE_NO.match(text):
        return Instance.case_no == text
    if dialect == "sqlite" and len(text) >= 3:
        phrase = '"' + text.replace('"', '""') + '"'
        return Instance.id.in_(select(literal_column("rowid")).select_from(table("instances_search"))
                               .where(literal_column("instances_search").op("MATCH")(phrase)))
    return Instance.search_text.contains(text, autoescape=True)


def conditions(query: CaseQuery, now: datetime, dialect: str = "postgresql", key=None) -> list:
    """The SQL conditions of ``query`` over ``Instance``, apart from whose properties (see ``search_cases``).

    ``key``: the (created_at, id) columns a page key compares with (default the instance's own);
    given, the text is left to the caller (a walk over ``case_grams``)."""
    where: list[Any] = []
    if query.process_key:
        where.append(Instance.process_id.in_(select(Process.id).where(Process.key == query.process_key)))
    if query.status in STATUSES:
        where.append(Instance.status == InstanceStatus(query.status))
    if query.since:
        where.append(Instance.created_at >= _day_start(query.since, query.tz))
    if query.until:
        where.append(Instance.created_at < _day_start(query.until + timedelta(days=1), query.tz))
    if query.text and key is None:
        where.append(text_condition(query.text.strip(), dialect))
    if query.overdue:
        where.append(select(HumanTask.id).where(HumanTask.instance_id == Instance.id, HumanTask.due_at < now).exists())
    if query.escalated:
        where.append(select(AuditEvent.id).where(AuditEvent.instance_id == Instance.id,
                                                 AuditEvent.kind == AuditKind.ESCALATED).exists())
    if query.after is not None:
        at, last_id = query.after  # a row-value comparison: the index is walked from the key
        page_key = tuple_(bindparam("at", at, type_=Instance.created_at.type), bindparam("last_id", last_id))
        where.append(tuple_(*(key or (Instance.created_at, Instance.id))) < page_key)
    return where


MERGE_AT_MOST = 50  # properties searched as one ordered walk each, merged (beyond: one walk over all cases)
NEWEST = (Instance.created_at.desc(), Instance.id.desc())


def search_cases(session: Session, property_ids, query: CaseQuery, now: datetime) -> CasePage:
    """One page of the cases at ``property_ids`` (None: all) matching ``query``, newest first.

    Each property's cases are walked newest first on its own index range, and the walks are
    merged (UNION ALL of per-property LIMITs): a walk over two properties' ranges at once would
    read and sort all their cases for every page.
    """
    if property_ids is None:
        props = [query.property_id] if query.property_id else None
    else:
        props = sorted(set(property_ids) & {query.property_id} if query.property_id else set(property_ids))
    if props is not None and not props:
        return CasePage([], None)
    gram = short_search(query.text or "")
    if gram is not None:
        ids = _gram_walk(session, props, gram, query, now)
    else:
        ids = _case_walk(session, props, query, now)
    found = {c.id: c for c in session.scalars(select(Instance).where(Instance.id.in_(ids)))} if ids else {}
    rows = [found[i] for i in ids if i in found]
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return CasePage(rows, (rows[-1].created_at, rows[-1].id) if more and rows else None)


def _case_walk(session: Session, props: list[int] | None, query: CaseQuery, now: datetime) -> list[int]:
    """The ids of one page (and one more) walked over the cases' own indexes, newest first."""
    where = conditions(query, now, session.get_bind().dialect.name)
    take = query.limit + 1
    if props is None or len(props) > MERGE_AT_MOST:
        scope = [] if props is None else [Instance.property_id.in_(props)]
        ids = list(session.scalars(select(Instance.id).where(*scope, *where).order_by(*NEWEST).limit(take)))
    elif len(props) == 1:
        ids = list(session.scalars(select(Instance.id).where(Instance.property_id == props[0], *where)
                                   .order_by(*NEWEST).limit(take)))
    else:
        walks = [select(Instance.id, Instance.created_at).where(Instance.property_id == p, *where)
                 .order_by(*NEWEST).limit(take).subquery() for p in props]
        merged = union_all(*[select(w.c.id, w.c.created_at) for w in walks]).subquery()
        ids = list(session.scalars(select(merged.c.id).order_by(merged.c.created_at.desc(), merged.c.id.desc())
                                   .limit(take)))
    return ids


GRAM_NEWEST = (CaseGram.created_at.desc(), CaseGram.instance_id.desc())


def _gram_walk(session: Session, props: list[int] | None, gram: str, query: CaseQuery, now: datetime) -> list[int]:
    """The ids of one page (and one more) of the cases with ``gram`` in their summary, newest first.

    The walk reads ``case_grams`` by its primary key (gram, property, time) — or, across every
    property, by (gram, time) — so a common surname and a name nobody has cost the same: a page
    of index entries, never every case of a property."""
    where = [CaseGram.gram == gram,
             *conditions(query, now, session.get_bind().dialect.name, key=(CaseGram.created_at, CaseGram.instance_id))]
    take = query.limit + 1

    def walk(*scope, columns=(CaseGram.instance_id,)):
        return (select(*columns).select_from(CaseGram).join(Instance, Instance.id == CaseGram.instance_id)
                .where(*scope, *where).order_by(*GRAM_NEWEST).limit(take))

    if props is None or len(props) > MERGE_AT_MOST:
        return list(session.scalars(walk(*([] if props is None else [CaseGram.property_id.in_(props)]))))
    if len(props) == 1:
        return list(session.scalars(walk(CaseGram.property_id == props[0])))
    pair = (CaseGram.instance_id, CaseGram.created_at)
    merged = union_all(*[select(w.c.instance_id, w.c.created_at) for w in
                         (walk(CaseGram.property_id == p, columns=pair).subquery() for p in props)]).subquery()
    return list(session.scalars(select(merged.c.instance_id)
                                .order_by(merged.c.created_at.desc(), merged.c.instance_id.desc()).limit(take)))


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
