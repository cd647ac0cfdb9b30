"""Forms with a table of rows (an array of objects): the engineering plan's items, filled in the browser's form."""
import re

from library import PROCESSES
from sqlalchemy import select

from engine import HumanTask, create_user, deploy, get_property, load_folder, start_instance, store_version


def plan_task(session) -> str:
    version = store_version(session, load_folder(PROCESSES / "engineering_monthly")).version
    deploy(session, version, [get_property(session, "P001")])
    case = start_instance(session, "P001", "engineering_monthly", {"period": "2026-12-01T09:00:00+08:00"})
    session.flush()
    task = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
    session.commit()
    return task


def row(i, equipment="", work="", date="", outage=False):
    data = {f"items-{i}-equipment": equipment, f"items-{i}-work": work, f"items-{i}-planned_date": date}
    if outage:
        data[f"items-{i}-needs_outage"] = "on"
    return data


def test_a_table_is_filled_row_by_row_and_checked_cell_by_cell(session, as_user):
    task = plan_task(session)
    create_user(session, "engsup1", "工程主管老周", "password-engsup1", roles={"P001": ["eng_supervisor"]})
    session.commit()
    eng = as_user("engsup1")  # 工程主管 drafts the month's plan
    page = eng.get(f"/tasks/{task}").get_data(as_text=True)
    assert page.count('name="items-0-') == 4 and 'name="items-rows" value="1"' in page
    assert 'aria-label="设备设施 1"' in page and "+ 添加一行" in page

    # one more row: the form again with what was typed, nothing completed
    more = eng.post(f"/tasks/{task}", data={"items-rows": "1", **row(0, "1号水泵", "更换密封"), "_add_row": "items"})
    page = more.get_data(as_text=True)
    assert more.status_code == 200 and 'name="items-rows" value="2"' in page and 'value="1号水泵"' in page
    assert 'name="items-1-equipment"' in page
    assert session.scalar(select(HumanTask.id).where(HumanTask.id == task)) == task
    session.commit()  # end the read: on SQLite a writer's transaction holds the lock the app needs

    # a row missing its date: the error is at that cell; an empty row is no row at all
    bad = eng.post(f"/tasks/{task}", data={"items-rows": "3", **row(0, "1号水泵", "更换密封", "2026-12-05"),
                                           **row(1, "消防泵", "试运行"), **row(2), "drafted_by": "李工"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "有几行需要修改" in page
    assert re.search(r'id="e-items-1-planned_date"[^>]*>此项必填。<', page)
    assert 'id="e-items-0-planned_date"' not in page and 'name="items-rows" value="2"' in page

    done = eng.post(f"/tasks/{task}", data={"items-rows": "2", **row(0, "1号水泵", "更换密封", "2026-12-05", True),
                                            **row(1, "消防泵", "试运行", "2026-12-09"), "drafted_by": "李工"})
    assert done.status_code == 302
    session.expire_all()
    assert session.scalar(select(HumanTask.task_name).where(HumanTask.id == task)) is None  # completed
    [nxt] = session.scalars(select(HumanTask.task_name).where(HumanTask.task_name == "approve_plan")).all()
    assert nxt == "approve_plan"
