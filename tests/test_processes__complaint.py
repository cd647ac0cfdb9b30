"""客户投诉处理 (processes/complaint): every branch of the procedure, through the engine, persisted between steps."""
import pytest
from library import Case, at, clock, deploy_library, fast_validation  # noqa: F401 - fixtures

from engine import AuditKind, FormInvalid, InstanceStatus, NotAllowed

COMPLAINT = {"resident_name": "张三", "building_room": "3-1201", "contact_phone": "13800000000",
             "channel": "phone", "content": "楼道灯坏了一周没人修", "complained_staff": ["eng_li"]}
CONFIRM = {"confirmed_via": "phone", "contact_person": "客服小王"}
SOLVED = {"outcome": "solved", "investigation": "现场核实属实", "result": "已更换灯具", "handled_by": "李工",
          "preventive_measures": "每月巡查楼道照明"}
FEEDBACK = {"feedback_content": "灯具已更换,原因是线路老化", "feedback_via": "phone"}
VERIFIED = {"result_verified": True, "verification_note": "现场核实已修好", "preventive_measures_reviewed": True}
CALLBACK_A = {"reached": True, "callback_content": "业主表示满意", "rating": "A", "callback_staff": "客服小王",
              "callback_date": "2026-11-25"}
HANDLERS = {"engineering": "handle_engineering", "security": "handle_security", "cleaning": "handle_cleaning",
            "front_desk": "handle_customer_service"}


@pytest.fixture
def library(session, fast_validation, clock):
    deploy_library(session, "complaint", "repair")


def classification(validity="valid", cause="service", category="facility", urgency="medium", **extra):
    data = {"validity": validity, "cause": cause, "urgency": urgency, "analysis": "原因分析",
            "reply_content": "已安排相关部门处理", **extra}
    if cause == "service":
        data["service_category"] = category
    if validity == "major":
        data.setdefault("major_reason", "over_heads")
    return data


def registered(session, **data) -> Case:
    return Case.start(session, "complaint", {**COMPLAINT, **data})


def classified(session, start=None, **kw) -> Case:
    case = registered(session, **(start or {}))
    case.complete("confirm_receipt", CONFIRM, user="fd1")
    return case.complete("classify", classification(**kw), user="fd1")


def at_handler(session, **kw) -> Case:
    case = classified(session, **kw)
    return case.complete("dispatch", {"dispatch_requirements": "两日内修复"}, user="fd1")


def handled(case, handler="handle_engineering", result=SOLVED) -> Case:
    """The department solves it; the front desk, tracking it, feeds the result back to the resident."""
    case.complete(handler, result, user="eng_wang")
    assert case.tasks()["feedback_result"].lane == "front_desk"
    return case.complete("feedback_result", FEEDBACK, user="fd1")


def close_after_handling(case, handler="handle_engineering", verify="verify") -> Case:
    handled(case, handler)
    case.complete(verify, VERIFIED, user="sup1")
    return case.complete("cb_phone", CALLBACK_A, user="fd2")


# --- registration and classification -------------------------------------------------------------

def test_registration_numbers_the_case_and_asks_for_confirmation(session, library):
    case = registered(session)
    assert case.case_no.startswith("TS20261123-")
    assert case.instance.summary == {"resident_name": "张三", "building_room": "3-1201", "contact_phone": "13800000000"}
    [task] = case.tasks().values()
    assert (task.task_name, task.lane, task.form) == ("confirm_receipt", "front_desk", "complaint_confirm.json")
    assert task.due_at == at(2026, 11, 24, 9)  # confirmed within 24 hours


def test_service_complaint_dispatched_handled_verified_called_back_and_closed(session, library):
    case = at_handler(session, category="facility")
    handler = case.tasks()["handle_engineering"]
    assert handler.lane == "engineering" and handler.due_at == at(2026, 11, 26, 9)  # 3 working days
    close_after_handling(case)
    instance = case.instance
    assert instance.status == InstanceStatus.COMPLETED
    assert case.escalated() == []
    # [000] 一般投诉由客户服务中心负责人……通知被投诉部门调查投诉原因,限期解决,同时上报项目经理
    assert case.notices("manager")[0].startswith("一般投诉") and "2026-11-26" in case.notices("manager")[0]
    resident = case.notices("resident")
    assert resident[0].startswith("您的投诉已受理") and "联系人 客服小王" in resident[0]  # the receipt confirmation
    assert resident[1].endswith("已安排相关部门处理") and "已处理完毕并结案" in resident[-1]


