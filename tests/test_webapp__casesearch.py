"""工单查询: any case at my properties, open or closed, by number, resident, phone, room, filters; paged by key."""
import re
from datetime import timedelta

import pytest
from library import at, clock, deploy_library  # noqa: F401  (fixture)
from sqlalchemy import select

from engine import HumanTask, cancel_instance, start_instance


def _complaint(session, prop, name, phone, room, content="楼道灯坏了"):
    case = start_instance(session, prop, "complaint", {"resident_name": name, "building_room": room,
                                                       "contact_phone": phone, "channel": "phone",
                                                       "content": content}, user="fd1")
    session.commit()
    return case


def found(page: str) -> list[str]:
    return re.findall(r'data-case="([^"]+)"', page)


@pytest.fixture
def cases(session, app, clock):  # noqa: F811
    deploy_library(session, "complaint", properties=("P001", "P002"))
    zhang = _complaint(session, "P001", "张三", "13800001111", "3栋1201")
    clock.move_to(at(2026, 11, 24, 10))
    li = _complaint(session, "P001", "李四", "13900002222", "5栋0302")
    cancel_instance(session, li.id, user="sup1", reason="重复登记")
    session.commit()
    other = _complaint(session, "P002", "张三", "13800001111", "1栋0101")
    return zhang.case_no, li.case_no, other.case_no


def test_a_case_is_found_by_number_name_phone_or_room_at_my_properties_only(cases, as_user):
    zhang, li, other = cases
    fd = as_user("fd1")
    assert found(fd.get("/search/?q=13800001111").get_data(as_text=True)) == [zhang]   # not P002's
    assert found(fd.get("/search/?q=5栋0302").get_data(as_text=True)) == [li]         # a closed case too
    assert found(fd.get(f"/search/?q={zhang}").get_data(as_text=True)) == [zhang]
    assert found(fd.get("/search/?q=李").get_data(as_text=True)) == [li]
    assert found(fd.get("/search/").get_data(as_text=True)) == [li, zhang]            # newest first
    assert found(as_user("hq").get("/search/?q=张三").get_data(as_text=True)) == [other, zhang]
    page = fd.get("/search/?q=13800001111").get_data(as_text=True)
    assert 'href="/cases/' in page and "客户投诉处理" in page and "张三" in page


def test_filters_status_process_dates_and_overdue(cases, session, as_user, clock):  # noqa: F811
    zhang, li, _other = cases
    due = session.scalar(select(HumanTask.due_at).where(HumanTask.case_no == zhang)); session.commit()
    fd = as_user("fd1")
    assert found(fd.get("/search/?status=running").get_data(as_text=True)) == [zhang]
    assert found(fd.get("/search/?status=cancelled").get_data(as_text=True)) == [li]
    assert found(fd.get("/search/?process=service_request").get_data(as_text=True)) == []
    assert found(fd.get("/search/?from=2026-11-24").get_data(as_text=True)) == [li]
    assert found(fd.get("/search/?to=2026-11-23").get_data(as_text=True)) == [zhang]
    response = fd.get("/search/?from=yesterday")
    assert response.status_code == 200 and "“yesterday”不是日期" in response.get_data(as_text=True)
    clock.move_to(due - timedelta(minutes=1))  # the receipt confirmation of 张三's case is not yet due
    fd = as_user("fd1")  # (signed in again: a session cookie from the clock's future is refused)
    assert found(fd.get("/search/?late=overdue").get_data(as_text=True)) == []
    clock.move_to(due + timedelta(minutes=1))
    page = fd.get("/search/?late=overdue").get_data(as_text=True)
    assert found(page) == [zhang] and "当前已超时" in page


def test_pages_follow_by_key(session, app, as_user, clock):  # noqa: F811
    deploy_library(session, "complaint")
    numbers = []
    for i in range(5):
        clock.move_to(at(2026, 11, 23, 9 + i))
        numbers.append(_complaint(session, "P001", f"业主{i}", f"1380000{i:04d}", f"{i}栋").case_no)
    app.config["PER_PAGE"] = 2
    fd, seen, url = as_user("fd1"), [], "/search/?q=1380000"
    while url:
        page = fd.get(url).get_data(as_text=True)
        seen += found(page)
        match = re.search(r'<a class="button" href="([^"]+)">更早的工单', page)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == list(reversed(numbers))
    assert found(fd.get("/search/?after=nonsense").get_data(as_text=True)) == list(reversed(numbers))[:2]


def test_the_inbox_search_also_finds_cases_without_my_tasks_and_says_so(cases, as_user):
    zhang, _li, _other = cases
    page = as_user("eng1").get("/?q=13800001111").get_data(as_text=True)
    assert "0 项待办" in page
    section = page[page.index("没有您的待办的工单"):]
    assert zhang in section and "与“13800001111”匹配、但没有您的待办的工单" in page
    assert "/search/?q=13800001111" in section
