"""Record sheets out: XLSX exports for a property and date range, and one case's record as an A4 print page.

Exports (《客户投诉记录处理表》, 《回访记录表》, 《服务派工单》) are for those who see the
property's promise board; a case's print view for anyone who may see the case.
"""
from __future__ import annotations

import tempfile
from urllib.parse import quote

from flask import Blueprint, abort, render_template, send_file

from engine import record_sheets as sheets

from .access import case_or_404
from .db import get_session
from .figures import _period, _property_or_404

bp = Blueprint("records", __name__, url_prefix="/records")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/<code>/<sheet>.xlsx")
def export(code: str, sheet: str):
    prop = _property_or_404(code)
    if sheet not in sheets.SHEETS:
        abort(404)
    _month, start, end = _period()
    spool = tempfile.TemporaryFile()
    sheets.write_xlsx(spool, get_session(), prop, sheet, start, end)
    get_session().rollback()
    spool.seek(0)
    title = sheets.SHEETS[sheet][0]
    name = f"{prop.code}-{title}-{start.isoformat()}-{end.isoformat()}.xlsx"
    response = send_file(spool, mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.route("/<int:case_id>/print")
def print_view(case_id: int):
    from flask import current_app
    from flask_login import current_user

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    case = case_or_404(case_id)
    found = sheets.case_sheet(get_session(), case)
    if found is None:
        abort(404)
    title, fields, callbacks = found
    return render_template("records/print.html", case=case, title=title, fields=fields, callbacks=callbacks,
                           callback_headings=sheets.CALLBACK_HEADINGS, prop=case.property)
