"""What the KPIs count, read off a case's audit trail: the ONE place that knows the processes' field and task names.

``facts_for_case(process_key, events)`` turns the events of one case (oldest first) into
``Fact`` items. Each item is decided by one event and dated by it, so a month's figure
only changes while its cases move. When a process renames a task or a field, this
module (and its tests) is all that changes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# --- the processes' names (processes/complaint, repair, callback, callback_list) --------------------------------
COMPLAINT, REPAIR, CALLBACK, CALLBACK_LIST = "complaint", "repair", "callback", "callback_list"
INCIDENT, MONTHLY_REPORT = "incident_report", "monthly_report"
REPORT_TASK, REPORT_FORM = "write_monthly", "monthly_report_form.json"
CALLBACK_TASKS = frozenset({"cb_phone", "cb_visit", "cb_meeting"})  # the 《回访记录表》 forms (field ``rating``)
SATISFIED, UNSATISFIED = frozenset({"A", "B"}), frozenset({"C"})    # A 满意, B 较满意 | C 不满意
CLASSIFY_TASKS = ("classify", "judge")                              # field ``validity``, ``cause``
VALID = frozenset({"valid", "major"})
CONFIRM_TASK, REPLY_TASK = "confirm_receipt", "classify"
HANDLER_TASKS = {"handle_engineering": "engineering", "handle_security": "security",
                 "handle_cleaning": "cleaning", "handle_customer_service": "front_desk", "track_repair": "engineering"}
EXTENSION_TASK = "extend_supervisor"
ARRIVAL_TASKS, REPAIR_TASK, SIGNOFF_TASK = ("accept_order", "arrive_site"), "repair_work", "signoff"
LIST_TASK = "monthly_callbacks"                                      # field ``results`` rows, ``callback_staff``
# the reports a property sends HQ (信息反馈机制 [001]): process -> the tasks that send one, each with a deadline
REPORTS_TO_HQ = {MONTHLY_REPORT: ("write_monthly", "write_finance"),
                 "annual_plan": ("write_annual", "major_repair_plan", "write_training"),
                 INCIDENT: ("write_report",), "immediate_report": ("write_immediate",),
                 "move_in_report": ("write_move_in",)}
# HQ's assessment of them (reporting_assessment.json, field ``completeness``: A 完整, B 基本完整, C 不完整)
ASSESSMENT_TASKS = frozenset({"review_monthly", "assess_annual", "assess_immediate", "assess_move_in"})
COMPLAINT_RECORD = ("resident_name", "building_room", "contact_phone", "content", "channel")
REPAIR_RECORD = ("resident_name", "building_room", "content")


class Event(Protocol):
    kind: Any
    at: datetime
    actor: str | None
    task_name: str | None
    data: dict


@dataclass(frozen=True)
class Fact:
    """One counted item: in the denominator when ``counted``, in the numerator too when ``hit``."""

    kpi: str
    at: datetime
    hit: bool = False
    counted: bool = True
    dim: str = ""


def _kind(event: Event) -> str:
    return getattr(event.kind, "value", event.kind)


def _done(events, names) -> list[Event]:
    names = {names} if isinstance(names, str) else set(names)
    return [e for e in events if _kind(e) == "task_completed" and e.task_name in names]


def _escalated(events, names) -> list[Event]:
    names = {names} if isinstance(names, str) else set(names)
    return [e for e in events if _kind(e) == "escalated" and e.task_name in names]


def _first(*lists: list[Event]) -> Event | None:
    found = [e for group in lists for e in group[:1]]
    return min(found, key=lambda e: e.at) if found else None


def _stage(kpi: str, done: list[Event], missed: list[Event]) -> list[Fact]:
    """A deadline met when its task was done before any escalation on it; decided by whichever came first."""
    first = _first(done, missed)
    if first is None:
        return []
    return [Fact(kpi, first.at, hit=not missed or (bool(done) and done[0].at < missed[0].at))]


def _callback_facts(events, quota: bool) -> list[Fact]:
    """Ratings count for satisfaction; reached callbacks on complaints count for the callback quotas [003 4.7.7]."""
    facts = []
    for e in _done(events, CALLBACK_TASKS):
        rating = e.data.get("rating")
        if rating in SATISFIED | UNSATISFIED:
            facts.append(Fact("satisfaction", e.at, hit=rating in SATISFIED))
        if quota and e.data.get("reached"):
            facts.append(Fact("callbacks_by", e.at, hit=True, dim=e.actor or ""))
    return facts


def _complaint(events, started: Event, ended: Event | None) -> list[Fact]:
    data = dict(started.data.get("data", {}))
    for e in _done(events, CLASSIFY_TASKS):
        data.update({k: v for k, v in e.data.items() if v not in (None, "")})
    facts = _stage("complaint_confirm", _done(events, CONFIRM_TASK), _escalated(events, CONFIRM_TASK))
    validity = data.get("validity")
    if validity in VALID:
        handled = ended is not None and _kind(ended) == "completed"
        facts.append(Fact("complaint_handling", started.at, hit=handled))
        facts.append(Fact("complaint_cause", started.at, dim=str(data.get("cause", "")), hit=True))
        dept = next((HANDLER_TASKS.get(e.task_name or "") for e in _done(events, HANDLER_TASKS)), None)
        facts.append(Fact("complaint_department", started.at, hit=True,
                          dim=dept or str(data.get("complained_department") or "")))
    facts += _stage("complaint_reply", _done(events, REPLY_TASK), _escalated(events, REPLY_TASK))
    handler_done, handler_missed = _done(events, HANDLER_TASKS), _escalated(events, HANDLER_TASKS)
    facts += _stage("complaint_initial", handler_done, handler_missed)
    extended = _done(events, EXTENSION_TASK)
    if extended:
        facts.append(Fact("complaint_solve", extended[0].at, hit=False))
        facts += [Fact("complaint_extensions", e.at, hit=True) for e in extended]
    elif handler_done and any(e.data.get("outcome") != "initial_plan" for e in handler_done):
        solved = next(e for e in handler_done if e.data.get("outcome") != "initial_plan")
        facts.append(Fact("complaint_solve", solved.at, hit=True))
    facts += [Fact("escalations", e.at, hit=True) for e in events if _kind(e) == "escalated"]
    if ended is not None and _kind(ended) == "completed":
        record = all(data.get(k) for k in COMPLAINT_RECORD) and validity is not None
        if validity in VALID:
            record = record and bool(_done(events, CALLBACK_TASKS))
            facts.append(Fact("callback_rate", ended.at, hit=bool(_done(events, CALLBACK_TASKS))))
        facts.append(Fact("archive", ended.at, hit=bool(record)))
    return facts


def _repair(events, started: Event, ended: Event | None) -> list[Fact]:
    data = started.data.get("data", {})
    facts = _stage("repair_timeliness", _done(events, "arrive_site"), _escalated(events, ARRIVAL_TASKS))
    facts = [Fact(f.kpi, f.at, hit=f.hit, dim="arrive") for f in facts]
    facts += [Fact(f.kpi, f.at, hit=f.hit, dim="repair")
              for f in _stage("repair_timeliness", _done(events, REPAIR_TASK), _escalated(events, REPAIR_TASK))]
    facts += [Fact("escalations", e.at, hit=True) for e in events if _kind(e) == "escalated"]
    work = _done(events, REPAIR_TASK)
    if ended is not None and _kind(ended) == "completed" and work:
        facts.append(Fact("repair_quality", ended.at, hit=len(work) == 1))  # a second round of work is a 返单
        if data.get("source") == "resident":
            facts.append(Fact("callback_rate", ended.at, hit=bool(_done(events, CALLBACK_TASKS))))
        signed = _done(events, SIGNOFF_TASK)
        record = all(data.get(k) for k in REPAIR_RECORD) and bool(signed) and signed[-1].data.get("signed_by")
        facts.append(Fact("archive", ended.at, hit=bool(record)))
    return facts


def _callback_list(events, started: Event) -> list[Fact]:
    facts = []
    done = _done(events, LIST_TASK)
    facts += [Fact("callback_list", f.at, hit=f.hit) for f in _stage("x", done, _escalated(events, LIST_TASK))]
    for e in done:
        for row in e.data.get("results", []):
            if row.get("rating") in SATISFIED | UNSATISFIED:
                facts.append(Fact("satisfaction", e.at, hit=row["rating"] in SATISFIED))
            if row.get("reached"):
                facts.append(Fact("callbacks_by", e.at, hit=True, dim=e.actor or ""))
    return facts


def _reports(process_key: str, events) -> list[Fact]:
    """Each report to HQ is on time when it came in before its deadline fired (its first chase), decided by
    whichever came first; a task done again in a loop (a move-in report every day) is a report each round.
    HQ's assessment of a report counts for completeness: complete when graded A."""
    facts = []
    for name in REPORTS_TO_HQ.get(process_key, ()):
        missed = False
        for e in events:
            if e.task_name != name:
                continue
            if _kind(e) == "escalated" and not missed:
                missed = True
                facts.append(Fact("reporting", e.at, hit=False, dim=process_key))
            elif _kind(e) == "task_completed":
                if not missed:
                    facts.append(Fact("reporting", e.at, hit=True, dim=process_key))
                missed = False
    for e in _done(events, ASSESSMENT_TASKS):
        if e.data.get("completeness") in ("A", "B", "C"):
            facts.append(Fact("reporting_complete", e.at, hit=e.data["completeness"] == "A", dim=process_key))
    return facts


