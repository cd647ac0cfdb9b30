"""Satisfaction surveys (征询表): staff open a round and read its 统计分析; each household answers by its own link.

Staff pages are for those who see the property's promise board (HQ: every property).
``/s/<token>`` needs no sign-in: the unguessable token is the household's key; it answers once.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine import (
    Conflict,
    FormInvalid,
    NotAllowed,
    NotFound,
    Property,
    SurveyRound,
    survey_analysis,
    survey_invites,
    survey_rounds,
)

from .access import me
from .db import get_session
from .figures import board_property_ids

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
public = Blueprint("survey_form", __name__)
RATING_CHOICES = [(r, survey_rounds.RATING_LABELS[r]) for r in survey_rounds.RATINGS]


@bp.before_request
def _staff_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not board_property_ids():
        abort(404)
    return None


def _round_or_404(round_id: int) -> SurveyRound:
    found = get_session().get(SurveyRound, round_id)
    if found is None or found.property_id not in board_property_ids():
        abort(404)
    return found


@bp.route("/")
def index():
    session = get_session()
    ids = board_property_ids()
    props = session.scalars(select(Property).where(Property.id.in_(ids)).order_by(Property.code)).all()
    found = session.scalars(select(SurveyRound).where(SurveyRound.property_id.in_(ids))
                            .order_by(SurveyRound.opened_at.desc()).limit(100)).all()
    results = [survey_analysis.analyse(session, r) for r in found]
    names = {p.id: p.name for p in props}
    return render_template("surveys/index.html", props=props, results=results, names=names)


@bp.route("/open", methods=["POST"])
def open_round():
    session = get_session()
    code = request.form.get("property", "")
    prop = session.scalars(select(Property).where(Property.code == code)).one_or_none()
    if prop is None or prop.id not in board_property_ids():
        abort(404)
    try:
        days = int(request.form.get("days", "14"))
        new = survey_rounds.open_round(session, prop, request.form.get("title", ""), by=me().username, days=days)
    except ValueError:
        flash(_("Give the number of days as a whole number."), "error")
        return redirect(url_for(".index")), 303
    except NotAllowed as exc:
        session.rollback()
        flash({"survey_title": _("Give the round a title."),
               "survey_no_households": _("This property has no households to survey yet."),
               "survey_days": _("A round stays open 1 to 90 days.")}.get(exc.code, _("The round could not be opened.")),
              "error")
        return redirect(url_for(".index")), 303
    settings = current_app.config["SETTINGS"]
    sent = survey_invites.send_links(session, new, settings.public_url or request.url_root)
    handed_out = survey_analysis.analyse(session, new).handed_out
    session.commit()
    flash(_("Survey round opened: %(n)d households, %(sent)d links sent by SMS.", n=handed_out, sent=sent.sent),
          "success")
    left = len(sent.no_phone) + len(sent.opted_out) + len(sent.limited)
    if left:
        flash(_("%(n)d households got no SMS (no mobile number, opted out or today's limit reached): "
                "hand them their links below.", n=left), "warning")
    return redirect(url_for(".show", round_id=new.id)), 303


@bp.route("/<int:round_id>")
def show(round_id: int):
    session = get_session()
    found = _round_or_404(round_id)
    from engine import SurveyInvitation

    invitations = session.scalars(select(SurveyInvitation).where(SurveyInvitation.round_id == found.id)
                                  .order_by(SurveyInvitation.household)).all()
    return render_template("surveys/show.html", result=survey_analysis.analyse(session, found), invitations=invitations,
                           prop=session.get(Property, found.property_id), ratings=RATING_CHOICES,
                           target=survey_analysis.RETURN_TARGET)


@public.route("/s/<token>", methods=["GET", "POST"])
def answer(token: str):
    session = get_session()
    try:
        inv, found = survey_rounds.invitation(session, token)
    except NotFound:
        abort(404)
    prop = session.get(Property, found.property_id)
    if inv.answered_at is not None:
        return render_template("surveys/thanks.html", prop=prop, again=True)
    errors = {}
    if request.method == "POST":
        ratings = {item["key"]: (request.form.get(item["key"]) or None) for item in found.items}
        try:
            survey_rounds.answer(session, token, ratings, request.form.get("comment", ""))
        except FormInvalid as exc:
            session.rollback()
            errors = {e.field: _("Choose one of the answers.") for e in exc.errors}
        except NotAllowed:
            session.rollback()
            return render_template("surveys/thanks.html", prop=prop, closed=True), 410
        except Conflict:
            session.rollback()
            return render_template("surveys/thanks.html", prop=prop, again=True)
        else:
            session.commit()
            return render_template("surveys/thanks.html", prop=prop)
    return render_template("surveys/form.html", prop=prop, round=found, inv=inv, ratings=RATING_CHOICES,
                           errors=errors, values=request.form), 400 if errors else 200
