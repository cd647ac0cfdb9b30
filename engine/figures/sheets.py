"""The record sheets as XLSX: 《客户投诉记录处理表》, 《回访记录表》, 《服务派工单》 for a property and date range.

Columns come from ``mapping`` (``COMPLAINT_SHEET``, ``CALLBACK_SHEET``, ``WORK_ORDER_SHEET``);
a choice is shown with its form's Chinese title (``oneOf`` of the case's version's forms).
Rows are read in chunks of cases and written by XlsxWriter in ``constant_memory`` mode,
so 10,000 rows never sit in memory at once; dates and times are real Excel dates in
the property's time zone. Headings are always Chinese: these are the company's records.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.figures import mapping
from engine.library.specs import version_info
from engine.storage.models import AuditEvent, Instance, Process, Property

CHUNK = 500
STATUS = {"running": "处理中", "completed": "已结案", "cancelled": "已取消", "error": "异常"}
SHEETS = {
    "complaints": ("客户投诉记录处理表", mapping.COMPLAINT_SHEET, mapping.COMPLAINT),
    "callbacks": ("回访记录表", mapping.CALLBACK_SHEET, None),
    "work_orders": ("服务派工单", mapping.WORK_ORDER_SHEET, mapping.REPAIR),
}


@dataclass
class CaseRecord:
    """What one case's audit trail says: its newest form values, when and by whom each task was done."""

    instance: Instance
    values: dict[str, Any] = field(default_factory=dict)
    done: dict[str, datetime] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _record(instance: Instance, events: list[AuditEvent]) -> CaseRecord:
    rec = CaseRecord(instance)
    for e in events:
        kind = getattr(e.kind, "value", e.kind)
        if kind == "started":
            rec.values.update(e.data.get("data", {}))
        elif kind == "task_completed" and e.task_name:
            rec.values.update({k: v for k, v in e.data.items() if v not in (None, "")})
            rec.done.setdefault(e.task_name, e.at)
            rec.actors[e.task_name] = e.actor or ""
            rec.counts[e.task_name] = rec.counts.get(e.task_name, 0) + 1
    return rec


def case_records(session: Session, property_id: int, process_key: str, start: date, end: date,
                 zone: ZoneInfo) -> Iterator[CaseRecord]:
    """The cases of a process registered at a property from ``start`` to ``end`` (local dates), oldest first.

    Read in chunks of ``CHUNK`` cases (their audit events with them); the session is emptied after each chunk."""
    lo = datetime.combine(start, time.min, zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    ids = list(session.scalars(select(Instance.id).join(Process, Process.id == Instance.process_id).where(
        Instance.property_id == property_id, Process.key == process_key, Instance.created_at >= lo,
        Instance.created_at < hi).order_by(Instance.id)))
    for begin in range(0, len(ids), CHUNK):
        chunk = ids[begin:begin + CHUNK]
        cases = {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_(chunk)))}
        events: dict[int, list[AuditEvent]] = {i: [] for i in chunk}
        for e in session.scalars(select(AuditEvent).where(AuditEvent.instance_id.in_(chunk))
                                 .order_by(AuditEvent.at, AuditEvent.id)):
            events[e.instance_id].append(e)
        for i in chunk:
            yield _record(cases[i], events[i])
        session.expunge_all()


_TITLES: dict[tuple[str, int], dict[str, dict[str, str]]] = {}


def choice_titles(session: Session, version_id: int) -> dict[str, dict[str, str]]:
    """field -> {value: title} from every form of a version (versions never change, so this is cached)."""
    _cache = _TITLES
    key = (str(session.get_bind().engine.url), version_id)
    if key not in _cache:
        titles: dict[str, dict[str, str]] = {}
        for name, text in version_info(session, version_id).files.items():
            if not name.endswith(".json") or name == "manifest.json":
                continue
            try:
                props = json.loads(text).get("properties", {})
            except (ValueError, AttributeError):
                continue
            for fname, spec in props.items():
                for option in spec.get("oneOf", []) if isinstance(spec, dict) else []:
                    if "const" in option and "title" in option:
                        titles.setdefault(fname, {})[str(option["const"])] = option["title"]
        _cache[key] = titles
    return _cache[key]


def _value(rec: CaseRecord, source: str, kind: str, titles: dict, zone: ZoneInfo):
    if source.startswith("case:"):
        value = getattr(rec.instance, source[5:])
        value = getattr(value, "value", value)
    elif source.startswith("done:"):
        value = rec.done.get(source[5:])
    elif source.startswith("count:"):
        value = rec.counts.get(source[6:], 0)
    else:
        value = rec.values.get(source)
    return _typed(value, kind, titles.get(source, {}), zone)


def _typed(value, kind: str, choices: dict, zone: ZoneInfo):
    if value is None or value == "":
        return None
    if kind == "datetime":
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(zone).replace(tzinfo=None)
    if kind == "date":
        try:
            return datetime.combine(date.fromisoformat(str(value)[:10]), time.min)
        except ValueError:
            return value
    if kind == "choice":
        return choices.get(str(value), str(value))
    if kind == "status":
        return STATUS.get(str(value), str(value))
    if kind == "bool":
        return "是" if value else "否"
    if kind == "reworks":
        return max(int(value) - 1, 0)
    if kind == "list":
        return "; ".join(_item(v) for v in value) if isinstance(value, list) else str(value)
    return value


