"""HQ rollout pages: deploy to chosen or all properties (all or nothing), roll back, per-property settings."""
import pytest
from sqlalchemy import select

from engine import Deployment, ProcessVersion, Property, User, editable_files, get_property, save_edit, start_instance
from engine.cases import workflows

START = {"resident": "张三", "room": "3-1201"}


@pytest.fixture
def v2(app, session_factory, deployed):
    with session_factory() as s:
        base = s.get(ProcessVersion, deployed.id)
        files = editable_files(base.files)
        files["service_request.bpmn"] = files["service_request.bpmn"].replace("登记请求", "登记报修")
        version = save_edit(s, base, files, author="owner1", message="改名").version
        s.commit()
        return version


def running(session_factory):
    with session_factory() as s:
        rows = s.execute(select(Property.code, ProcessVersion.number).join(Deployment, Deployment.property_id == Property.id)
                         .join(ProcessVersion, ProcessVersion.id == Deployment.version_id)).all()
        return dict(rows)


def test_deploy_to_one_property_then_the_rest(as_user, v2, deployed, session_factory):
    hq = as_user("hq")
    page = hq.get("/rollout/service_request").get_data(as_text=True)
    assert page.count("第 1 版") >= 2
    form = {"version": 2, "scope": "chosen", "property": ["P001"], "listed": ["P001", "P002"],
            "seen-P001": deployed.id, "seen-P002": deployed.id}
    response = hq.post("/rollout/service_request/deploy", data=dict(form, confirmed="1"), follow_redirects=True)
    assert "服务请求(测试) 第 2 版已在 1 个物业项目运行:P001" in response.get_data(as_text=True)
    assert running(session_factory) == {"P001": 2, "P002": 1}
    with session_factory() as s:  # new cases follow the deployment; the page shows who deployed it
        assert start_instance(s, "P001", "service_request", START).current_step == "登记报修"
        s.commit()
    page = hq.get("/rollout/service_request").get_data(as_text=True)
    assert "回退到第 1 版" in page and "hq" in page
    form.update({"scope": "all", "seen-P001": v2.id})
    hq.post("/rollout/service_request/deploy", data=dict(form, confirmed="1"))
    assert running(session_factory) == {"P001": 2, "P002": 2}


def test_a_deployment_is_all_or_nothing(as_user, v2, deployed, session_factory):
    hq = as_user("hq")
    base = {"version": 2, "scope": "chosen", "seen-P001": deployed.id, "seen-P002": deployed.id}
    answer = hq.post("/rollout/service_request/deploy", data=dict(base, confirmed="1", property=["P001", "P404"]),
                     follow_redirects=True).get_data(as_text=True)
    assert "未部署任何项目:没有物业项目 P404" in answer
    assert running(session_factory) == {"P001": 1, "P002": 1}
    # someone else deployed to P002 after this page was shown: neither property moves
    with session_factory() as s:
        from engine import deploy
        deploy(s, s.get(ProcessVersion, v2.id), [get_property(s, "P002")], by="colleague")
        s.commit()
    answer = hq.post("/rollout/service_request/deploy", data=dict(base, confirmed="1", property=["P001", "P002"]),
                     follow_redirects=True).get_data(as_text=True)
    assert "有人同时向这些物业项目部署了版本;本次未部署任何项目" in answer
    assert running(session_factory) == {"P001": 1, "P002": 2}


def test_a_failure_inside_the_deployment_leaves_every_property_as_it_was(as_user, v2, deployed, session_factory,
                                                                         monkeypatch):
    from engine import Deployment as D

    original = D.__init__

    def failing(self, **kw):  # P002 has no deployment row in this test: creating it fails
        raise RuntimeError("disk full")

    with session_factory() as s:
        s.query(D).filter(D.property_id == get_property(s, "P002").id).delete()
        s.commit()
    monkeypatch.setattr(D, "__init__", failing)
    hq = as_user("hq")
    with pytest.raises(RuntimeError):
        hq.post("/rollout/service_request/deploy", data={"confirmed": "1", "version": 2, "scope": "chosen", "property": ["P001", "P002"],
                                                         "seen-P001": deployed.id, "seen-P002": ""})
    monkeypatch.setattr(D, "__init__", original)
    assert running(session_factory) == {"P001": 1}