def test_the_department_records_preventive_measures_and_the_supervisor_reviews_them(session, library):
    """[000] 造成客户投诉的相关责任部门应制订相应预防措施; the verification reviews them."""
    case = at_handler(session)
    with pytest.raises(FormInvalid) as caught:
        case.complete("handle_engineering", {k: v for k, v in SOLVED.items() if k != "preventive_measures"})
    session.rollback()
    assert [e.field for e in caught.value.errors] == ["preventive_measures"]
    handled(case)
    with pytest.raises(FormInvalid):
        case.complete("verify", {"result_verified": True, "verification_note": "已修好"}, user="sup1")
    session.rollback()
    case.complete("verify", VERIFIED, user="sup1")
    assert case.data()["preventive_measures"] == "每月巡查楼道照明" and case.open() == {"cb_phone"}


@pytest.mark.parametrize("category, department", [
    ("repair_service", "engineering"), ("security", "security"), ("parking", "security"),
    ("cleaning", "cleaning"), ("greening", "cleaning"), ("customer_service", "front_desk"), ("fees", "front_desk")])
def test_service_complaint_goes_to_the_department_the_table_names(session, library, category, department):
    case = at_handler(session, category=category)
    task = case.tasks()[HANDLERS[department]]
    assert task.lane == department


@pytest.mark.parametrize("cause", ["external", "other_request"])
def test_external_and_other_requests_are_handled_by_customer_service(session, library, cause):
    case = at_handler(session, cause=cause)
    assert case.tasks()["handle_customer_service"].lane == "front_desk"
    close_after_handling(case, "handle_customer_service")
    assert case.instance.status == InstanceStatus.COMPLETED


def test_invalid_complaint_is_explained_and_closed(session, library):
    case = classified(session, validity="invalid", cause="external")
    assert case.open() == {"explain_invalid"}
    case.complete("explain_invalid", {"explanation": "属市政道路,非物业管辖", "resident_understood": True})
    assert case.instance.status == InstanceStatus.COMPLETED
    assert case.data()["closed_reason"] == "invalid"


def test_front_desk_unsure_of_validity_hands_the_judgement_to_the_supervisor(session, library):
    case = classified(session, validity="unsure")
    task = case.tasks()["judge"]
    assert task.lane == "cs_supervisor"
    judged = classification(validity="valid", cause="service", category="cleaning")
    judged.pop("reply_content")
    case.complete("judge", judged, user="sup1")
    assert case.open() == {"dispatch"}
    case.complete("dispatch", {"dispatch_requirements": "清理"})
    assert case.tasks()["handle_cleaning"].lane == "cleaning"


def test_high_urgency_shortens_the_initial_deadline_and_tells_the_manager(session, library):
    case = at_handler(session, urgency="high")
    assert case.tasks()["handle_engineering"].due_at == at(2026, 11, 24, 9)  # 1 working day, from the table
    assert any(n.startswith("紧急投诉") for n in case.notices("manager"))


# --- major, beyond authority, building quality ------------------------------------------------------

def test_major_complaint_reaches_the_manager_at_once_and_hq_after(session, library):
    case = classified(session, validity="major", category="security")
    assert case.open() == {"organise_major"} and case.tasks()["organise_major"].lane == "manager"
    assert case.notices("manager")[0].startswith("重大投诉")  # at once, when it is classified
    case.complete("organise_major", {"plan": "加强巡逻", "department": "security", "responsible_person": "保安队长"},
                  user="mgr1")
    # reported to the company at the same time, which arranges the handling: dispatch waits for it (003 4.5.1)
    assert case.open() == {"report_hq"} and case.tasks()["report_hq"].lane == "hq"
    case.complete("report_hq", {"hq_opinion": "同意处理方案,按期回访", "hq_arranges": False}, user="hq1")
    case.complete("dispatch", {"dispatch_requirements": "夜间加岗"})
    handled(case, "handle_security")
    assert case.tasks()["verify_major"].lane == "manager"  # the manager verifies a major complaint
    case.complete("verify_major", VERIFIED, user="mgr1")
    visit = case.tasks()["cb_visit"]  # a major complaint is called back in person, by the manager
    assert visit.lane == "manager"
    case.complete("cb_visit", CALLBACK_A, user="mgr1")
    assert case.instance.status == InstanceStatus.COMPLETED


def test_major_complaint_the_company_takes_over_goes_to_its_department(session, library):
    case = classified(session, validity="major", category="security")
    case.complete("organise_major", {"plan": "加强巡逻", "department": "security", "responsible_person": "保安队长"},
                  user="mgr1")
    with pytest.raises(FormInvalid):  # the company's own plan names its plan and department
        case.complete("report_hq", {"hq_opinion": "公司处理", "hq_arranges": True}, user="hq1")
    session.rollback()
    case.complete("report_hq", {"hq_opinion": "公司处理", "hq_arranges": True, "hq_plan": "更换门禁系统",
                                "hq_department": "engineering"}, user="hq1")
    case.complete("dispatch", {"dispatch_requirements": "按公司方案"})
    assert "handle_engineering" in case.open()


