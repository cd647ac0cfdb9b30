"""The inbox on the real complaint: who is excluded never sees the task; escalations and notices reach supervisors."""
import pytest
from library import Case, at, clock, deploy_library, fast_validation, fire  # noqa: F401 - fixtures
from test_processes__complaint import at_handler

from engine import InboxQuery, NotAllowed, claim, create_user, inbox, open_notices

PEOPLE = {"eng_li": ["engineering"], "eng_wang": ["engineering"], "sup1": ["cs_supervisor"], "fd1": ["front_desk"]}


@pytest.fixture
def staff(session, fast_validation, fast_hashing, clock):
    deploy_library(session, "complaint")
    users = {name: create_user(session, name, name, "password-" + name, roles={"P001": roles})
             for name, roles in PEOPLE.items()}
    session.commit()
    return users


def titles(session, user, **query):
    return [(row.case_no, row.task_name) for row in inbox(session, user, InboxQuery(**query), at(2030, 1, 1)).rows]


def test_the_staff_member_complained_about_never_sees_or_takes_the_task(session, staff):
    case = at_handler(session)  # the complaint names eng_li
    assert titles(session, staff["eng_wang"]) == [(case.case_no, "handle_engineering")]
    assert titles(session, staff["eng_li"]) == [] and titles(session, staff["eng_li"], view="team") == []
    task = case.tasks()["handle_engineering"]
    with pytest.raises(NotAllowed, match="eng_li may not take"):
        claim(session, task.id, "eng_li")
    session.rollback()
    assert claim(session, task.id, "eng_wang").assignee == "eng_wang"


def test_a_missed_deadline_shows_as_escalated_and_as_a_notice_to_the_supervisor(session, staff, clock):
    late, on_time = at_handler(session), at_handler(session)
    assert titles(session, staff["sup1"], view="property", escalated=True) == []
    assert fire(session, clock, at(2026, 11, 26, 9, 0, 1)) == 2  # 3 working days: both cases' handling is late
    on_time.complete("handle_engineering", {"outcome": "solved", "investigation": "核实", "result": "已修好",
                                            "preventive_measures": "定期巡查",
                                            "handled_by": "王工"}, user="eng_wang")
    assert titles(session, staff["sup1"], view="property", escalated=True) == [(late.case_no, "handle_engineering")]
    notices = [n for n in open_notices(session, staff["sup1"], at(2026, 11, 20)) if not n.message.startswith("客户反馈")]
    assert {n.case_no for n in notices} == {late.case_no, on_time.case_no}
    assert all(n.to == "cs_supervisor" and "3个工作日内未解决" in n.message for n in notices)
    assert open_notices(session, staff["eng_wang"], at(2026, 11, 20)) == []  # not addressed to engineering
