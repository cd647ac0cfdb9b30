"""The resident portal's pages: my cases and notices, report, one case (follow, comment, photo, rate, sign off)."""
from __future__ import annotations

import base64
import binascii
from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import Attachment, Conflict, FileStore, FormInvalid, NotAllowed, add_comment, attach, attachments_of
from engine import resident_access as access
from engine import resident_portal as portal
from engine import sms_policy as policy

from .db import get_session
from .messages import MESSAGES
from .messages import explain as explain_staff
from .resident import bp, case_or_404, current_resident

RESIDENT_MESSAGES = {
    "file_type": _l("Only photos (JPEG, PNG or WebP) can be added."),
    "nothing_due": _l("Nothing on this case is waiting for your answer."),
    "rating": _l("Choose A, B or C."),
    "signoff_note": _l("Say what is not right with the work."),
    "not_your_household": _l("Choose your room."),
    "report_kind": _l("Choose what you are reporting."),
}
REPAIR_CATEGORIES = ("water_leak", "plumbing", "electrical", "power", "door_lock", "public_facility", "other")
CATEGORY_LABELS = {
    "water_leak": _l("Water leak"), "plumbing": _l("Blocked drain or pipe"), "electrical": _l("Electrics or lights"),
    "power": _l("No power"), "door_lock": _l("Doors, windows or locks"), "public_facility": _l("Shared facilities"),
    "other": _l("Something else"),
}


@bp.context_processor
def _labels():
    return {"category_label": lambda key: str(CATEGORY_LABELS.get(key, key))}


def explain(exc) -> str:
    """A refusal in words a resident understands (never an English engine message)."""
    code = getattr(exc, "code", None) or ""
    if code in RESIDENT_MESSAGES:
        return str(RESIDENT_MESSAGES[code])
    if code in MESSAGES:
        return explain_staff(exc)
    return _("This could not be saved; check what you entered and try again.")


def _files() -> FileStore:
    return FileStore(current_app.config["ATTACHMENT_DIR"])


@bp.route("/")
def home():
    db, resident = get_session(), current_resident()
    cases = [(c, portal.headline(db, c), *portal.status(db, c), portal.promise(db, c), portal.waiting_for_me(db, c))
             for c in access.cases(db, resident)]
    return render_template("resident/home.html", cases=cases, notices=access.notices(db, resident, limit=10),
                           households=access.my_households(db, resident),
                           opted_out=policy.opted_out(db, resident.phone))


@bp.route("/report", methods=["GET", "POST"])
def report():
    db, resident = get_session(), current_resident()
    households = access.my_households(db, resident)
    form = {"kind": request.values.get("kind", "repair"), "content": request.form.get("content", ""),
            "category": request.form.get("category", "water_leak"),
            "household": request.form.get("household", str(households[0].id))}
    if request.method == "GET":
        return render_template("resident/report.html", households=households, form=form,
                               categories=REPAIR_CATEGORIES)
    error = None
    if len(form["content"].strip()) < 2:
        error = _("Say what is wrong (at least 2 characters).")
    elif form["kind"] not in portal.KINDS or form["category"] not in REPAIR_CATEGORIES:
        error = _("Choose what you are reporting.")
    elif not form["household"].isdigit() or int(form["household"]) not in resident.household_ids:
        error = _("Choose your room.")
    if error:
        return render_template("resident/report.html", households=households, form=form,
                               categories=REPAIR_CATEGORIES, error=error), 400
    files, stored = _files(), []
    try:
        case = portal.report(db, resident, int(form["household"]), form["kind"], form["content"], form["category"])
        for upload in [f for f in request.files.getlist("photo") if f and f.filename]:
            stored.append(attach(db, files, case.id, upload.filename, upload.read(), user=portal.actor(resident),
                                 allowed_types=("image/jpeg", "image/png", "image/webp"),
                                 max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))
        db.commit()
    except (NotAllowed, FormInvalid) as exc:
        db.rollback()
        for row in stored:
            files.delete(row.storage_key)
        return render_template("resident/report.html", households=households, form=form,
                               categories=REPAIR_CATEGORIES, error=explain(exc)), 400
    flash(_("Reported. Your case number is %(case)s.", case=case.case_no), "success")
    return redirect(url_for(".case", case_no=case.case_no))


