"""pflow demo: two properties, a user for every role and HQ, cases in several states; once only."""
from library import ROOT
from sqlalchemy import func, select

from cli.demo import DEMO_PASSWORD, seed, seed_people_and_cases
from engine import ROLES, HumanTask, Instance, InstanceStatus, User, authenticate


def test_demo_people_and_cases(session, fast_hashing):
    seed(session, ROOT / "processes")
    logins = seed_people_and_cases(session)
    session.commit()
    users = {u.username: u for u in session.scalars(select(User))}
    for n, code in ((1, "P001"), (2, "P002")):
        held = {a.role for name, u in users.items() if name.endswith(str(n)) for a in u.roles}
        assert held == set(ROLES) - {"hq", "resident"}, code
    assert users["owner"].is_process_owner and not users["owner"].is_hq and not users["owner"].roles
    assert users["hq"].is_hq and authenticate(session, "frontdesk1", DEMO_PASSWORD) is not None
    assert len(logins) == 19 and users["admin"].is_admin and not users["hq"].is_admin
    statuses = session.execute(select(Instance.status, func.count()).group_by(Instance.status)).all()
    # per property: 3 complaints, 2 repairs (one closed after its callback) and the repair a complaint opened
    assert dict(statuses) == {InstanceStatus.RUNNING: 10, InstanceStatus.COMPLETED: 2}
    lanes = session.execute(select(HumanTask.process_key, HumanTask.lane, HumanTask.task_name, HumanTask.assignee)
                            .where(HumanTask.property_id == users["frontdesk1"].roles[0].property_id)).all()
    assert sorted(lanes, key=str) == sorted([
        ("complaint", "front_desk", "confirm_receipt", None),  # just registered
        ("complaint", "security", "handle_security", "security1"),  # dispatched, claimed
        ("complaint", "front_desk", "track_repair", None),  # building quality: tracking the repair it opened
        ("repair", "engineering", "accept_order", None),  # ... that repair
        ("repair", "engineering", "accept_order", "engineer1"),  # a leak, claimed
    ], key=str)
    from engine.residents import access

    resident = access.resident_for(session, "13800001111")  # 张伟, 3栋1201, at both properties
    assert len(resident.household_ids) == 2 and len(access.cases(session, resident)) == 2
    assert seed_people_and_cases(session) == []  # a second run adds nothing
    session.commit()
    assert session.scalar(select(func.count()).select_from(Instance)) == 12
