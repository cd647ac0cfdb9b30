"""The promise board's words: KPI names, complaint causes and departments, in the user's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KPI_LABELS = {
    "complaint_handling": _l("Valid complaints handled"),
    "complaint_rate": _l("Valid complaints per 1,000 households a year"),
    "satisfaction": _l("Satisfaction rate"),
    "repair_timeliness": _l("Repair timeliness"),
    "repair_quality": _l("Repair quality (no returned orders)"),
    "complaint_confirm": _l("Complaints confirmed within 24 hours"),
    "complaint_reply": _l("Complaints answered within 1 working day"),
    "complaint_initial": _l("Initial solution within 3 working days"),
    "complaint_solve": _l("Solved within 15 working days"),
    "complaint_extensions": _l("Extensions"),
    "escalations": _l("Escalations (missed deadlines)"),
    "callback_rate": _l("Callback rate"),
    "callbacks_by_supervisor": _l("Callbacks by each supervisor (fewest)"),
    "callbacks_by_manager": _l("Callbacks by each manager (fewest)"),
    "callback_list": _l("Monthly callback list done in time"),
    "archive": _l("Closed cases archived complete"),
    "survey_return": _l("Survey forms returned"),
    "reporting": _l("Reports to HQ on time"),
    "reporting_complete": _l("Reports to HQ graded complete"),
}
SHORT_LABELS = {
    "satisfaction": _l("Satisfaction"),
    "complaint_handling": _l("Complaints handled"),
    "complaint_rate": _l("Complaints ‰"),
    "repair_timeliness": _l("Repairs on time"),
    "repair_quality": _l("Repair quality"),
    "callback_rate": _l("Callbacks"),
    "archive": _l("Archived"),
    "escalations": _l("Escalations"),
    "reporting": _l("Reports on time"),
}
CAUSE_LABELS = {
    "service": _l("Service not up to standard"),
    "building_quality": _l("Developer legacy or building quality"),
    "external": _l("External environment, outside our area"),
    "other_request": _l("Other requests"),
    "beyond_authority": _l("Beyond authority or difficult"),
}
STATUS_LABELS = {"green": _l("On target"), "amber": _l("Just short"), "red": _l("Off target"), "none": _l("No data")}
REPORT_LABELS = {"submitted": _l("Reported"), "submitted_late": _l("Reported late"), "late": _l("Late, not reported"),
                 "open": _l("Not due yet"), "missing": _l("No report")}
UNITS = {"%": "%", "‰": "‰", "count": ""}


def kpi_label(key: str) -> str:
    return str(KPI_LABELS.get(key, key))


def cause_label(key: str) -> str:
    return str(CAUSE_LABELS.get(key) or _l("Not given")) if key else str(_l("Not given"))


def shown(value, unit: str) -> str:
    """A KPI value for a cell: '95.2%', '0.35‰', '12', or '—' without data."""
    if value is None:
        return "—"
    if unit == "count":
        return f"{value:g}"
    return f"{value:g}{UNITS[unit]}"