def test_complaint_the_company_handled_is_verified_by_the_manager(session, library):
    """003 4.6.2: 服务中心经理负责重大客户投诉或公司负责处理的客户投诉处理结果的跟踪验证."""
    case = classified(session, cause="beyond_authority")
    case.complete("plan_difficult", {"plan": "需开发商配合", "department": "engineering", "escalate_to_hq": True},
                  user="mgr1")
    case.complete("hq_plan", {"hq_plan": "公司协调开发商", "department": "engineering"}, user="hq1")
    case.complete("dispatch", {"dispatch_requirements": "按公司方案处理"})
    handled(case)
    assert case.open() == {"verify_major"} and case.tasks()["verify_major"].lane == "manager"


def test_beyond_authority_goes_to_the_manager_and_on_to_hq(session, library):
    case = classified(session, cause="beyond_authority")
    assert case.tasks()["plan_difficult"].lane == "manager"
    case.complete("plan_difficult", {"plan": "需开发商配合", "department": "engineering", "escalate_to_hq": True},
                  user="mgr1")
    assert case.tasks()["hq_plan"].lane == "hq"
    case.complete("hq_plan", {"hq_plan": "公司协调开发商", "department": "engineering"}, user="hq1")
    case.complete("dispatch", {"dispatch_requirements": "按公司方案处理"})
    assert "handle_engineering" in case.open()


def test_difficult_case_within_authority_stays_with_the_manager(session, library):
    case = classified(session, cause="beyond_authority")
    case.complete("plan_difficult", {"plan": "协调楼上住户", "department": "front_desk", "escalate_to_hq": False},
                  user="mgr1")
    assert case.open() == {"dispatch"}


def test_building_quality_complaint_opens_a_linked_repair_case(session, library):
    case = classified(session, cause="building_quality")
    [repair] = case.linked("repair")
    assert repair.instance.property_id == case.instance.property_id
    assert repair.case_no.startswith("BX") and repair.instance.summary["building_room"] == "3-1201"
    assert repair.data()["opened_from"]["case_no"] == case.case_no
    assert repair.open() == {"accept_order"}
    track = case.tasks()["track_repair"]
    assert track.lane == "front_desk"
    assert case.data()["opened_cases"][0]["case_no"] == repair.case_no

    repair.complete("accept_order", {"technician": "李工"}, user="eng1")
    repair.complete("arrive_site", {"arrived_at": "2026-11-23T10:00:00+08:00", "diagnosis": "墙体渗水",
                                    "paid_service": False}, user="eng1")
    repair.complete("repair_work", {"work_done": "重做防水", "completed_at": "2026-11-24T16:00:00+08:00"}, user="eng1")
    repair.complete("signoff", {"work_accepted": True, "signed_by": "张三"}, user="eng1")
    assert repair.instance.status == InstanceStatus.COMPLETED  # the complaint does the callback, not the repair
    assert any(repair.case_no in n for n in repair.notices("front_desk"))

    handled(case, "track_repair", {"outcome": "solved", "repair_case_no": repair.case_no, "result": "返修完成",
                                   "handled_by": "客服小王"})
    case.complete("verify", VERIFIED, user="sup1")
    case.complete("cb_phone", CALLBACK_A)
    assert case.instance.status == InstanceStatus.COMPLETED


def test_repair_rework_after_a_dissatisfied_callback_opens_another_repair_case(session, library):
    case = classified(session, cause="building_quality")
    handled(case, "track_repair", {"outcome": "solved", "repair_case_no": "x", "result": "返修完成", "handled_by": "a"})
    case.complete("verify", {"result_verified": False, "verification_note": "仍渗水",
                             "rework_instructions": "重新处理", "rework_working_days": 5}, user="sup1")
    assert len(case.linked("repair")) == 2 and "track_repair" in case.open()


# --- impartiality ---------------------------------------------------------------------------------

def test_the_staff_member_complained_about_may_not_handle_the_complaint(session, library):
    case = at_handler(session)
    with pytest.raises(NotAllowed, match="eng_li may not complete '工程部处理'"):
        case.complete("handle_engineering", SOLVED, user="eng_li", lanes=["engineering"])
    session.rollback()
    case.complete("handle_engineering", SOLVED, user="eng_wang", lanes=["engineering"])
    case.complete("feedback_result", FEEDBACK, user="fd1")
    with pytest.raises(NotAllowed, match="complained_staff"):  # nor verify it, nor call back
        case.complete("verify", VERIFIED, user="eng_li")
    session.rollback()
    assert [e.actor for e in case.events(AuditKind.TASK_COMPLETED)][-2:] == ["eng_wang", "fd1"]
