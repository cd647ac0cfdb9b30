"""Record sheets out (engine.figures.sheets): the month's cases as 《客户投诉记录处理表》, 《回访记录表》, 《服务派工单》.

XLSX with the seeds' columns, Chinese headings, dates as dates; 10,000 rows written in
constant memory; exports for the board's users only; bad input named.
"""
import io
import tempfile
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import openpyxl
from library import clock, fast_validation  # noqa: F401 - fixtures
from sqlalchemy import insert
from test_figures__kpis import month  # noqa: F401 - the month of scripted cases

from engine import AuditEvent, Instance, get_property
from engine.figures import sheets

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def workbook(session, sheet, start=NOV[0], end=NOV[1]):
    out = io.BytesIO()
    count = sheets.write_xlsx(out, session, get_property(session, "P001"), sheet, start, end)
    out.seek(0)
    ws = openpyxl.load_workbook(out).active
    table = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    return count, table[0], table[1:]


def test_the_complaint_record_sheet_has_the_seeds_columns_and_one_row_a_complaint(session, month):
    count, headings, rows = workbook(session, "complaints")
    assert count == 4 and len(rows) == 4
    assert headings[:7] == ["投诉编号", "投诉时间", "客户姓名", "栋房号", "联系电话", "投诉方式", "投诉内容"]
    assert {"投诉性质", "投诉原因", "回访记录", "客户满意度", "回访人员", "回访日期"} <= set(headings)
    first = dict(zip(headings, rows[0]))
    assert first["投诉编号"] == month["c1"].case_no
    assert first["投诉时间"] == datetime(2026, 11, 2, 9, 0)  # a real date, in China time
    assert first["投诉方式"] == "来电" and first["投诉性质"] == "有效投诉"
    assert first["投诉原因"] == "物业管理或服务不到位"
    assert first["客户满意度"] == "A 满意" and first["状态"] == "已结案"
    assert first["回访日期"] == datetime(2026, 11, 20)
    c4 = dict(zip(headings, rows[1]))
    assert c4["延期次数"] == 1 and c4["状态"] == "处理中"


def test_the_callback_record_sheet_has_one_row_a_callback(session, month):
    count, headings, rows = workbook(session, "callbacks")
    assert headings == ["项目", "工单编号", "客户姓名", "栋房号", "回访方式", "回访内容及处理结果", "客户满意度",
                        "客户签名", "回访人员", "日期"]
    assert count == 7
    assert [r[6] for r in rows] == ["A 满意", "B 较满意", "A 满意", "A 满意", "C 不满意", "A 满意", "C 不满意"]
    assert all(r[4] == "电话回访" for r in rows)


def test_the_work_order_sheet_counts_a_returned_order(session, month):
    count, headings, rows = workbook(session, "work_orders")
    assert count == 3
    orders = {r[0]: dict(zip(headings, r)) for r in rows}
    r3 = orders[month["r3"].case_no]
    assert r3["返单次数"] == 1 and orders[month["r1"].case_no]["返单次数"] == 0
    assert r3["维修人员"] == "王师傅" and r3["业主签字"] == "李四" and r3["报修类别"]
    assert isinstance(r3["完工时间"], datetime)


def test_a_date_range_outside_the_cases_gives_headings_only(session, month):
    count, headings, rows = workbook(session, "complaints", date(2026, 12, 1), date(2026, 12, 31))
    assert count == 0 and rows == [] and headings[0] == "投诉编号"


def _many_cases(session, n: int) -> None:
    """``n`` registered complaints a minute apart from 5 Oct 10:00 (China), written straight into the tables
    (starting them one by one through the engine would only be slow)."""
    case = session.query(Instance).filter(Instance.case_no.like("TS%")).first()
    at = datetime(2026, 10, 5, 2, tzinfo=UTC)
    session.execute(insert(Instance.__table__), [
        dict(case_no=f"TS20261005-{i:06d}", property_id=case.property_id, process_id=case.process_id,
             version_id=case.version_id, status="completed", summary={}, state="{}",
             created_at=at + timedelta(minutes=i), updated_at=at, lock_version=1) for i in range(n)])
    ids = [i for (i,) in session.query(Instance.id).filter(Instance.case_no.like("TS20261005-%"))]
    session.execute(insert(AuditEvent.__table__), [
        dict(instance_id=i, kind="started", at=at, data={"data": {
            "resident_name": f"业主{i}", "building_room": f"{i % 30}栋{i % 999:03d}", "contact_phone": "13800000000",
            "channel": "phone", "content": "投诉内容" * 20}}) for i in ids])
    session.commit()


def test_ten_thousand_rows_are_written_in_constant_memory(session, month):
    _many_cases(session, 10_000)

    def peak(end: date) -> tuple[int, int]:
        with tempfile.TemporaryFile() as out:
            tracemalloc.start()
            count = sheets.write_xlsx(out, session, get_property(session, "P001"), "complaints", date(2026, 10, 5), end)
            top = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        session.rollback()
        return count, top
    one_day, one_day_peak = peak(date(2026, 10, 5))
    all_of_them, all_peak = peak(date(2026, 10, 12))
    assert one_day == 14 * 60 and all_of_them == 10_000
    assert all_peak < 2 * one_day_peak  # 12 times the rows, not 12 times the memory
