"""The promise board pages: who sees which board, figures against targets, the cases behind, bad input named."""
import re
from types import SimpleNamespace

import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_figures__kpis import ARRIVED, REPAIR, SIGNED, WORK, callback


@pytest.fixture
def november(session, app, fast_validation, clock):
    """Two repairs at P001 in November 2026: one on time and rated A, one arriving late and rated C."""
    deploy_library(session, "repair", properties=("P001", "P002"))
    clock.move_to(at(2026, 11, 10, 9))
    cases = []
    for late, rating in ((False, "A"), (True, "C")):
        case = Case.start(session, "repair", REPAIR)
        case.complete("accept_order", {"technician": "王师傅"}, user="eng1")
        if late:
            assert fire(session, clock, at(2026, 11, 10, 9, 30, 1)) == 1
            case.complete("supervise_arrival", {"action_taken": "调派", "new_eta": "10分钟", "told_resident": True})
        case.complete("arrive_site", ARRIVED, user="eng1").complete("repair_work", WORK, user="eng1")
        case.complete("signoff", SIGNED, user="eng1").complete("cb_phone", callback(rating), user="sup1")
        cases.append(case)
    clock.move_to(at(2026, 11, 25, 9))
    found = [SimpleNamespace(id=case.id, case_no=case.case_no) for case in cases]
    session.commit()  # the test's session holds no lock while the app serves the pages
    return found


def test_the_supervisor_sees_the_property_board_with_each_figure_against_its_target(as_user, november):
    sup = as_user("sup1")
    assert sup.get("/figures/").headers["Location"].endswith("/figures/p/P001")
    page = sup.get("/figures/p/P001?month=2026-11").get_data(as_text=True)
    assert 'id="kpi-satisfaction"' in page and "kpi-red" in page
    assert "50%" in page and "目标 ≥ 90%" in page  # A and C: 1 of 2 satisfied
    assert 'id="trend-data"' in page and "build/figures-chart.js" in page
    assert "服务指标" in page  # the top bar's link


def test_each_figure_links_to_its_cases(as_user, november):
    sup = as_user("sup1")
    page = sup.get("/figures/p/P001/cases?kpi=repair_timeliness&month=2026-11&missed=1").get_data(as_text=True)
    assert november[1].case_no in page and november[0].case_no not in page


def test_hq_sees_every_property_side_by_side_worst_first(as_user, november):
    page = as_user("hq").get("/figures/hq?month=2026-11").get_data(as_text=True)
    board = page[page.index('id="hq-board"'):]
    assert board.index("/figures/p/P001") < board.index("/figures/p/P002")  # P001 has red figures, P002 none
    assert "cell-red" in board
    sorted_page = as_user("hq").get("/figures/hq?month=2026-11&sort=satisfaction").get_data(as_text=True)
    assert sorted_page.count('class="current"') >= 1


@pytest.mark.parametrize("url, text", [
    ("/figures/p/P001?month=2026-13", "YYYY-MM"),
    ("/figures/p/P001?from=2026-11-30&to=2026-11-01", "结束日期早于开始日期"),
    ("/figures/p/P001?from=yesterday&to=2026-11-01", "yesterday"),
    ("/figures/p/P001/cases?kpi=nonsense&month=2026-11", "nonsense"),
])
def test_bad_input_is_named_with_a_400(as_user, november, url, text):
    response = as_user("sup1").get(url)
    assert response.status_code == 400 and text in response.get_data(as_text=True)


def test_staff_without_a_board_role_and_other_properties_get_404(as_user, november):
    assert as_user("fd1").get("/figures/").status_code == 404
    assert as_user("sup1").get("/figures/p/P002").status_code == 404
    assert as_user("sup1").get("/figures/hq").status_code == 404
    assert "服务指标" not in as_user("fd1").get("/").get_data(as_text=True)


def test_any_date_range(as_user, november):
    page = as_user("sup1").get("/figures/p/P001?from=2026-11-01&to=2026-11-09").get_data(as_text=True)
    assert "2026-11-01 – 2026-11-09" in page and 'id="trend-data"' not in page


def test_the_record_sheets_download_as_xlsx_for_the_boards_users_only(as_user, november):
    import io

    import openpyxl

    response = as_user("sup1").get("/records/P001/work_orders.xlsx?from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''P001-" in response.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert ws["A2"].value == "派工单号" and ws.max_row == 4  # title, headings, two work orders
    assert as_user("fd1").get("/records/P001/work_orders.xlsx?month=2026-11").status_code == 404
    assert as_user("sup1").get("/records/P001/nonsense.xlsx?month=2026-11").status_code == 404
    bad = as_user("sup1").get("/records/P001/callbacks.xlsx?from=2026-11-31&to=2026-12-01")
    assert bad.status_code == 400 and "2026-11-31" in bad.get_data(as_text=True)


def test_a_case_prints_as_its_record_sheet(as_user, november):
    page = as_user("sup1").get(f"/records/{november[1].id}/print").get_data(as_text=True)
    assert "《服务派工单》" in page and november[1].case_no in page and "回访记录" in page and "C 不满意" in page
    assert "@page" not in page and "css/print.css" in page
    assert as_user("fd2").get(f"/records/{november[1].id}/print").status_code == 404  # another property's case


def test_the_monthly_report_task_opens_filled_and_hq_sees_it_late(session, as_user, november, clock):
    deploy_library(session, "monthly_report", properties=("P001",))
    clock.move_to(at(2026, 12, 1, 9))
    case = Case.start(session, "monthly_report", {"period": "2026-12-01T09:00:00+08:00"}, user="scheduler")
    task_id = case.tasks()["write_monthly"].id
    fire(session, clock, at(2026, 12, 11, 9))
    from engine import create_user

    create_user(session, "mgr1", "经理老陈", "password-mgr1", roles={"P001": ["manager"]})
    session.commit()
    page = as_user("mgr1").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "2026-11 的各项数字已按服务指标自动填入" in page
    inputs = {m.group(1): m.group(2) for m in re.finditer(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page)}
    assert inputs["repairs"] == "2" and inputs["repairs_on_time"] == "2" and inputs["complaints_received"] == "0"
    assert inputs["satisfaction_rate"] == "50.0"  # A and C
    board = as_user("hq").get("/figures/hq?month=2026-11").get_data(as_text=True)
    assert "逾期未报:" in board and "report-late" in board
