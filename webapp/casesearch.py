"""工单查询: every case at my properties, open or closed, found by number, resident, phone, room and filters.

A page of ``engine.search_cases`` results, paged by key (``after``); bad filter values are
left out with a note, never an error page.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import CASE_STATUSES as STATUSES
from engine import AuditEvent, AuditKind, CaseQuery, HumanTask, Process, Property, decode_key, encode_key, search_cases

from .access import my_property_ids
from .db import get_session
from .inbox import summary_text

bp = Blueprint("casesearch", __name__, url_prefix="/search")


def _day(name: str, problems: list[str]) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(_("“%(value)s” is not a date; that filter was left out.", value=raw[:20]))
        return None


def read_query(problems: list[str]) -> CaseQuery:
    args = request.args
    return CaseQuery(
        text=(args.get("q") or "").strip()[:100] or None,
        property_id=args.get("property", type=int),
        process_key=args.get("process") or None,
        status=args.get("status") if args.get("status") in STATUSES else None,
        since=_day("from", problems), until=_day("to", problems),
        overdue=args.get("late") == "overdue", escalated=args.get("late") == "escalated",
        after=decode_key(args.get("after")), limit=current_app.config["PER_PAGE"])


@bp.route("/")
@login_required
def index():
    session = get_session()
    problems: list[str] = []
    query = read_query(problems)
    now = datetime.now(UTC)
    props = {p.id: p for p in session.scalars(select(Property).where(Property.id.in_(my_property_ids())))}
    searched = any(request.args.get(k) for k in ("q", "property", "process", "status", "from", "to", "late"))
    page = search_cases(session, set(props), query, now)
    ids = [case.id for case in page.rows]
    late = set(session.scalars(select(HumanTask.instance_id).where(
        HumanTask.instance_id.in_(ids), HumanTask.due_at < now))) if ids else set()
    escalated = set(session.scalars(select(AuditEvent.instance_id).where(
        AuditEvent.instance_id.in_(ids), AuditEvent.kind == AuditKind.ESCALATED))) if ids else set()
    processes = session.execute(select(Process.id, Process.key, Process.name).order_by(Process.name)).all()
    return render_template(
        "casesearch/index.html", page=page, query=query, props=props, searched=searched, problems=problems,
        summaries={case.id: summary_text(session, case) for case in page.rows}, late=late, escalated=escalated,
        processes=processes, process_names={p.id: p.name for p in processes}, statuses=STATUSES,
        next_url=_next_url(page.next_after), first_page=query.after is None)


def _next_url(key) -> str | None:
    from flask import url_for

    if key is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "after"}
    return url_for(".index", **args, after=encode_key(key))
