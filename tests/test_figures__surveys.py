"""Satisfaction surveys (engine.figures.survey_rounds): a round, one link per household, the seeds' formula, the board's figures."""
from datetime import date

import pytest
from library import at, clock, deploy_library, fast_validation  # noqa: F401 - fixtures

from engine import (
    Conflict,
    FormInvalid,
    HouseholdData,
    NotAllowed,
    NotFound,
    OutboxMessage,
    SurveyInvitation,
    get_property,
    households,
    sms_policy,
    survey_analysis,
    survey_invites,
    survey_rounds,
)
from engine.figures import queries
from engine.messages.sms import resident_notices
from engine.storage.database import settings_of

HOUSEHOLDS = [("1-101", "13800000001"), ("1-102", "13800000002"), ("2-201", None), ("2-202", "13800000004")]
ITEMS = (("repairs", "维修服务"), ("cleaning", "清洁卫生"), ("security", "秩序维护"))


@pytest.fixture
def survey(session, fast_validation, clock):
    deploy_library(session, "repair")
    clock.move_to(at(2026, 11, 2, 9))
    prop = get_property(session, "P001")
    found = survey_rounds.open_round(session, prop, "2026年11月物业服务质量意见征询表", by="sup1", households=HOUSEHOLDS,
                              items=ITEMS)
    session.commit()
    return found


def tokens(session, found):
    return {i.household: i.token for i in session.query(SurveyInvitation).filter_by(round_id=found.id)}


def test_the_round_is_analysed_by_the_seeds_formula(session, survey, clock):
    links = tokens(session, survey)
    clock.move_to(at(2026, 11, 5, 9))
    survey_rounds.answer(session, links["1-101"], {"repairs": "very_satisfied", "cleaning": "satisfied", "security": None})
    survey_rounds.answer(session, links["1-102"], {"repairs": "unsatisfied", "cleaning": "fairly_satisfied",
                                            "security": "unsatisfied"}, "门岗夜间无人")
    survey_rounds.answer(session, links["2-201"], {"repairs": "satisfied"})  # the rest left unrated
    session.commit()
    result = survey_analysis.analyse(session, survey)
    # satisfied items: 很满意 满意 | 较满意 | 满意 = 4; unsatisfied: 2; unrated items are left out
    assert (result.handed_out, result.returned, result.return_rate) == (4, 3, 75.0)
    assert (result.satisfied, result.unsatisfied, result.rate) == (4, 2, round(100 * 4 / 6, 1))
    by_item = {i.key: i for i in result.items}
    assert by_item["repairs"].rate == round(100 * 2 / 3, 1) and by_item["security"].rate == 0.0
    assert by_item["security"].counts[None] == 2
    assert result.comments == [("1-102", "门岗夜间无人")]


def test_the_survey_feeds_the_promise_board(session, survey, clock):
    links = tokens(session, survey)
    for room in ("1-101", "1-102", "2-201", "2-202"):
        survey_rounds.answer(session, links[room], {"repairs": "satisfied", "cleaning": "unsatisfied"})
    session.commit()
    prop = get_property(session, "P001")
    figures = queries.months_figures(session, ["2026-11"], [prop.id])[(prop.id, "2026-11")]
    assert figures["survey_return"].value == 100.0 and figures["survey_return"].status == "green"
    assert figures["satisfaction"].value == 50.0  # 4 satisfied, 4 unsatisfied items; no callbacks this month
    ranged = queries.range_figures(session, prop.id, date(2026, 11, 1), date(2026, 11, 30))
    assert ranged["satisfaction"].value == 50.0 and ranged["survey_return"].value == 100.0


def test_a_link_answers_once_with_known_ratings_while_the_round_is_open(session, survey, clock):
    links = tokens(session, survey)
    with pytest.raises(FormInvalid) as bad:
        survey_rounds.answer(session, links["1-101"], {"repairs": "great"})
    assert bad.value.errors[0].field == "repairs"
    session.rollback()
    survey_rounds.answer(session, links["1-101"], {"repairs": "satisfied"})
    session.commit()
    with pytest.raises(Conflict):
        survey_rounds.answer(session, links["1-101"], {"repairs": "unsatisfied"})
    with pytest.raises(NotFound):
        survey_rounds.answer(session, "no-such-token", {})
    clock.move_to(at(2026, 11, 17, 9))  # 14 days later
    with pytest.raises(NotAllowed):
        survey_rounds.answer(session, links["1-102"], {"repairs": "satisfied"})


