"""The inbox page: my roles' tasks at my properties, due times, filters, search, paging, claim and reassign."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import HumanTask, complete_task, start_instance

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def open_case(session, prop="P001", resident="张三", room="1-101", urgency=None):
    """A case at register (front desk), or at handle (engineering) when ``urgency`` is given."""
    case = start_instance(session, prop, "service_request", {"resident": resident, "room": room}, user="fd1")
    session.flush()
    if urgency:
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
        complete_task(session, task.id, {"urgency": urgency, "content": "漏水", "items": []}, user="fd1")
    session.commit()
    return case


def task_of(session, case):
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    session.commit()  # end the read: on SQLite every transaction holds the write lock the app needs
    return task


def assignee(session, task):
    value = session.scalar(select(HumanTask.assignee).where(HumanTask.id == task.id))
    session.commit()
    return value


def test_rows_show_what_is_due_and_overdue_ones_stand_out(session, as_user, clock):
    emergency = open_case(session, urgency="emergency", resident="王五")   # due in 1 h
    normal = open_case(session, urgency="normal", resident="赵六")
    open_case(session, "P002", urgency="normal", resident="另一小区")
    eng = as_user("eng1")
    page = eng.get("/").get_data(as_text=True)
    assert page.index(emergency.case_no) < page.index(normal.case_no)  # by due time
    assert "另一小区" not in page  # another property's task
    assert "王五 · 1-101" in page and "上门处理" in page
    assert "due-soon" in page and "剩余 1小时0分" in page
    clock.shift(timedelta(hours=2))
    page = eng.get("/").get_data(as_text=True)
    row = page[page.index(f'data-task="{task_of(session, emergency).id}"') - 40:]
    assert 'class="due-overdue"' in row[:60] and "超时 1小时0分" in page


def test_filters_search_and_paging(session, as_user):
    for i in range(7):
        open_case(session, urgency="urgent", resident=f"业主{i}", room=f"{i}-201")
    open_case(session, resident="待登记")  # a front-desk task: not engineering's
    eng = as_user("eng1")
    page = eng.get("/?q=3-201").get_data(as_text=True)
    assert "业主3" in page and "业主4" not in page
    assert "业主5" in eng.get("/?q=业主5").get_data(as_text=True)
    assert "7 项待办" in eng.get("/?task=service_request:handle").get_data(as_text=True)
    assert "0 项待办" in eng.get("/?task=service_request:register").get_data(as_text=True)
    assert "0 项待办" in eng.get("/?due=overdue").get_data(as_text=True)
    eng.app.config["PER_PAGE"] = 3
    page3 = eng.get("/?page=3").get_data(as_text=True)
    assert "第 3 / 3 页" in page3 and page3.count('data-task="') == 1


def test_claim_release_and_reassign(session, as_user):
    case = open_case(session, urgency="urgent")
    task = task_of(session, case)
    eng, other, sup, fd = as_user("eng1"), as_user("eng1b"), as_user("sup1"), as_user("fd1")
    eng.post(f"/tasks/{task.id}/claim")
    assert assignee(session, task) == "eng1"
    assert case.case_no not in other.get("/").get_data(as_text=True)  # claimed: gone from the others' inbox
    assert case.case_no in other.get("/?view=team").get_data(as_text=True)
    assert fd.post(f"/tasks/{task.id}/claim").status_code == 403  # not front desk's role
    assert other.post(f"/tasks/{task.id}/reassign", data={"to": "eng1b"}).status_code == 403
    assert sup.post(f"/tasks/{task.id}/reassign", data={"to": "fd1"}).status_code == 400  # fd1 is not engineering
    sup.post(f"/tasks/{task.id}/reassign", data={"to": "eng1b"})
    assert assignee(session, task) == "eng1b"
    assert case.case_no in sup.get("/?view=property").get_data(as_text=True)
    other.post(f"/tasks/{task.id}/release")
    assert assignee(session, task) is None


def test_another_propertys_task_is_not_found(session, as_user):
    theirs = task_of(session, open_case(session, "P002", urgency="urgent"))
    eng = as_user("eng1")
    assert eng.get(f"/tasks/{theirs.id}").status_code == 404
    assert eng.post(f"/tasks/{theirs.id}", data={"result": "x"}).status_code == 404
    assert eng.post(f"/tasks/{theirs.id}/claim").status_code == 404
    assert eng.get(f"/cases/{theirs.instance_id}").status_code == 404
    assert as_user("hq").get(f"/cases/{theirs.instance_id}").status_code == 200  # HQ sees every property


def test_a_capped_count_says_more_than_and_pages_on(session, as_user, monkeypatch):
    from engine import start_instance
    from engine.tasks import inbox as inbox_module

    monkeypatch.setattr(inbox_module, "COUNT_CAP", 5)
    for i in range(30):
        start_instance(session, "P001", "service_request", {"resident": f"业主{i}", "room": "1-1"}, user="fd1")
    session.commit()
    page = as_user("hq").get("/?view=property").get_data(as_text=True)
    assert "超过 25 项待办" in page and "第 1 页 / 超过 1 页" in page and "page=2" in page


def test_next_and_previous_walk_the_pages_by_their_edges(session, as_user):
    import html
    import re as _re
    for i in range(7):
        open_case(session, urgency="urgent", resident=f"业主{i}", room=f"{i}-201")
    eng = as_user("eng1")
    eng.app.config["PER_PAGE"] = 3

    def visit(url):
        page = eng.get(url).get_data(as_text=True)
        links = {rel: html.unescape(href) for href, rel in _re.findall(r'<a href="([^"]+)" rel="(prev|next)"', page)}
        return _re.findall(r'data-task="([^"]+)"', page), links, page

    first, links, _page = visit("/?q=201")
    assert "prev" not in links and "after=" in links["next"] and "q=201" in links["next"]
    second, links, page = visit(links["next"])
    assert "第 2 / 3 页" in page and "page=1" in links["prev"] and "before=" not in links["prev"]
    third, links, page = visit(links["next"])
    assert "第 3 / 3 页" in page and "next" not in links and "before=" in links["prev"]
    assert len(set(first + second + third)) == 7
    again, links, page = visit(links["prev"])
    assert again == second and "第 2 / 3 页" in page
    assert eng.get("/?after=garbage").status_code == 200  # a spoilt link: the first page, not an error
