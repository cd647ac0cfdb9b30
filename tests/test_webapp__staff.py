"""Users in the web app: head office creates accounts, renames, resets passwords and deactivates leavers,
whose open tasks go back to the role — without the CLI."""
from sqlalchemy import select

from engine import HumanTask, User, complete_task, start_instance


def test_only_head_office_keeps_accounts(as_user):
    assert as_user("sup1").get("/staff/").status_code == 403
    page = as_user("hq").get("/staff/").get_data(as_text=True)
    assert "员工账号" in page and "工程老李" in page


def test_head_office_creates_an_account_that_signs_in_with_a_role(as_user, browser):
    hq = as_user("hq")
    bad = hq.post("/staff/", data={"username": "Bad Name", "display_name": "", "password": "short"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "以字母开头" in text and "请填写同事熟悉的称呼" in text and "至少 8 个字符" in text
    ok = hq.post("/staff/", data={"username": "eng9", "display_name": "维修小九", "password": "secret-pass-9",
                                  "property": "P001", "role": "engineering"}, follow_redirects=True)
    assert "已为 维修小九 开通账号,登录名 eng9" in ok.get_data(as_text=True)
    assert browser.login("eng9", "secret-pass-9").status_code == 302
    again = hq.post("/staff/", data={"username": "eng9", "display_name": "又一个", "password": "secret-pass-9"})
    assert again.status_code == 400 and "这个登录名已被使用" in again.get_data(as_text=True)


def test_rename_and_reset_password(as_user, browser, session):
    hq = as_user("hq")
    hq.post("/staff/eng1", data={"action": "rename", "display_name": "李师傅"})
    assert session.scalar(select(User.display_name).where(User.username == "eng1")) == "李师傅"
    session.commit()
    short = hq.post("/staff/eng1", data={"action": "password", "password": "123"}, follow_redirects=True)
    assert "密码至少 8 个字符" in short.get_data(as_text=True)
    hq.post("/staff/eng1", data={"action": "password", "password": "brand-new-pass"})
    assert browser.login("eng1", "password-eng1").status_code != 302
    assert browser.login("eng1", "brand-new-pass").status_code == 302


def test_a_leaver_is_deactivated_and_their_open_tasks_go_back_to_the_role(session, as_user, browser):
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    first = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    complete_task(session, first.id, {"urgency": "normal", "content": "灯坏了", "items": [1]}, user="fd1")
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    session.commit()
    eng = as_user("eng1")
    eng.post(f"/tasks/{task.id}/claim")
    answer = as_user("hq").post("/staff/eng1", data={"action": "deactivate"}, follow_redirects=True)
    assert f"工程老李 已停用,不能再登录;其 1 项待办已放回岗位:{case.case_no}" in answer.get_data(as_text=True)
    assert session.get(HumanTask, task.id).assignee is None
    session.commit()
    assert browser.login("eng1").status_code != 302
    assert eng.get("/").status_code == 302  # the open session ends too
    assert as_user("hq").post("/staff/hq", data={"action": "deactivate"}, follow_redirects=True).get_data(
        as_text=True).count("不能停用自己的账号") == 1