def test_households_default_to_the_residents_the_cases_know(session, survey):
    from library import Case
    from test_figures__kpis import REPAIR

    Case.start(session, "repair", REPAIR)
    prop = get_property(session, "P001")
    assert survey_rounds.known_households(session, prop) == [("5-302", "13900000000")]
    with pytest.raises(NotAllowed):
        survey_rounds.open_round(session, get_property(session, "P001"), "  ")
    invitation = session.query(SurveyInvitation).filter_by(round_id=survey.id).first()
    assert survey_rounds.link(invitation, "https://wy.example.com/") == f"https://wy.example.com/s/{invitation.token}"
    fallback = survey_rounds.open_round(session, prop, "无住户档案时")  # no register: the cases' residents
    assert [(i.household, i.contact) for i in session.query(SurveyInvitation).filter_by(round_id=fallback.id)] == [
        ("5-302", "13900000000")]


def register(session, prop):
    for building, room, members in (
            ("1", "101", [{"name": "张三", "relation": "owner", "phone": "13800000001"},
                          {"name": "张小三", "relation": "family", "phone": "13800000011"}]),
            ("1", "102", [{"name": "李四", "relation": "owner"},  # the owner has no phone: the family's
                          {"name": "李小四", "relation": "family", "phone": "13800000012"}]),
            ("2", "201", [{"name": "王五", "relation": "tenant"}]),  # nobody has a phone
            ("2", "202", [{"name": "赵六", "relation": "owner", "phone": "13800000004"}]),
            ("3", "301", [{"name": "钱七", "relation": "owner", "phone": "13800000005"}]),
            ("3", "302", [{"name": "钱七", "relation": "owner", "phone": "13800000005"}])):  # the same owner
        households.save(session, prop, HouseholdData(building, room, members))


def test_a_round_invites_the_register_and_sends_each_link_as_one_sms(session, fast_validation, clock):
    deploy_library(session, "repair")
    from library import Case
    from test_figures__kpis import REPAIR

    Case.start(session, "repair", REPAIR)  # a case's resident outside the register is not invited
    clock.move_to(at(2026, 11, 2, 9))
    prop = get_property(session, "P001")
    register(session, prop)
    sms_policy.opt_out(session, "13800000004", "test")
    for n in range(settings_of(session).sms_daily_limit - 1):  # 钱七 has one SMS left today
        resident_notices.send(session, "13800000005", "notice", f"通知{n}", [f"通知{n}"], kind="notified")
    found = survey_rounds.open_round(session, prop, "2026年11月征询表", days=14)
    invited = {i.household: i.contact for i in session.query(SurveyInvitation).filter_by(round_id=found.id)}
    assert invited == {"1-101": "13800000001", "1-102": "13800000012", "2-201": None, "2-202": "13800000004",
                       "3-301": "13800000005", "3-302": "13800000005"}

    sent = survey_invites.send_links(session, found, "https://wy.example.com")
    session.commit()
    assert (sent.sent, sent.no_phone, sent.opted_out, sent.limited) == (3, ["2-201"], ["2-202"], ["3-302"])
    sms = session.query(OutboxMessage).filter_by(channel="sms", kind="survey").order_by(OutboxMessage.address).all()
    tokens = {i.household: i.token for i in session.query(SurveyInvitation).filter_by(round_id=found.id)}
    assert [(m.address, m.subject) for m in sms] == [("13800000001", "survey_invite"), ("13800000005", "survey_invite"),
                                                     ("13800000012", "survey_invite")]
    assert sms[0].body == (f"尊敬的1-101业户:{prop.name}诚邀您填写《2026年11月征询表》,约1分钟,11月16日前有效:"
                           f"https://wy.example.com/s/{tokens['1-101']} 感谢您的支持!")
    assert sms[0].params[-1] == f"https://wy.example.com/s/{tokens['1-101']}"
    assert survey_invites.send_links(session, found, "https://wy.example.com").sent == 0  # never twice

    survey_rounds.answer(session, tokens["1-101"], {"repairs": "satisfied"})
    survey_rounds.answer(session, tokens["2-201"], {"repairs": "unsatisfied"})  # answered on a paper link
    result = survey_analysis.analyse(session, found)
    assert (result.handed_out, result.returned, result.return_rate) == (6, 2, 33.3)  # against the 6 invited
