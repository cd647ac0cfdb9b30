"""The household register exported as 《业户信息记录表》: the sheet's columns and Chinese headings, dates as dates,
importable again, streamed in constant memory."""
import io
import tempfile
import tracemalloc
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from engine import HouseholdData, create_property, get_property, household_import, households, register_sheet
from engine.storage.models import Household, HouseholdMember


@pytest.fixture(autouse=True)
def properties(session):
    for code in ("P001", "P002"):
        create_property(session, code, f"物业项目{code}")
    session.commit()


def _register(session):
    prop = get_property(session, "P001")
    households.save(session, prop, HouseholdData("3", "1201", [
        {"name": "张三", "relation": "owner", "phone": "13800000001"},
        {"name": "李四", "relation": "tenant", "phone": "13800000002"},
        {"name": "张小三", "relation": "family", "phone": "13800000003"},
        {"name": "王芳", "relation": "family"}], date(2021, 6, 18), "养犬一只"))
    households.save(session, prop, HouseholdData("1", "101", [{"name": "赵六", "relation": "owner"}]))
    households.save(session, get_property(session, "P002"), HouseholdData(
        "9", "901", [{"name": "别处", "relation": "owner"}]))
    session.commit()
    return prop


def _sheet(session, prop) -> tuple[int, list[tuple]]:
    out = io.BytesIO()
    count = register_sheet.write_xlsx(out, session, prop, date(2026, 11, 25))
    session.rollback()
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    return count, [tuple(r) for r in sheet.iter_rows(values_only=True)]


def test_the_register_sheet_has_the_record_sheets_columns_and_one_row_a_household(session):
    prop = _register(session)
    count, table = _sheet(session, prop)
    assert count == 2 and len(table) == 4  # the title, the headings, two households of P001 (not P002's)
    assert table[0][0] == f"{prop.name} 《业户信息记录表》 截至 2026-11-25"
    assert table[1] == ("楼栋", "房号", "业主姓名", "业主电话", "租户姓名", "租户电话", "入住日期", "家庭成员", "备注")
    assert table[2] == ("1", "101", "赵六", None, None, None, None, None, None)  # by building and room
    assert table[3] == ("3", "1201", "张三", "13800000001", "李四", "13800000002", datetime(2021, 6, 18),
                        "张小三 13800000003; 王芳", "养犬一只")  # the move-in date is an Excel date


def test_an_exported_register_imports_again_unchanged(session):
    prop = _register(session)
    out = io.BytesIO()
    register_sheet.write_xlsx(out, session, prop, date(2026, 11, 25))
    before = [register_sheet.row(h) for h in households.listing(session, prop.id)]
    report = household_import.import_households(session, prop, household_import.read_table("业户.xlsx",
                                                                                            out.getvalue()))
    session.commit()
    assert report.ok and (report.created, report.updated) == (0, 2)
    session.expire_all()
    assert [register_sheet.row(h) for h in households.listing(session, prop.id)] == before


def _many_households(session, n: int) -> None:
    prop = get_property(session, "P001")
    session.execute(insert(Household.__table__), [
        dict(property_id=prop.id, building=str(1 + i // 1000), room=f"{i % 1000:04d}", notes="",
             move_in_date=date(2020, 1, 1), created_at=datetime(2026, 1, 1, tzinfo=UTC), updated_at=datetime(2026, 1, 1, tzinfo=UTC))
        for i in range(n)])
    ids = [h for (h,) in session.query(Household.id).filter(Household.property_id == prop.id)]
    session.execute(insert(HouseholdMember.__table__), [
        dict(household_id=h, name=f"业主{h}", relation=relation, phone=f"138{h:08d}")
        for h in ids for relation in ("owner", "family")])
    session.commit()


def test_ten_thousand_households_are_written_in_constant_memory(session):
    def peak() -> tuple[int, int]:
        with tempfile.TemporaryFile() as out:
            tracemalloc.start()
            count = register_sheet.write_xlsx(out, session, get_property(session, "P001"), date(2026, 11, 25))
            top = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        session.rollback()
        return count, top
    _many_households(session, 1_000)
    small, small_peak = peak()
    session.query(HouseholdMember).delete()
    session.query(Household).delete()
    _many_households(session, 10_000)
    large, large_peak = peak()
    assert (small, large) == (1_000, 10_000)
    assert large_peak < 2 * small_peak  # ten times the households, not ten times the memory


def test_an_error_in_a_reimported_export_names_the_row_the_spreadsheet_shows(session):
    prop = _register(session)
    out = io.BytesIO()
    register_sheet.write_xlsx(out, session, prop, date(2026, 11, 25))
    book = load_workbook(io.BytesIO(out.getvalue()))
    book.worksheets[0]["D4"] = "12345"  # 3-1201's owner phone, on spreadsheet row 4 (title, headings, 1-101)
    edited = io.BytesIO()
    book.save(edited)
    report = household_import.import_households(session, prop, household_import.read_table("业户.xlsx",
                                                                                            edited.getvalue()))
    assert [(e.row, e.code) for e in report.errors] == [(4, "not_mobile")]
