"""The promise board: a property's KPIs against their targets, all properties side by side for HQ, the cases behind.

Managers, supervisors and quality staff see the properties where they hold those roles;
HQ sees every property and the side-by-side board. Other pages are 404. Each view
first brings the roll-ups up to date (``engine.figures.rollup.sync``: cheap when
nothing happened), then reads them.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine import Property, lanes_by_property
from engine import figures_kpis as kpis
from engine import figures_queries as queries
from engine import figures_report as report
from engine import figures_rollup as rollup

from .access import me
from .db import get_session
from .display import DEFAULT_TZ, role_label
from .figures_text import REPORT_LABELS, SHORT_LABELS, STATUS_LABELS, cause_label, kpi_label, shown

bp = Blueprint("figures", __name__, url_prefix="/figures")


@bp.before_request
def _signed_in():
    from flask import current_app
    from flask_login import current_user

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None

BOARD_ROLES = {"manager", "cs_supervisor", "quality", "hq"}
HQ_COLUMNS = ("satisfaction", "complaint_handling", "complaint_rate", "repair_timeliness", "repair_quality",
              "callback_rate", "archive", "escalations", "reporting")
TREND = ("satisfaction", "complaint_handling", "repair_timeliness", "repair_quality", "archive")
WEB_SYNC_EVENTS = 5000  # a page brings at most this many new audit events in; the periodic job does the rest
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class BadInput(Exception):
    """A query parameter the page cannot use; the message names it."""


@bp.app_errorhandler(BadInput)
def _bad_input(exc):
    return render_template("error.html", code=400, message=str(exc)), 400


@bp.app_template_global()
def may_see_figures() -> bool:
    return bool(board_property_ids())


@bp.app_template_global()
def figure_label(key: str) -> str:
    return kpi_label(key)


def board_property_ids() -> set[int]:
    """Properties whose board the signed-in user may see."""
    from flask import g
    from flask_login import current_user

    if not current_user.is_authenticated:
        return set()
    if "board_ids" not in g:
        lanes = lanes_by_property(get_session(), me())
        g.board_ids = {pid for pid, roles in lanes.items() if roles & BOARD_ROLES}
    return g.board_ids


def _this_month() -> str:
    return datetime.now(ZoneInfo(DEFAULT_TZ)).strftime("%Y-%m")


def _month_arg() -> str:
    month = request.args.get("month") or _this_month()
    if not MONTH.match(month):
        raise BadInput(_("The month must be given as YYYY-MM, e.g. 2026-11; “%(value)s” is not.", value=month))
    return month


def _date_arg(name: str) -> date:
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(_("“%(value)s” is not a date; give it as YYYY-MM-DD.", value=value)) from None


def _period() -> tuple[str | None, date, date]:
    """(month or None, first day, last day) from ``?month=`` or ``?from=&to=``."""
    if request.args.get("from") or request.args.get("to"):
        start, end = _date_arg("from"), _date_arg("to")
        if end < start:
            raise BadInput(_("The end date comes before the start date."))
        if (end - start).days > 366 * 3:
            raise BadInput(_("Choose at most three years."))
        return None, start, end
    month = _month_arg()
    first, after = rollup.month_bounds(month)
    return month, first, after - timedelta(days=1)


def _property_or_404(code: str) -> Property:
    session = get_session()
    prop = session.scalars(select(Property).where(Property.code == code)).one_or_none()
    if prop is None or prop.id not in board_property_ids():
        abort(404)
    return prop


def sync_figures() -> None:
    """Bring the roll-ups up to date in a writing session of its own (a GET's session only reads),
    then end the request's read transaction so that what it reads next includes them."""
    from flask import current_app

    with current_app.extensions["pflow_sessions"]() as writer:
        rollup.sync(writer, max_events=WEB_SYNC_EVENTS)
        writer.commit()
    get_session().rollback()




def _trend(months: list[str], per_month: dict[str, dict[str, queries.Figure]]) -> dict:
    return {"months": months, "series": [
        {"key": k, "label": kpi_label(k), "target": kpis.DEFAULT_TARGETS.get(k),
         "values": [per_month[m][k].value for m in months]} for k in TREND]}


@bp.route("/")
def index():
    ids = board_property_ids()
    if not ids:
        abort(404)
    if me().is_hq:
        return redirect(url_for("figures.hq"))
    props = get_session().scalars(select(Property).where(Property.id.in_(ids)).order_by(Property.code)).all()
    if len(props) == 1:
        return redirect(url_for("figures.board", code=props[0].code))
    return render_template("figures/choose.html", props=props)


@bp.route("/p/<code>")
def board(code: str):
    prop = _property_or_404(code)
    month, start, end = _period()
    sync_figures()
    session = get_session()
    if month is None:
        figures = queries.range_figures(session, prop.id, start, end)
        return render_template("figures/board.html", prop=prop, month=None, start=start, end=end, figures=figures,
                               last=None, trend=None, causes=_causes(prop, start, end),
                               departments=_departments(prop, start, end), **_helpers())
    months = queries.last_months(month, 12)
    per = queries.months_figures(session, months, [prop.id])
    per_month = {m: per[(prop.id, m)] for m in months}
    return render_template("figures/board.html", prop=prop, month=month, start=start, end=end,
                           figures=per_month[month], last=per_month[months[-2]], last_month=months[-2],
                           trend=json.dumps(_trend(months, per_month), ensure_ascii=False),
                           causes=_causes(prop, start, end), departments=_departments(prop, start, end), **_helpers())


def _causes(prop, start, end):
    counts = queries.breakdown(get_session(), prop.id, start, end, "complaint_cause")
    return [(dim, cause_label(dim), n) for dim, n in counts.items()]


def _departments(prop, start, end):
    counts = queries.breakdown(get_session(), prop.id, start, end, "complaint_department")
    return [(dim, role_label(dim) if dim else _("Not given"), n) for dim, n in counts.items()]


def _helpers() -> dict:
    months = queries.last_months(_this_month(), 24)[::-1]
    return {"month_choices": months + sorted({request.args.get("month", "")} - set(months) - {""}, reverse=True),
            "shown": shown, "status_label": lambda s: str(STATUS_LABELS[s]), "short": lambda k: str(SHORT_LABELS[k])}


def _worst_key(column: str | None):
    """Sort key putting the worst property first: by one KPI's status and distance from its target,
    or by how many figures are red, then amber."""
    rank = {"red": 0, "amber": 1, "green": 2, "none": 3}

    def gap(f: queries.Figure) -> float:
        if f.value is None or f.target is None:
            return 0.0
        return f.value - f.target if f.kpi.better == kpis.Better.HIGHER else f.target - f.value

    def key(row):
        figures = row["figures"]
        if column:
            return (rank[figures[column].status], gap(figures[column]), row["prop"].code)
        statuses = [figures[c].status for c in HQ_COLUMNS]
        return (-statuses.count("red"), -statuses.count("amber"), row["prop"].code)
    return key


@bp.route("/hq")
def hq():
    if not me().is_hq:
        abort(404)
    month = _month_arg()
    column = request.args.get("sort") or None
    if column is not None and column not in HQ_COLUMNS:
        raise BadInput(_("The board cannot be sorted by “%(value)s”.", value=column))
    sync_figures()
    session = get_session()
    props = session.scalars(select(Property).order_by(Property.code)).all()
    months = queries.last_months(month, 2)
    per = queries.months_figures(session, months, None, keys=HQ_COLUMNS)  # every property
    rows = [{"prop": p, "figures": per[(p.id, month)], "last": per[(p.id, months[0])]} for p in props]
    rows.sort(key=_worst_key(column))
    trend_months = queries.last_months(month, 12)
    company = queries.company_months(session, trend_months)
    reports = report.report_status(session, month)
    late = [row["prop"] for row in rows if reports[row["prop"].id] == "late"]
    labels, shorts = {c: kpi_label(c) for c in HQ_COLUMNS}, {c: str(SHORT_LABELS[c]) for c in HQ_COLUMNS}
    statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
    report_labels = {k: str(v) for k, v in REPORT_LABELS.items()}
    board_url = url_for("figures.board", code="CODE", month=month)
    table = [{"name": row["prop"].name, "url": board_url.replace("/CODE?", f"/{row['prop'].code}?"),
              "cells": [_cell(c, row["figures"][c], row["last"][c], labels, statuses) for c in HQ_COLUMNS],
              "report": (reports[row["prop"].id], report_labels[reports[row["prop"].id]])} for row in rows]
    return render_template("figures/hq.html", month=month, table=table, columns=HQ_COLUMNS, sort=column,
                           labels=labels, shorts=shorts, late=late,
                           trend=json.dumps(_trend(trend_months, company), ensure_ascii=False), **_helpers())


def _cell(key: str, f: queries.Figure, last: queries.Figure, labels: dict, statuses: dict) -> tuple:
    """One cell of the HQ table: (status, value text, arrow class, arrow, title)."""
    arrow = cls = ""
    if f.value is not None and last.value is not None and f.value != last.value:
        cls = "up" if (f.value > last.value) == (f.kpi.better == kpis.Better.HIGHER) else "down"
        arrow = "▲" if f.value > last.value else "▼"
    return f.status, shown(f.value, f.kpi.unit), cls, arrow, f"{labels[key]}: {statuses[f.status]}"


@bp.route("/p/<code>/cases")
def cases(code: str):
    prop = _property_or_404(code)
    month, start, end = _period()
    key = request.args.get("kpi", "")
    if key not in kpis.BY_KEY and key not in kpis.BREAKDOWNS:
        raise BadInput(_("There is no figure “%(value)s”.", value=key))
    missed = request.args.get("missed") == "1"
    dim = request.args.get("dim")
    sync_figures()
    rows = queries.cases_behind(get_session(), prop.id, key, start, end, missed_only=missed, dim=dim)
    title = kpi_label(key) if key in kpis.BY_KEY else (
        _("Complaints by cause") if key == "complaint_cause" else _("Complaints by department"))
    return render_template("figures/cases.html", prop=prop, month=month, start=start, end=end, key=key,
                           title=title, rows=rows, missed=missed, dim=dim)
