"""The household register for the front desk (``/households/``): list and search, edit, import, and the
room lookup the case start form fills the resident's name and phone from.

Front desk, supervisors, managers (and HQ) keep the register of their properties; anyone
else gets 404 for a property that is not theirs.
"""
from __future__ import annotations

import tempfile
from datetime import date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from engine import HouseholdData, HouseholdInvalid, NotFound, Property, household_import, households, register_sheet
from engine import sms_policy as policy

from .access import my_lanes, my_property_ids
from .db import get_session

bp = Blueprint("households", __name__, url_prefix="/households")
KEEPERS = {"front_desk", "cs_supervisor", "manager", "hq"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEMBER_ROWS = 6

ERRORS = {
    "room_required": _l("Building and room are required."),
    "name_required": _l("A person needs a name."),
    "bad_relation": _l("Choose owner, tenant or family member."),
    "not_mobile": _l("“%(value)s” is not an 11-digit mobile number."),
    "owner_required": _l("Name an owner or a tenant."),
    "room_taken": _l("%(value)s is registered already."),
    "bad_date": _l("“%(value)s” is not a date (YYYY-MM-DD)."),
}
FILE_ERRORS = {
    "not_a_table": _l("Upload an Excel (.xlsx) or CSV file."),
    "unreadable": _l("The file cannot be read; save it again as .xlsx or CSV (UTF-8 or GBK)."),
    "no_rows": _l("The file is empty."),
    "no_room_column": _l("The first row must name the columns: 楼栋 and 房号 (or 栋房号), 业主姓名, 业主电话, …"),
    "too_many_rows": _l("The file has too many rows; split it."),
}
FIELDS = {"room": _l("Room"), "members": _l("People"), "move_in": _l("Move-in date")}
RELATIONS = {"owner": _l("Owner"), "tenant": _l("Tenant"), "family": _l("Family member")}


def say(code: str, params: dict) -> str:
    return str(ERRORS.get(code, ERRORS["room_required"])) % params


def field_label(field: str) -> str:
    if field.startswith("members."):
        return _("Person %(n)s", n=int(field.split(".")[1]) + 1)
    return str(FIELDS.get(field, field))


@bp.before_request
def _keepers_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not my_properties():
        abort(404)
    return None


@bp.app_context_processor
def _nav():
    def keeps_register() -> bool:  # the menu asks on every page: from the roles already loaded, no query
        return bool(current_user.is_authenticated and _keeper_property_ids())
    def lookup_url() -> str | None:  # the case start form fills name and phone from the register
        code = (request.view_args or {}).get("property_code")
        if request.endpoint != "cases.start" or not current_user.is_authenticated:
            return None
        return url_for("households.lookup", code=code) if any(p.code == code for p in my_properties()) else None
    return {"keeps_register": keeps_register, "lookup_url": lookup_url()}


def _keeper_property_ids() -> list[int]:
    return [pid for pid in my_property_ids() if my_lanes(pid) & KEEPERS or current_user.is_hq]


def my_properties() -> list[Property]:
    """The properties whose household register I keep (read once per request)."""
    if "register_properties" not in g:
        ids = _keeper_property_ids()
        g.register_properties = list(get_session().scalars(
            select(Property).where(Property.id.in_(ids)).order_by(Property.code))) if ids else []
    return g.register_properties


def property_or_404(code: str) -> Property:
    prop = next((p for p in my_properties() if p.code == code), None)
    if prop is None:
        abort(404)
    return prop


@bp.route("/")
def index():
    props = my_properties()
    prop = property_or_404(request.args.get("property") or props[0].code)
    search = request.args.get("q", "").strip()
    db = get_session()
    return render_template("households/index.html", props=props, prop=prop, search=search,
                           rows=households.listing(db, prop.id, search, limit=200),
                           total=households.count(db, prop.id), relations=RELATIONS)


@bp.route("/<code>/export.xlsx")
def export(code: str):
    """The register as 《业户信息记录表》 (XLSX), written to a temporary file as it is read."""
    prop, db = property_or_404(code), get_session()
    today = datetime.now(ZoneInfo(prop.timezone or "Asia/Shanghai")).date()
    name = f"{prop.code}-{register_sheet.TITLE}-{today.isoformat()}.xlsx"
    spool = tempfile.TemporaryFile()
    register_sheet.write_xlsx(spool, db, prop, today)
    db.rollback()
    spool.seek(0)
    response = send_file(spool, mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.route("/<code>/lookup")
def lookup(code: str):
    """The registered contact of a room (JSON), for the case start form; 404 if the room is not registered."""
    prop = property_or_404(code)
    household = households.by_room(get_session(), prop.id, request.args.get("room", ""))
    if household is None:
        return jsonify({}), 404
    return jsonify(households.contact(household))


@bp.route("/<code>/new", methods=["GET", "POST"])
@bp.route("/<code>/<int:household_id>", methods=["GET", "POST"])
def edit(code: str, household_id: int | None = None):
    prop, db = property_or_404(code), get_session()
    try:
        existing = households.get(db, prop.id, household_id) if household_id else None
    except NotFound:
        abort(404)
    if request.method == "GET":
        form = _form_of(existing)
        return render_template("households/edit.html", prop=prop, household=existing, form=form, errors={},
                               relations=RELATIONS, sms=_sms_state(existing))
    form, errors = _read_form(), {}
    try:
        move_in = date.fromisoformat(form["move_in"]) if form["move_in"] else None
    except ValueError:
        move_in, errors["move_in"] = None, say("bad_date", {"value": form["move_in"]})
    if not errors:
        try:
            households.save(db, prop, HouseholdData(form["building"], form["room"], form["members"], move_in,
                                                    form["notes"]), household_id)
            db.commit()
            flash(_("Household %(room)s saved.", room=f"{form['building']}-{form['room']}".upper()), "success")
            return redirect(url_for(".index", property=prop.code, q=f"{form['building']}-{form['room']}"))
        except HouseholdInvalid as exc:
            db.rollback()
            errors = {f: say(c, p) for f, (c, p) in exc.errors.items()}
    return render_template("households/edit.html", prop=prop, household=existing, form=form, errors=errors,
                           relations=RELATIONS, sms=_sms_state(existing)), 400


@bp.route("/<code>/<int:household_id>/sms", methods=["POST"])
def sms(code: str, household_id: int):
    """Stop or restart notice SMS to a number of the household (a resident asked at the desk or by phone)."""
    prop, db = property_or_404(code), get_session()
    try:
        household = households.get(db, prop.id, household_id)
    except NotFound:
        abort(404)
    phone = request.form.get("phone", "")
    if phone not in {m.phone for m in household.members if m.phone}:
        abort(404)
    if request.form.get("notices") == "off":
        policy.opt_out(db, phone, f"front_desk:{current_user.username}")
        flash(_("No more notice SMS to %(phone)s.", phone=phone), "success")
    else:
        policy.opt_in(db, phone)
        flash(_("Notice SMS to %(phone)s again.", phone=phone), "success")
    db.commit()
    return redirect(url_for(".edit", code=prop.code, household_id=household.id))


def _sms_state(household) -> list[tuple[str, str, bool]]:
    """(name, phone, opted out) of each member with a phone."""
    if household is None:
        return []
    db = get_session()
    return [(m.name, m.phone, policy.opted_out(db, m.phone)) for m in household.members if m.phone]


@bp.route("/<code>/import", methods=["GET", "POST"])
def import_file(code: str):
    prop, db = property_or_404(code), get_session()
    if request.method == "GET":
        return render_template("households/import.html", prop=prop)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("households/import.html", prop=prop, error=_("Choose a file.")), 400
    try:
        table = household_import.read_table(upload.filename, upload.read())
    except household_import.ImportFileError as exc:
        return render_template("households/import.html", prop=prop, error=str(FILE_ERRORS[exc.code])), 400
    report = household_import.import_households(db, prop, table)
    if not report.ok:
        db.rollback()
        rows = [(e.row, field_label(e.field), say(e.code, e.params)) for e in report.errors]
        return render_template("households/import.html", prop=prop, rows=rows), 400
    db.commit()
    flash(_("Imported: %(created)d new, %(updated)d updated.", created=report.created, updated=report.updated),
          "success")
    return redirect(url_for(".index", property=prop.code))


def _form_of(household) -> dict:
    members = [{"name": m.name, "relation": m.relation, "phone": m.phone or ""} for m in household.members] \
        if household else [{"name": "", "relation": "owner", "phone": ""}]
    members += [{"name": "", "relation": "family", "phone": ""}] * (MEMBER_ROWS - len(members))
    return {"building": household.building if household else "", "room": household.room if household else "",
            "move_in": household.move_in_date.isoformat() if household and household.move_in_date else "",
            "notes": household.notes if household else "", "members": members}


def _read_form() -> dict:
    f = request.form
    members = [{"name": f.get(f"name_{n}", "").strip(), "relation": f.get(f"relation_{n}", "family"),
                "phone": f.get(f"phone_{n}", "").strip()} for n in range(MEMBER_ROWS)]
    return {"building": f.get("building", "").strip(), "room": f.get("room", "").strip(),
            "move_in": f.get("move_in", "").strip(), "notes": f.get("notes", "").strip(), "members": members}
