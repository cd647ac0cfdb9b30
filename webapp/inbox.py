"""The inbox: my tasks and my roles' tasks, filtered, searched, sorted by due time, paged.

Reads the ``human_tasks`` projection for the page, then the summaries of that
page's cases by primary key; it never loads a workflow.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from engine import (
    SUPERVISORS,
    CaseQuery,
    InboxQuery,
    Instance,
    Process,
    Property,
    User,
    escalated_steps,
    facets,
    inbox,
    open_notices,
    page_key,
    read_page_key,
    search_cases,
    version_info,
)

from .access import me, my_lanes, my_property_ids
from .bulk import reassign_candidates
from .db import get_session

bp = Blueprint("inbox", __name__)
VIEWS = ("mine", "team", "property")
NOTICE_DAYS = timedelta(days=7)  # how far back the inbox shows notices to my roles


def landing_view(user) -> str:
    """Supervisors, managers and HQ land on the whole property (their team's work); everyone else on their own."""
    return "property" if user.is_hq or any(a.role in SUPERVISORS for a in user.roles) else "mine"


def _query() -> InboxQuery:
    args = request.args
    view = args.get("view") or landing_view(me())
    process_key, _sep, task_name = args.get("task", "").partition(":")
    return InboxQuery(
        view=view if view in VIEWS else "mine",
        property_id=args.get("property", type=int),
        process_key=args.get("process") or process_key or None,
        task_name=task_name or None,
        overdue=args.get("due") == "overdue",
        due_soon=args.get("due") == "soon",
        escalated=args.get("due") == "escalated",
        search=(args.get("q") or "").strip()[:100] or None,
        page=max(1, args.get("page", 1, type=int)),
        per_page=current_app.config["PER_PAGE"],
        after=read_page_key(args["after"]) if args.get("after") else None,  # a malformed key: the first page
        before=read_page_key(args["before"]) if args.get("before") else None,
    )


def _url(params: dict | None) -> str | None:
    """This inbox (its view, filters and search) at the page ``params`` name."""
    if params is None:
        return None
    kept = {k: v for k, v in request.args.items() if k not in ("page", "after", "before")}
    return url_for("inbox.index", **kept, **params)


def pager(query: InboxQuery, page) -> tuple[int, dict | None, dict | None]:
    """The page's number and the URL parameters of the pages before and after it (None: there is none).

    The links carry the rows at the page's edges (keyset), so a deep page costs what the first does; the
    number only travels along to be shown.
    """
    number, rows = max(1, query.page), page.rows
    if query.before is not None and not page.more:
        number = 1  # read back to the first task
    backwards = query.before is not None and query.after is None
    previous = None
    if rows and number > 1:
        previous = {"page": 1} if number == 2 else {"page": number - 1, "before": page_key(rows[0])}
    following = None
    if rows and (backwards or page.more):
        following = {"page": number + 1, "after": page_key(rows[-1])}
    return number, previous, following


def summary_text(session, case) -> str:
    """The case's summary values in the order its manifest lists them (JSONB keeps no key order); ``case`` is
    an ``Instance`` or a row with its ``version_id`` and ``summary``."""
    order = version_info(session, case.version_id).manifest.get("summary_fields") or sorted(case.summary)
    return " · ".join(str(case.summary[k]) for k in order if case.summary.get(k) not in (None, ""))


@bp.route("/")
@login_required
def index():
    session = get_session()
    user = me()
    query = _query()
    now = datetime.now(UTC)
    page = inbox(session, user, query, now)
    ids = {row.instance_id for row in page.rows}
    cases = {c.id: c for c in session.execute(  # what the rows show of their cases: the summary, not the rows
        select(Instance.id, Instance.version_id, Instance.summary).where(Instance.id.in_(ids)))} if ids else {}
    props = {p.id: p for p in session.scalars(  # head office: every property, read once (not their ids first)
        select(Property) if user.is_hq else select(Property).where(Property.id.in_(my_property_ids())))}
    process_keys, tasks = facets(session, user)
    names = dict(session.execute(select(Process.key, Process.name)).all())  # a short table
    summaries = {case.id: summary_text(session, case) for case in cases.values()}
    escalated = escalated_steps(session, ids)  # the mark agrees with the *escalated* filter (this very step)
    notices = open_notices(session, user, now - NOTICE_DAYS)
    assignees = {row.assignee for row in page.rows if row.assignee}
    holders = dict(session.execute(select(User.username, User.display_name)
                                   .where(User.username.in_(assignees))).all()) if assignees else {}
    other_cases = []  # the search also finds cases without open tasks of mine, and says so
    if query.search:
        found = search_cases(session, my_property_ids(), CaseQuery(text=query.search, limit=6), now).rows
        other_cases = [case for case in found if case.id not in ids]
        summaries.update({case.id: summary_text(session, case) for case in other_cases})
    workable = {row.id for row in page.rows if row.assignee == user.username or row.lane in my_lanes(row.property_id)}
    number, previous, following = pager(query, page)
    return render_template("inbox/index.html", page=page, query=query, number=number, previous=_url(previous),
                           following=_url(following), summaries=summaries, escalated=escalated, props=props,
                           process_names=names, process_keys=process_keys, tasks=tasks, now=now, workable=workable,
                           notices=notices, holders=holders, other_cases=other_cases,
                           candidates=reassign_candidates(session) if query.view in ("team", "property") else [],
                           supervisor=user.is_hq or any(a.role in SUPERVISORS for a in user.roles))
