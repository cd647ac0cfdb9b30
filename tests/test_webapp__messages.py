"""The engine's refusals reach people in their language, filled in with the case's own names."""
import pytest
from sqlalchemy import select

from engine import Conflict, EngineError, HumanTask, NotAllowed, claim, complete_task, start_instance
from webapp.messages import MESSAGES, explain

REGISTER = {"urgency": "normal", "content": "漏水", "items": []}


def refusal(action) -> EngineError:
    with pytest.raises(EngineError) as caught:
        action()
    return caught.value


def test_real_refusals_in_chinese_and_english(app, session):
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"})
    session.flush()
    task = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
    wrong_role = refusal(lambda: complete_task(session, task, REGISTER, user="eng1", lanes=["engineering"]))
    claim(session, task, "fd1")
    held = refusal(lambda: claim(session, task, "fd2"))
    complete_task(session, task, REGISTER, user="fd1")
    session.commit()
    done = refusal(lambda: complete_task(session, task, REGISTER, user="fd2"))
    assert isinstance(done, Conflict) and isinstance(wrong_role, NotAllowed) and isinstance(held, Conflict)
    assert {e.code for e in (wrong_role, held, done)} <= set(MESSAGES)

    with app.test_request_context("/"):
        assert explain(done) == "“登记请求”已由 fd1 完成。"
        assert explain(wrong_role) == "“登记请求”由客服前台办理。"
        assert explain(held) == "“登记请求”已由 fd1 认领。"
    with app.test_request_context("/?lang=en"):
        assert explain(done) == "“登记请求” was already completed by fd1."
        assert explain(wrong_role) == "“登记请求” is for the role Front desk."


def test_an_error_without_a_code_keeps_its_english_text(app):
    with app.test_request_context("/"):
        assert explain(NotAllowed("something rare")) == "something rare"
