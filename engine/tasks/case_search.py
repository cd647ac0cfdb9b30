"""Finding any case (工单查询): open or closed, by number, resident, phone, room, process, status, dates, lateness.

``search_cases`` reads the ``instances`` table only (its ``search_text``, status and
creation time, indexed by migration 0011), newest first, one page at a time by key
(``after``: the last row's (created_at, id)), so page 1,000 costs what page 1 costs.
A text many cases hold is found among the newest cases, a rarer one through the text index,
so years of closed cases cost a common text nothing (see ``_case_walk``).
It never loads a workflow and writes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, literal, literal_column, select, table, tuple_, union_all
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
        return Instance.id.in_(_fts_matches(text))
    return Instance.search_text.contains(text, autoescape=True)


def _fts_matches(text: str):
    """SQLite: the ids of the cases whose ``search_text`` holds ``text`` (three or more characters), by FTS5."""
    phrase = '"' + text.replace('"', '""') + '"'
    return (select(literal_column("rowid")).select_from(table("instances_search"))
            .where(literal_column("instances_search").op("MATCH")(phrase)))


def conditions(query: CaseQuery, now: datetime, dialect: str = "postgresql", key=None, cases=Instance) -> list:
    """The SQL conditions of ``query`` over ``Instance``, apart from whose properties (see ``search_cases``).

    ``key``: the (created_at, id) columns a page key compares with (default the instance's own);
    given, the text is left to the caller (a walk over ``case_grams``). ``cases``: where the case
    columns come from (default the table; the columns of a subquery of it, such as the newest cases)."""
    where: list[Any] = []
    if query.process_key:
        where.append(cases.process_id.in_(select(Process.id).where(Process.key == query.process_key)))
    if query.status in STATUSES:
        where.append(cases.status == InstanceStatus(query.status))
    if query.since:
        where.append(cases.created_at >= _day_start(query.since, query.tz))
    if query.until:
        where.append(cases.created_at < _day_start(query.until + timedelta(days=1), query.tz))
    if query.text and key is None:
        where.append(text_condition(query.text.strip(), dialect))
    if query.overdue:
        where.append(select(HumanTask.id).where(HumanTask.instance_id == cases.id, HumanTask.due_at < now).exists())
    if query.escalated:
        where.append(select(AuditEvent.id).where(AuditEvent.instance_id == cases.id,
                                                 AuditEvent.kind == AuditKind.ESCALATED).exists())
    if query.after is not None:
        at, last_id = query.after  # a row-value comparison: the index is walked from the key
        page_key = tuple_(bindparam("at", at, type_=Instance.created_at.type), bindparam("last_id", last_id))
        where.append(tuple_(*(key or (cases.created_at, cases.id))) < page_key)
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
    """The ids of one page (and one more), newest first.

    A text of three or more characters (not a case number) that many cases hold is looked for
    among each property's newest cases first: it fills the page there, whatever the years of
    closed cases behind them, where the text index would list every case it matches. Only
    properties where it did not (a rarer text) are searched through the text index. (On SQLite,
    a text of at most ``FEW`` matches goes straight to them: FTS5 lists them in a moment.)
    """
    take = query.limit + 1
    scopes = _scopes(props)
    dialect = session.get_bind().dialect.name
    text = (query.text or "").strip()
    if len(text) < 3 or CASE_NO.match(text):
        return [r.id for r in _walk(session, scopes, conditions(query, now, dialect), take)]
    if dialect == "sqlite":
        few = list(session.scalars(_fts_matches(text).limit(FEW + 1)))
        if len(few) <= FEW:
            return [r.id for r in _through_the_text_index(session, scopes, query, now, few)]
    rows, rest = _among_the_newest(session, scopes, query, now, text)
    if rest:
        rows += _through_the_text_index(session, rest, query, now)
    rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return [r.id for r in rows[:take]]


FEW = 1000  # SQLite: a text with at most this many matches is served from FTS5's list of them


def _scopes(props: list[int] | None) -> list[list[int] | None]:
    """The properties of each walk a search makes: one walk per property, or one over many (None: all)."""
    if props is None or len(props) > MERGE_AT_MOST:
        return [props]
    return [[p] for p in props]


def _within(scope: list[int] | None, column=Instance.property_id) -> list:
    if scope is None:
        return []
    return [column == scope[0]] if len(scope) == 1 else [column.in_(scope)]


def _walk(session: Session, scopes: list[list[int] | None], where: list, take: int) -> list:
    """(id, created_at) of the newest ``take`` cases matching ``where``: each scope walked newest first on its
    own index range, the walks merged (UNION ALL of per-property LIMITs)."""
    columns = (Instance.id, Instance.created_at)
    walks = [select(*columns).where(*_within(scope), *where).order_by(*NEWEST).limit(take) for scope in scopes]
    if len(walks) == 1:
        return list(session.execute(walks[0]))
    merged = union_all(*[select(*w.subquery().c) for w in walks]).subquery()
    return list(session.execute(select(merged.c.id, merged.c.created_at)
                                .order_by(merged.c.created_at.desc(), merged.c.id.desc()).limit(take)))


RECENT = 1000  # the newest cases a text is first looked for among, shared out over the properties (a 20th at least)


def _among_the_newest(session: Session, scopes: list[list[int] | None], query: CaseQuery, now: datetime,
                      text: str) -> tuple[list, list[list[int] | None]]:
    """The matches of ``text`` among each scope's newest cases (from the page key on), and the scopes where
    that is not the answer: fewer matches than a page, and older cases left.

    Where a page is found, it is the scope's answer: every newer case of the scope was read."""
    take, size = query.limit + 1, max(RECENT // len(scopes), RECENT // 20)
    dialect = session.get_bind().dialect.name
    key = conditions(CaseQuery(after=query.after), now)
    windows = [select(Instance.id, Instance.created_at, Instance.status, Instance.process_id, Instance.search_text)
               .where(*_within(scope), *key).order_by(*NEWEST).limit(size).subquery() for scope in scopes]
    hits = [select(w.c.id, w.c.created_at, literal(i).label("scope"))
            .where(*conditions(replace(query, text=None, after=None), now, dialect, cases=w.c),
                   w.c.search_text.contains(text, autoescape=True))
            .order_by(w.c.created_at.desc(), w.c.id.desc()).limit(take) for i, w in enumerate(windows)]
    found: dict[int, list] = {}
    for row in session.execute(hits[0] if len(hits) == 1 else union_all(*[select(*h.subquery().c) for h in hits])):
        found.setdefault(row.scope, []).append(row)
    short = [i for i in range(len(scopes)) if len(found.get(i, ())) < take]
    if short:  # a window of fewer cases than its size held the whole scope: its matches are all there are
        counts = [select(literal(i).label("scope"), select(func.count()).select_from(windows[i]).scalar_subquery()
                         .label("n")) for i in short]
        whole = {r.scope for r in session.execute(counts[0] if len(counts) == 1 else union_all(*counts)) if r.n < size}
        short = [i for i in short if i not in whole]
    return [r for i, rows in found.items() if i not in short for r in rows], [scopes[i] for i in short]


def _through_the_text_index(session: Session, scopes: list[list[int] | None], query: CaseQuery, now: datetime,
                            matching: list[int] | None = None) -> list:
    """(id, created_at) of the newest matches in ``scopes`` through the text index (or among the cases
    ``matching``, FTS5's list of them), in one statement.

    A rare text, or one the newest cases did not hold a page of: walking a case index (by
    property or by time) would read case after case down the years. The property is compared
    as an expression and the order is an expression, which no index holds, so the planner can
    only start from the text's matches (FTS5, the trigram index) and sort them — SQLite without
    statistics would walk the property's cases, PostgreSQL gamble a walk on its guess of how
    many cases a substring matches."""
    dialect = session.get_bind().dialect.name
    props = None if None in scopes else sorted({p for scope in scopes if scope for p in scope})
    where = conditions(query if matching is None else replace(query, text=None), now, dialect)
    if matching is not None:
        where.append(Instance.id.in_(matching))
    newest = func.coalesce(Instance.created_at, Instance.created_at).desc()
    return list(session.execute(select(Instance.id, Instance.created_at)
                                .where(*_within(props, Instance.property_id + 0), *where)
                                .order_by(newest, Instance.id.desc()).limit(query.limit + 1)))


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
