"""The household register as XLSX: 《业户信息记录表》 of a property, streamed like the other record sheets.

The columns are the record sheet's, under the headings the register's import reads
(``engine.org.household_import``), so an exported file can be edited and imported again:
楼栋 · 房号 · 业主姓名 · 业主电话 · 租户姓名 · 租户电话 · 入住日期 (an Excel date) · 家庭成员
(``李小明 13900000001;王芳``) · 备注. The first owner and the first tenant fill their columns;
anyone else of the household is listed under 家庭成员. Households are read ``CHUNK`` at a
time and written by XlsxWriter in ``constant_memory`` mode (the session is emptied after
each chunk), so a register of tens of thousands of rooms never sits in memory at once.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import BinaryIO

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.storage.models import Household, Property

TITLE = "业户信息记录表"
CHUNK = 500
COLUMNS = [  # (heading, kind)
    ("楼栋", "text"), ("房号", "text"), ("业主姓名", "text"), ("业主电话", "text"), ("租户姓名", "text"),
    ("租户电话", "text"), ("入住日期", "date"), ("家庭成员", "text"), ("备注", "text"),
]


def row(household: Household) -> list:
    """One household as the sheet's row (``None`` for an empty cell; the move-in date as a ``datetime``)."""
    owner = next((m for m in household.members if m.relation == "owner"), None)
    tenant = next((m for m in household.members if m.relation == "tenant"), None)
    others = "; ".join(f"{m.name} {m.phone}" if m.phone else m.name
                       for m in household.members if m is not owner and m is not tenant)
    moved = datetime.combine(household.move_in_date, time.min) if household.move_in_date else None
    return [household.building, household.room, owner.name if owner else None, owner.phone if owner else None,
            tenant.name if tenant else None, tenant.phone if tenant else None, moved, others or None,
            household.notes or None]


def rows(session: Session, property_id: int) -> Iterator[list]:
    """The register's rows by building and room, read ``CHUNK`` households at a time."""
    ids = list(session.scalars(select(Household.id).where(Household.property_id == property_id)
                               .order_by(Household.building, Household.room)))
    for begin in range(0, len(ids), CHUNK):
        chunk = ids[begin:begin + CHUNK]
        found = {h.id: h for h in session.scalars(select(Household).where(Household.id.in_(chunk)))}
        for household_id in chunk:
            yield row(found[household_id])
        session.expunge_all()


def write_xlsx(out: BinaryIO, session: Session, prop: Property, on: date) -> int:
    """Write the property's register as it stands ``on`` that day to ``out``; return the number of households."""
    name = prop.name
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    ws = book.add_worksheet(TITLE)
    bold = book.add_format({"bold": True, "bg_color": "#EEF1F4", "border": 1, "text_wrap": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write(0, 0, f"{name} 《{TITLE}》 截至 {on.isoformat()}", book.add_format({"bold": True}))
    for col, (heading, kind) in enumerate(COLUMNS):
        ws.write(1, col, heading, bold)
        ws.set_column(col, col, 30 if heading == "家庭成员" else (14 if kind == "date" or "电话" in heading else 10))
    count = 0
    for count, values in enumerate(rows(session, prop.id), start=1):
        for col, value in enumerate(values):
            if isinstance(value, datetime):
                ws.write_datetime(count + 1, col, value, day)
            elif value is not None:
                ws.write_string(count + 1, col, str(value))
    ws.freeze_panes(2, 0)
    book.close()
    return count
