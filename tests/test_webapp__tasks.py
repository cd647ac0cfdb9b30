"""Working a task: the JSON Schema form rendered on the server, validated, errors in place, the case moves on."""
import re

from sqlalchemy import func, select

from engine import AuditEvent, HumanTask, start_instance


def open_task(session, prop="P001", resident="张三"):
    case = start_instance(session, prop, "service_request", {"resident": resident, "room": "1-101"}, user="fd1")
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    session.commit()
    return case, task


def tasks_of(session, case):
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).all()
    session.commit()
    return rows


def test_form_is_rendered_from_the_schema(session, as_user):
    _case, task = open_task(session)
    page = as_user("fd1").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "<h1>登记请求</h1>" in page and "受理登记" in page           # task and form titles
    assert 'for="f-urgency">紧急程度<span class="req"' in page           # label with the required mark
    assert '<select id="f-urgency" name="urgency" required>' in page     # an enum is a select
    assert '<option value="emergency">emergency</option>' in page
    assert '<textarea id="f-items" name="items"' in page                  # an array of numbers: one per line
    assert 'name="csrf_token"' in page


def test_invalid_input_shows_errors_in_place_and_saves_nothing(session, as_user):
    case, task = open_task(session)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    session.commit()
    response = as_user("fd1").post(f"/tasks/{task.id}", data={"urgency": "", "content": "x", "items": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<p class="error" id="e-urgency" role="alert">此项必填。</p>' in page
    assert '<p class="error" id="e-content" role="alert">内容太短。</p>' in page
    assert '<p class="error" id="e-items" role="alert">请输入数字。</p>' in page
    assert re.search(r'id="f-content"[^>]*value="x"', page)  # what was typed is kept
    assert [t.id for t in tasks_of(session, case)] == [task.id]
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_completing_moves_the_case_to_the_next_role(session, as_user):
    case, task = open_task(session)
    fd, eng = as_user("fd1"), as_user("eng1")
    response = fd.post(f"/tasks/{task.id}", data={"urgency": "urgent", "content": "厨房漏水", "items": "50\n30.5"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "已完成:登记请求" in fd.get("/").get_data(as_text=True)
    [nxt] = tasks_of(session, case)
    assert (nxt.task_name, nxt.lane) == ("handle", "engineering")
    assert nxt.id in eng.get("/").get_data(as_text=True)
    again = fd.post(f"/tasks/{task.id}", data={"urgency": "urgent"})  # done: no longer open, and it says so
    assert again.status_code == 409 and "“登记请求”已由 前台小王 于" in again.get_data(as_text=True)


def test_only_a_holder_of_the_role_completes_it(session, as_user):
    case, task = open_task(session)
    eng = as_user("eng1")
    page = eng.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "不能办理" in page and "<form method=\"post\" class=\"form\"" not in page
    response = eng.post(f"/tasks/{task.id}", data={"urgency": "urgent", "content": "厨房漏水", "items": ""})
    assert response.status_code == 403
    assert [t.id for t in tasks_of(session, case)] == [task.id]


def test_a_claimed_task_is_completed_by_its_holder_only(session, as_user):
    case, task = open_task(session)
    other = as_user("fd1")
    session.execute(HumanTask.__table__.update().where(HumanTask.id == task.id).values(assignee="hq"))
    session.commit()
    response = other.post(f"/tasks/{task.id}", data={"urgency": "urgent", "content": "厨房漏水", "items": ""})
    assert response.status_code == 409 and "在此期间 总部 已认领此待办" in response.get_data(as_text=True)
    assert [t.id for t in tasks_of(session, case)] == [task.id]


def test_user_input_is_escaped(session, as_user):
    case, task = open_task(session, resident="<script>alert(1)</script>")
    fd = as_user("fd1")
    for page in (fd.get("/").get_data(as_text=True), fd.get(f"/tasks/{task.id}").get_data(as_text=True),
                 fd.get(f"/cases/{case.id}").get_data(as_text=True)):
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_completing_leads_to_my_next_task_when_it_is_mine(session, as_user):
    from engine import create_user, opened_by_step
    create_user(session, "fe1", "前台兼工程小陈", "password-fe1", roles={"P001": ["front_desk", "engineering"]})
    session.commit()
    case, task = open_task(session)
    response = as_user("fe1").post(f"/tasks/{task.id}", data={"urgency": "urgent", "content": "厨房漏水", "items": ""})
    [nxt] = tasks_of(session, case)
    assert nxt.lane == "engineering"
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{nxt.id}"  # straight on
    # this session's object knows only its own start; the completion happened in the app's session
    assert [t.id for t in opened_by_step(case).tasks] == [task.id]


def test_the_step_says_what_a_completion_opened(session, deployed):
    from engine import complete_task, opened_by_step
    case, task = open_task(session)
    done = complete_task(session, task.id, {"urgency": "urgent", "content": "厨房漏水", "items": []}, user="fd1")
    session.commit()
    opened = opened_by_step(done)
    [row] = tasks_of(session, case)
    assert opened is not None and not opened.others_open
    assert [(t.id, t.lane, t.due_at) for t in opened.tasks] == [(row.id, row.lane, row.due_at)]


def test_the_step_says_what_a_start_opened(session, deployed):
    from engine import opened_by_step
    case, task = open_task(session)
    opened = opened_by_step(case)
    assert opened is not None and not opened.others_open
    assert [(t.id, t.lane) for t in opened.tasks] == [(task.id, task.lane)]
