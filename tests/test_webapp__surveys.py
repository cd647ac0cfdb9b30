"""Survey pages: staff open a round and read its analysis; a household answers by its link without signing in."""
import re

from library import Case, at, clock, deploy_library, fast_validation  # noqa: F401 - fixtures
from test_figures__kpis import REPAIR

from engine import HouseholdData, OutboxMessage, SurveyInvitation, get_property, households


def test_a_round_opened_answered_by_link_and_analysed(session, app, as_user, fast_validation, clock):
    deploy_library(session, "repair")
    Case.start(session, "repair", REPAIR)
    Case.start(session, "repair", {**REPAIR, "building_room": "6-101"})
    session.commit()
    sup = as_user("sup1")
    response = sup.post("/surveys/open", data={"property": "P001", "title": "11月征询表", "days": "14"})
    assert response.status_code == 303
    round_page = sup.get(response.headers["Location"]).get_data(as_text=True)
    links = re.findall(r'href="http://localhost(/s/[\w-]+)"', round_page)
    assert len(links) == 2 and "回收率" in round_page
    assert "共 2 户,已短信发送 2 户链接" in round_page and "已通过短信发送 2/2 户" in round_page
    sms = session.query(OutboxMessage).filter_by(channel="sms", kind="survey").all()
    assert sorted(m.params[-1] for m in sms) == sorted(f"http://localhost{x}" for x in links)
    session.rollback()  # end the test's read before the resident writes

    resident = app.test_client()  # nobody signed in
    form = resident.get(links[0])
    assert form.status_code == 200 and "维修服务" in form.get_data(as_text=True) and "很满意" in form.get_data(as_text=True)
    bad = resident.post(links[0], data={"repairs": "great"})
    assert bad.status_code == 400 and "请选择其中一项" in bad.get_data(as_text=True)
    done = resident.post(links[0], data={"repairs": "very_satisfied", "cleaning": "unsatisfied", "comment": "保洁不及时"})
    assert 'id="thanks"' in done.get_data(as_text=True)
    assert "已经收到" in resident.get(links[0]).get_data(as_text=True)
    assert resident.get("/s/not-a-token").status_code == 404

    analysed = sup.get(response.headers["Location"]).get_data(as_text=True)
    assert "50%" in analysed and "保洁不及时" in analysed  # return 1 of 2; 1 satisfied, 1 unsatisfied item
    assert as_user("fd1").get("/surveys/").status_code == 404
    empty = sup.post("/surveys/open", data={"property": "P001", "title": " ", "days": "14"}, follow_redirects=True)
    assert "请填写本轮标题" in empty.get_data(as_text=True)
    assert session.query(SurveyInvitation).count() == 2


def test_a_round_of_the_register_says_who_got_no_sms(session, app, as_user, fast_validation, clock):
    prop = get_property(session, "P001")
    households.save(session, prop, HouseholdData("1", "101", [{"name": "张三", "relation": "owner",
                                                                "phone": "13800000001"}]))
    households.save(session, prop, HouseholdData("1", "102", [{"name": "李四", "relation": "owner"}]))
    session.commit()
    sup = as_user("sup1")
    page = sup.post("/surveys/open", data={"property": "P001", "title": "第四季度征询表", "days": "14"},
                    follow_redirects=True).get_data(as_text=True)
    assert "共 2 户,已短信发送 1 户链接" in page and "1 户未发短信" in page
    assert "已发短信" in page and "未发短信" in page
    assert [m.address for m in session.query(OutboxMessage).filter_by(channel="sms")] == ["13800000001"]
