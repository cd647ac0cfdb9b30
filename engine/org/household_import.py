"""The household register from an XLSX or CSV file: every row checked first, then all saved or none.

Columns, by their Chinese headings (the record sheet's) or English ones, in the first row (or the
second, under a title row as the register's export writes it):
楼栋 building · 房号 room (or one 栋房号 column, ``3-1201``) · 业主姓名 owner · 业主电话 owner_phone ·
租户姓名 tenant · 租户电话 tenant_phone · 入住日期 move_in (YYYY-MM-DD) · 家庭成员 members
(``李小明 13900000001;王芳``) · 备注 notes. A room already registered is replaced by its row.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.org import households
from engine.org.households import HouseholdData, HouseholdInvalid
from engine.storage.models import Property

HEADINGS = {
    "楼栋": "building", "building": "building", "房号": "room", "room": "room", "栋房号": "building_room",
    "building_room": "building_room", "业主姓名": "owner", "业主": "owner", "owner": "owner",
    "业主电话": "owner_phone", "owner_phone": "owner_phone", "租户姓名": "tenant", "租户": "tenant",
    "tenant": "tenant", "租户电话": "tenant_phone", "tenant_phone": "tenant_phone", "入住日期": "move_in",
    "move_in": "move_in", "家庭成员": "members", "members": "members", "备注": "notes", "notes": "notes",
}
MAX_ROWS = 20000


class ImportFileError(ValueError):
    """The file as a whole cannot be read: ``code`` is ``unreadable``, ``no_rows``, ``no_room_column``,
    ``too_many_rows`` or ``not_a_table``."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class RowError:
    row: int  # the row number as a spreadsheet shows it
    field: str
    code: str  # households.MESSAGES
    params: dict


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class Table(list):
    """The rows read from a file; ``first_row``: the spreadsheet's number of the first (3 under a title row)."""

    def __init__(self, rows=(), first_row: int = 2):
        super().__init__(rows)
        self.first_row = first_row


def read_table(filename: str, content: bytes) -> Table:
    """The rows of an ``.xlsx`` or ``.csv`` file as dicts keyed by our column names."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx(content)
    elif name.endswith(".csv"):
        rows = _csv(content)
    else:
        raise ImportFileError("not_a_table", filename)
    if not rows:
        raise ImportFileError("no_rows")
    keys, first_row = _keys(rows[0]), 2
    if not _names_a_room(keys) and len(rows) > 1 and _names_a_room(_keys(rows[1])):
        rows, keys, first_row = rows[1:], _keys(rows[1]), 3  # a title row above the headings (as our export)
    if not _names_a_room(keys):
        raise ImportFileError("no_room_column")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError("too_many_rows", str(MAX_ROWS))
    table = Table(first_row=first_row)
    for values in rows[1:]:
        record = {k: _text(v) for k, v in zip(keys, values) if k}
        table.append(record)
    return table


def _keys(headings: list) -> list[str | None]:
    return [HEADINGS.get(str(h or "").strip().lower(), HEADINGS.get(str(h or "").strip())) for h in headings]


def _names_a_room(keys: list[str | None]) -> bool:
    return "building_room" in keys or {"building", "room"} <= set(keys)


def import_households(session: Session, prop: Property, table: list[dict[str, str]]) -> ImportReport:
    """Check every row, then save them all (or, with any error, nothing); the report names each bad row."""
    report, parsed = ImportReport(), []
    seen: dict[tuple[str, str], int] = {}
    for number, record in enumerate(table, start=getattr(table, "first_row", 2)):
        if not any(record.values()):
            continue
        row_errors: dict[str, tuple[str, dict]] = {}
        try:
            data = households.check(_row(record, row_errors))
        except HouseholdInvalid as exc:
            row_errors.update(exc.errors)
        if row_errors:
            report.errors += [RowError(number, f, c, p) for f, (c, p) in row_errors.items()]
            continue
        key = (data.building, data.room)
        if key in seen:
            report.errors.append(RowError(number, "room", "room_taken", {"value": f"{key[0]}-{key[1]} (#{seen[key]})"}))
            continue
        seen[key] = number
        parsed.append(data)
    if report.errors:
        return report
    with session.begin_nested():
        for data in parsed:
            existing = households.find(session, prop.id, data.building, data.room)
            households.save(session, prop, data, existing.id if existing else None)
            if existing:
                report.updated += 1
            else:
                report.created += 1
    return report


def _row(record: dict[str, str], errors: dict) -> HouseholdData:
    building, room = record.get("building", ""), record.get("room", "")
    if record.get("building_room"):
        parsed = households.parse_room(record["building_room"])
        building, room = parsed if parsed else ("", "")
    members = []
    for relation in ("owner", "tenant"):
        if record.get(relation) or record.get(f"{relation}_phone"):
            members.append({"name": record.get(relation, ""), "relation": relation,
                            "phone": record.get(f"{relation}_phone", "")})
    for part in re.split(r"[;;、\n]+", record.get("members", "")):
        part = part.strip()
        if part:
            name, _, phone = re.sub(r"[::,,]", " ", part).partition(" ")
            members.append({"name": name, "relation": "family", "phone": phone.strip()})
    move_in = None
    if record.get("move_in"):
        try:
            move_in = date.fromisoformat(record["move_in"][:10].replace("/", "-"))
        except ValueError:
            errors["move_in"] = ("bad_date", {"value": record["move_in"]})
    return HouseholdData(building, room, members, move_in, record.get("notes", ""))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file: one clear error
        raise ImportFileError("unreadable", type(exc).__name__) from exc


def _csv(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("unreadable", "encoding")
    return [row for row in csv.reader(io.StringIO(text))]