@bp.route("/cases/<case_no>")
def case(case_no: str):
    db, resident = get_session(), current_resident()
    instance = case_or_404(case_no)
    state, due = portal.status(db, instance)
    photos = [a for a in attachments_of(db, instance.id) if a.uploaded_by == portal.actor(resident)]
    return render_template("resident/case.html", case=instance, state=state, due=due,
                           headline=portal.headline(db, instance),
                           promise=portal.promise(db, instance), waiting=portal.waiting_for_me(db, instance),
                           steps=list(reversed(portal.timeline(db, instance, resident))), photos=photos)


def _act(case_no: str, action) -> object:
    db = get_session()
    instance = case_or_404(case_no)
    try:
        action(db, instance)
        db.commit()
    except (NotAllowed, FormInvalid, Conflict) as exc:
        db.rollback()
        return _refused(case_no, explain(exc))
    return redirect(url_for(".case", case_no=case_no))


def _refused(case_no: str, message: str):
    """The case page again with ``message`` on it, answered 400 (a redirect sent with a 400 is not followed:
    the browser would show the redirect's own English body)."""
    flash(message, "error")
    return case(case_no), 400


@bp.route("/cases/<case_no>/comment", methods=["POST"])
def comment(case_no: str):
    resident = current_resident()
    return _act(case_no, lambda db, c: add_comment(db, c.id, request.form.get("text", ""),
                                                    user=portal.actor(resident)))


@bp.route("/cases/<case_no>/photo", methods=["POST"])
def photo(case_no: str):
    resident, files = current_resident(), _files()
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return _refused(case_no, _("Choose a photo."))
    return _act(case_no, lambda db, c: attach(db, files, c.id, upload.filename, upload.read(),
                                              user=portal.actor(resident),
                                              allowed_types=("image/jpeg", "image/png", "image/webp"),
                                              max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))


@bp.route("/cases/<case_no>/rate", methods=["POST"])
def rate(case_no: str):
    resident = current_resident()
    result = _act(case_no, lambda db, c: portal.answer_callback(db, resident, c, request.form.get("rating", ""),
                                                                request.form.get("comment", "").strip()))
    if not isinstance(result, tuple):
        flash(_("Thank you for your rating."), "success")
    return result


@bp.route("/cases/<case_no>/signoff", methods=["POST"])
def signoff(case_no: str):
    resident, files = current_resident(), _files()
    data = request.form.get("signature", "")
    try:
        png = base64.b64decode(data.split(",", 1)[1] if data.startswith("data:image/png;base64,") else "", validate=True)
    except (binascii.Error, ValueError):
        png = b""
    if not png:
        return _refused(case_no, _("Sign in the box first."))
    accepted = request.form.get("accepted") != "no"
    return _act(case_no, lambda db, c: portal.sign_off(db, files, resident, c, png, accepted,
                                                       request.form.get("note", ""),
                                                       max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))


@bp.route("/cases/<case_no>/photos/<int:attachment_id>")
def photo_file(case_no: str, attachment_id: int):
    instance = case_or_404(case_no)
    row = get_session().get(Attachment, attachment_id)
    if row is None or row.instance_id != instance.id or row.uploaded_by != portal.actor(current_resident()):
        abort(404)
    try:
        data = _files().read(row.storage_key)
    except FileNotFoundError:
        abort(404)
    response = send_file(BytesIO(data), mimetype=row.content_type, download_name=row.filename, max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@bp.route("/sms", methods=["POST"])
def sms():
    db, resident = get_session(), current_resident()
    if request.form.get("notices") == "off":
        policy.opt_out(db, resident.phone, "resident")
        flash(_("You will get no more notices by SMS."), "success")
    else:
        policy.opt_in(db, resident.phone)
        flash(_("You will get notices by SMS again."), "success")
    db.commit()
    return redirect(url_for(".home"))
