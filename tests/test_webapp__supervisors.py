"""The supervisors' day: they land on the whole property, every claim/release/reassign says it worked, tasks are
reassigned in bulk, and deploying or rolling back first names the properties and running cases it touches."""
import re

from sqlalchemy import select

from engine import Deployment, HumanTask, Property, complete_task, start_instance


def engineering_tasks(session, n: int, prop: str = "P001") -> list[HumanTask]:
    """``n`` cases registered at ``prop``, each waiting for engineering."""
    tasks = []
    for i in range(n):
        case = start_instance(session, prop, "service_request", {"resident": f"业主{i}", "room": f"{i}-101"}, user="fd1")
        first = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
        complete_task(session, first.id, {"urgency": "normal", "content": "灯坏了", "items": [1]}, user="fd1")
        tasks.append(session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one())
    session.commit()
    return tasks


def test_supervisors_land_on_the_whole_property_and_staff_on_their_own_tasks(as_user):
    assert re.search(r'class="current">全项目<', as_user("sup1").get("/").get_data(as_text=True))
    assert re.search(r'class="current">全项目<', as_user("hq").get("/").get_data(as_text=True))
    assert re.search(r'class="current">我的待办<', as_user("fd1").get("/").get_data(as_text=True))


def test_claim_release_and_reassign_say_that_they_worked(session, as_user):
    [task] = engineering_tasks(session, 1)
    eng = as_user("eng1")
    page = eng.post(f"/tasks/{task.id}/claim", data={"next": "/"}, follow_redirects=True).get_data(as_text=True)
    assert f"您已认领“上门处理”({task.case_no})" in page
    page = eng.post(f"/tasks/{task.id}/release", data={"next": "/"}, follow_redirects=True).get_data(as_text=True)
    assert f"“上门处理”({task.case_no})已放回工程部岗位" in page
    page = as_user("sup1").post(f"/tasks/{task.id}/reassign", data={"to": "eng1b", "next": "/"},
                                follow_redirects=True).get_data(as_text=True)
    assert f"“上门处理”({task.case_no})已改派给 工程小孙" in page


def test_bulk_reassign_moves_what_it_may_and_names_what_it_may_not(session, as_user):
    tasks = engineering_tasks(session, 3)
    sup = as_user("sup1")
    page = sup.get("/").get_data(as_text=True)
    assert page.count('form="bulk-form"') == 3 and '<option value="eng1b">工程小孙</option>' in page
    answer = sup.post("/tasks/bulk-reassign", data={"task": [tasks[0].id, tasks[1].id], "to": "eng1b", "next": "/"},
                      follow_redirects=True).get_data(as_text=True)
    assert "已将 2 项任务改派给 工程小孙" in answer
    held = dict(session.execute(select(HumanTask.id, HumanTask.assignee)).all()); session.commit()
    assert [held[t.id] for t in tasks] == ["eng1b", "eng1b", None]
    answer = sup.post("/tasks/bulk-reassign", data={"task": [tasks[2].id], "to": "fd1"},
                      follow_redirects=True).get_data(as_text=True)
    assert f"未改派:{tasks[2].case_no}:前台小王 不在该任务的岗位上" in answer
    assert as_user("eng1").post("/tasks/bulk-reassign", data={"task": [tasks[2].id], "to": "eng1"},
                                follow_redirects=True).get_data(as_text=True).count("您不负责该物业项目") == 1


def test_deploy_and_roll_back_ask_first_naming_properties_and_running_cases(session, as_user, deployed):
    engineering_tasks(session, 2)
    hq = as_user("hq")
    before = session.scalars(select(Deployment.version_id)).all(); session.commit()
    page = hq.post("/rollout/service_request/deploy", data={"version": 1, "scope": "all", "listed": ["P001", "P002"],
                                                              "seen-P001": deployed.id, "seen-P002": deployed.id})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "确认部署" in text
    assert re.search(r"翠湖花园</strong>\s*· 当前运行第 1 版\s*· 2 个进行中的工单", text)
    assert re.search(r"滨江苑</strong>\s*· 当前运行第 1 版\s*· 0 个进行中的工单", text)
    assert session.scalars(select(Deployment.version_id)).all() == before  # nothing deployed yet
    session.commit()


def test_rolling_back_asks_first(session, as_user, deployed):
    from engine import ProcessVersion, editable_files, save_edit

    base = session.get(ProcessVersion, deployed.id)
    files = editable_files(base.files)
    files["service_request.bpmn"] = files["service_request.bpmn"].replace("登记请求", "登记报修")
    newer = save_edit(session, base, files, author="owner1", message="改名").version
    session.commit()
    hq = as_user("hq")
    hq.post("/rollout/service_request/deploy", data={"confirmed": "1", "version": newer.number, "scope": "chosen",
                                                     "property": "P001", "seen-P001": deployed.id})
    engineering_tasks(session, 1)
    page = hq.post("/rollout/service_request/rollback/P001", data={"seen": newer.id}).get_data(as_text=True)
    assert "将翠湖花园回退到第 1 版?" in page and "进行中的 1 个工单保持原版本" in page
    p001 = session.scalar(select(Property.id).where(Property.code == "P001"))
    assert session.scalar(select(Deployment.version_id).where(Deployment.property_id == p001)) == newer.id  # not yet
