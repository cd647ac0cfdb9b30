"""Notices that help: each appears once, links to its case, can be put away, and goes when its case ends."""
from engine import AuditKind, cancel_instance, start_instance
from engine.cases import history


def notices_of(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page.split('<section class="notices"')[1].split("</section>")[0] if '<section class="notices"' in page else ""


def test_a_notice_shows_once_links_its_case_can_be_put_away_and_goes_when_the_case_ends(session, as_user):
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    other = start_instance(session, "P001", "service_request", {"resident": "李四", "room": "2-202"}, user="fd1")
    for _ in range(2):  # a reminder repeated is one notice
        history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "front_desk", "message": "请今天回电业主"})
    history.record(session, other.id, AuditKind.NOTIFIED, data={"to": "front_desk", "message": "业主再次来电催促"})
    history.record(session, other.id, AuditKind.NOTIFIED, data={"to": "engineering", "message": "不是给前台的"})
    session.commit()
    fd = as_user("fd1")
    notices = notices_of(fd)
    assert notices.count("请今天回电业主") == 1 and "业主再次来电催促" in notices and "不是给前台的" not in notices
    assert f'href="/cases/{case.id}">{case.case_no}</a>' in notices

    event_id = int(notices.split('data-notice="')[1].split('"')[0])  # the newest: 李四's
    response = fd.post(f"/notices/{event_id}/dismiss", data={"next": "/"})
    assert response.status_code == 302
    notices = notices_of(fd)
    assert "业主再次来电催促" not in notices and "请今天回电业主" in notices
    assert as_user("eng1").post(f"/notices/{event_id}/dismiss").status_code == 404  # not theirs

    cancel_instance(session, case.id, user="sup1", reason="业主撤回")
    session.commit()
    assert "请今天回电业主" not in notices_of(fd)  # its case ended


def test_an_ended_cases_notices_leave_the_table_the_inbox_reads(session, deployed):
    from sqlalchemy import func, select

    from engine import RoleNotice
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "front_desk", "message": "请今天回电业主"})
    history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "resident", "message": "已受理"})  # by SMS
    history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "user:eng1", "message": "即将到期"})  # mail
    session.commit()
    rows = session.execute(select(RoleNotice.lane, RoleNotice.property_id, RoleNotice.case_no)
                           .where(RoleNotice.instance_id == case.id)).all()
    assert rows == [("front_desk", case.property_id, case.case_no)]  # only notices to a role are the inbox's
    cancel_instance(session, case.id, user="sup1", reason="业主撤回")
    session.commit()
    assert session.scalar(select(func.count()).select_from(RoleNotice).where(RoleNotice.instance_id == case.id)) == 0