def _item(value) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, ""))
    return str(value)


def _callback_rows(session: Session, prop: Property, start: date, end: date, zone: ZoneInfo) -> Iterator[list]:
    lo = datetime.combine(start, time.min, zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    query = (select(AuditEvent, Instance).join(Instance, Instance.id == AuditEvent.instance_id)
             .where(Instance.property_id == prop.id, AuditEvent.kind == "task_completed",
                    AuditEvent.task_name.in_(list(mapping.CALLBACK_METHODS)), AuditEvent.at >= lo,
                    AuditEvent.at < hi).order_by(AuditEvent.at, AuditEvent.id)
             .execution_options(yield_per=CHUNK))
    for event, case in session.execute(query):
        titles = choice_titles(session, case.version_id)
        base = {"property": prop.name, "case_no": case.case_no, **case.summary,
                "method": mapping.CALLBACK_METHODS.get(event.task_name or "", ""),
                "callback_date": event.at.astimezone(zone).date()}
        entries = event.data.get("results", []) if event.task_name == mapping.LIST_TASK else [event.data]
        for entry in entries:
            row = {**base, **{k: v for k, v in entry.items() if v not in (None, "")}}
            if event.task_name == mapping.LIST_TASK:
                row["callback_staff"] = event.data.get("callback_staff")
            yield [_typed(row.get(src), kind, titles.get(src, {}), zone) for _h, src, kind in mapping.CALLBACK_SHEET]


def rows(session: Session, prop: Property, sheet: str, start: date, end: date) -> Iterator[list]:
    """The sheet's rows for a property and date range (registration date; callbacks by their date)."""
    zone = ZoneInfo(prop.timezone or "Asia/Shanghai")
    _title, columns, process_key = SHEETS[sheet]
    if process_key is None:
        yield from _callback_rows(session, prop, start, end, zone)
        return
    for rec in case_records(session, prop.id, process_key, start, end, zone):
        titles = choice_titles(session, rec.instance.version_id)
        yield [_value(rec, src, kind, titles, zone) for _h, src, kind in columns]


def write_xlsx(out: BinaryIO, session: Session, prop: Property, sheet: str, start: date, end: date) -> int:
    """Write the sheet as an XLSX workbook to ``out``; return the number of data rows."""
    title, columns, _key = SHEETS[sheet]
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    ws = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1, "text_wrap": True})
    formats = {"datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
               "date": book.add_format({"num_format": "yyyy-mm-dd"})}
    ws.write(0, 0, f"{prop.name} 《{title}》 {start.isoformat()} 至 {end.isoformat()}", book.add_format({"bold": True}))
    for col, (heading, _src, kind) in enumerate(columns):
        ws.write(1, col, heading, bold)
        ws.set_column(col, col, 18 if kind in ("datetime", "date") else 14)
    count = 0
    for count, row in enumerate(rows(session, prop, sheet, start, end), start=1):
        for col, value in enumerate(row):
            kind = columns[col][2]
            if value is None:
                continue
            if isinstance(value, datetime):
                ws.write_datetime(count + 1, col, value, formats["date" if kind == "date" else "datetime"])
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(count + 1, col, value)
            else:
                ws.write_string(count + 1, col, str(value))
    ws.freeze_panes(2, 0)
    book.close()
    return count


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time.min else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def case_sheet(session: Session, instance: Instance) -> tuple[str, list[tuple[str, str]], list[list[str]]] | None:
    """One case as its record sheet: (title, [(heading, value)], callback rows) — None for other processes."""
    key = session.scalar(select(Process.key).where(Process.id == instance.process_id))
    sheet = {mapping.COMPLAINT: "complaints", mapping.REPAIR: "work_orders"}.get(key or "")
    if sheet is None:
        return None
    prop = session.get(Property, instance.property_id)
    zone = ZoneInfo((prop.timezone if prop else None) or "Asia/Shanghai")
    title, columns, _key = SHEETS[sheet]
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id)
                                  .order_by(AuditEvent.at, AuditEvent.id)))
    rec, titles = _record(instance, events), choice_titles(session, instance.version_id)
    fields = [(h, _shown(_value(rec, src, kind, titles, zone))) for h, src, kind in columns]
    callbacks = []
    for e in events:
        if getattr(e.kind, "value", e.kind) == "task_completed" and e.task_name in mapping.CALLBACK_TASKS:
            row = {**e.data, "method": mapping.CALLBACK_METHODS[e.task_name]}
            callbacks.append([_shown(_typed(row.get(src), kind, titles.get(src, {}), zone))
                              for _h, src, kind in mapping.CALLBACK_SHEET[4:]])
    return title, fields, callbacks


CALLBACK_HEADINGS = [h for h, _s, _k in mapping.CALLBACK_SHEET[4:]]