def test_roll_back_a_property(as_user, v2, deployed, session_factory):
    hq = as_user("hq")
    hq.post("/rollout/service_request/deploy", data={"confirmed": "1", "version": 2, "scope": "chosen", "property": "P001",
                                                     "seen-P001": deployed.id})
    answer = hq.post("/rollout/service_request/rollback/P001", data={"confirmed": "1", "seen": v2.id},
                     follow_redirects=True).get_data(as_text=True)
    assert "P001 已重新运行 服务请求(测试) 第 1 版" in answer
    assert running(session_factory) == {"P001": 1, "P002": 1}
    answer = hq.post("/rollout/service_request/rollback/P001", data={"confirmed": "1", "seen": deployed.id},
                     follow_redirects=True).get_data(as_text=True)
    assert running(session_factory) == {"P001": 2, "P002": 1}  # a roll-back is undone by rolling back again
    stale = hq.post("/rollout/service_request/rollback/P001", data={"confirmed": "1", "seen": deployed.id}, follow_redirects=True)
    assert "有人同时向 P001 部署了版本;未回退" in stale.get_data(as_text=True)


def test_parameters_reach_new_cases_without_copying_the_diagram(as_user, deployed, session_factory):
    hq = as_user("hq")
    page = hq.get("/properties/P001").get_data(as_text=True)
    assert "本流程参数 1" in page and "接待时间" in page  # labelled (this fixture's manifest has no labels)
    assert ">reply_hours<" not in page and ">office_hours<" not in page
    bad = hq.post("/properties/P001/parameters", data={"process": "service_request", "name": "reply_hours",
                                                        "value": "十二"}, follow_redirects=True)
    assert "本流程参数 1 未保存:它必须是整数" in bad.get_data(as_text=True)
    hq.post("/properties/P001/parameters", data={"process": "service_request", "name": "reply_hours", "value": "12"})
    hq.post("/properties/P001/parameters", data={"name": "office_hours", "value": "8:30-17:00"})
    with session_factory() as s:
        a = start_instance(s, "P001", "service_request", START)
        b = start_instance(s, "P002", "service_request", START)
        s.commit()
        assert a.version_id == b.version_id
        params = [next(t for t in workflows.load_workflow(s, c).get_tasks() if "params" in t.data).data["params"]
                  for c in (a, b)]
    assert params == [{"reply_hours": 12, "office_hours": "8:30-17:00"}, {"reply_hours": 24}]
    hq.post("/properties/P001/parameters", data={"process": "service_request", "name": "reply_hours",
                                                  "action": "reset"})
    assert "本项目取值" not in hq.get("/properties/P001").get_data(as_text=True).split("reply_hours")[1][:600]


def test_calendar_and_roles_per_property(as_user, deployed, session_factory):
    hq = as_user("hq")
    bad = hq.post("/properties/P001/calendar", data={"days_off": "2026-13-01"}, follow_redirects=True)
    assert "日历未保存" in bad.get_data(as_text=True)
    hq.post("/properties/P001/calendar", data={"days_off": "2026-10-09\n2026-10-10", "workdays": "2026-10-11"})
    hq.post("/properties/P002/roles", data={"user": "eng1", "role": "front_desk"})
    with session_factory() as s:
        p1 = get_property(s, "P001")
        assert (p1.extra_days_off, p1.extra_workdays) == (["2026-10-09", "2026-10-10"], ["2026-10-11"])
        eng1 = s.scalars(select(User).where(User.username == "eng1")).one()
        assert {(r.property_id, r.role) for r in eng1.roles} >= {(get_property(s, "P002").id, "front_desk")}
    def holders_table():
        return hq.get("/properties/P002").get_data(as_text=True).split('id="staff"')[1].split("add-role")[0]

    assert '"eng1">工程老李 <button' in holders_table()  # by display name
    hq.post("/properties/P002/roles", data={"user": "eng1", "role": "front_desk", "action": "revoke"})
    assert "工程老李" not in holders_table()