def facts_for_case(process_key: str, events: Iterable[Event]) -> list[Fact]:
    """Every KPI item one case contributes, from its audit events (oldest first)."""
    events = list(events)
    started = next((e for e in events if _kind(e) == "started"), None)
    if started is None:
        return []
    ended = next((e for e in events if _kind(e) in ("completed", "cancelled")), None)
    facts = _callback_facts(events, quota=process_key in (COMPLAINT, CALLBACK))
    if process_key in (COMPLAINT, REPAIR, INCIDENT):
        facts.append(Fact(f"{process_key}_received", started.at, hit=True))
    if process_key == COMPLAINT:
        facts += _complaint(events, started, ended)
    elif process_key == REPAIR:
        facts += _repair(events, started, ended)
    elif process_key == CALLBACK_LIST:
        facts += _callback_list(events, started)
    facts += _reports(process_key, events)
    if process_key == MONTHLY_REPORT:  # dated by its opening (the month after the one reported on)
        facts.append(Fact("report_opened", started.at, hit=True))
        if _done(events, REPORT_TASK):
            facts.append(Fact("report_submitted", started.at, hit=True))
        if _escalated(events, REPORT_TASK):
            facts.append(Fact("report_chased", started.at, hit=True))
    return facts


# --- the record sheets' columns (engine.figures.sheets): heading, where the value comes from, its type ------------
# A source is "case:<attribute>" (the case row), "<field>" (the newest value of a form field on the case),
# "done:<task>" (when that task was completed), "actor:<task>" (who completed it), "count:<task>" (how often).
COMPLAINT_SHEET = (  # 《客户投诉记录处理表》 [003 4.3.1, 4.4.2, 4.7.9]
    ("投诉编号", "case:case_no", "text"), ("投诉时间", "case:created_at", "datetime"),
    ("客户姓名", "resident_name", "text"), ("栋房号", "building_room", "text"),
    ("联系电话", "contact_phone", "text"), ("投诉方式", "channel", "choice"),
    ("投诉内容", "content", "text"), ("投诉性质", "validity", "choice"), ("投诉原因", "cause", "choice"),
    ("紧急程度", "urgency", "choice"), ("受理确认时间", f"done:{CONFIRM_TASK}", "datetime"),
    ("答复内容", "reply_content", "text"), ("调查核实情况", "investigation", "text"),
    ("处理结果", "result", "text"), ("处理人", "handled_by", "text"), ("延期次数", f"count:{EXTENSION_TASK}", "number"),
    ("回访记录", "callback_content", "text"), ("客户满意度", "rating", "choice"),
    ("回访人员", "callback_staff", "text"), ("回访日期", "callback_date", "date"),
    ("结案时间", "case:ended_at", "datetime"), ("状态", "case:status", "status"),
)
CALLBACK_SHEET = (  # 《回访记录表》 [001 附表三]: 项目, 回访内容及处理结果, 客户满意度 A/B/C, 签名, 回访人员, 日期
    ("项目", "property", "text"), ("工单编号", "case_no", "text"), ("客户姓名", "resident_name", "text"),
    ("栋房号", "building_room", "text"), ("回访方式", "method", "text"),
    ("回访内容及处理结果", "callback_content", "text"), ("客户满意度", "rating", "choice"),
    ("客户签名", "resident_signature", "text"), ("回访人员", "callback_staff", "text"),
    ("日期", "callback_date", "date"),
)
CALLBACK_METHODS = {"cb_phone": "电话回访", "cb_visit": "上门回访", "cb_meeting": "座谈会", LIST_TASK: "月度回访"}
WORK_ORDER_SHEET = (  # 《服务派工单》 [000 维修服务]
    ("派工单号", "case:case_no", "text"), ("报修时间", "case:created_at", "datetime"),
    ("报修人", "resident_name", "text"), ("报修地址", "building_room", "text"), ("联系电话", "contact_phone", "text"),
    ("报修内容", "content", "text"), ("报修类别", "repair_category", "choice"), ("报修方式", "channel", "choice"),
    ("维修人员", "technician", "text"), ("接单时间", "done:accept_order", "datetime"),
    ("到场时间", "arrived_at", "datetime"), ("故障诊断", "diagnosis", "text"), ("有偿服务", "paid_service", "bool"),
    ("报价(元)", "quote_amount", "number"), ("维修内容", "work_done", "text"), ("用料", "materials", "list"),
    ("收费(元)", "fee", "number"), ("完工时间", "completed_at", "datetime"), ("业主签字", "signed_by", "text"),
    ("返单次数", f"count:{REPAIR_TASK}", "reworks"), ("客户满意度", "rating", "choice"),
    ("状态", "case:status", "status"),
)


# --- the monthly report's form (processes/monthly_report, monthly_report_form.json) filled from the roll-ups ---------
# field -> (fact kpi, dim or None for all, "hit" | "counted" | "rate")
MONTHLY_REPORT_FIELDS = {
    "complaints_received": ("complaint_received", None, "hit"),
    "complaints_valid": ("complaint_handling", None, "counted"),
    "complaints_solved": ("complaint_handling", None, "hit"),
    "repairs": ("repair_received", None, "hit"),
    "repairs_on_time": ("repair_timeliness", "repair", "hit"),
    "incidents": ("incident_report_received", None, "hit"),
    "satisfaction_rate": ("satisfaction", None, "rate"),
}
