"""A scheduled case's start data (next month's callback list) reads in Chinese on its page: no field names."""
import re
from datetime import UTC, datetime

from library import Case, at, clock, deploy_library, fast_validation  # noqa: F401 - fixtures
from sqlalchemy import select
from test_processes__complaint import COMPLAINT

from engine import Instance, Process, start_due_schedules


def test_the_callback_list_shows_its_residents_with_chinese_labels(session, as_user, fast_validation, clock):
    deploy_library(session, "callback_list", "complaint")
    complaint = Case.start(session, "complaint", COMPLAINT)
    clock.move_to(at(2026, 12, 1, 9, 0, 1))
    start_due_schedules(session, datetime.now(UTC))
    case_id = session.scalar(select(Instance.id).join(Process, Process.id == Instance.process_id)
                             .where(Process.key == "callback_list"))
    session.commit()
    page = as_user("sup1").get(f"/cases/{case_id}").get_data(as_text=True)
    facts = re.search(r'<dl class="facts">(.*?)</dl>', page, re.S).group(1)
    assert "回访业户" in facts and "全部工单" in facts and "业户姓名: 张三" in facts and complaint.case_no in facts
    assert not re.search(r"residents|case_nos|resident_name|building_room", facts)
