"""pflow demo: two properties, a user for every role and HQ, cases in several states; once only."""
from sqlalchemy import func, select

from engine.demo import DEMO_PASSWORD, seed, seed_people_and_cases
from engine.models import HumanTask, Instance, InstanceStatus, User
from engine.roles import ROLES
from engine.users import authenticate


def test_demo_people_and_cases(session, packages_dir, fast_hashing):
    seed(session, packages_dir)
    logins = seed_people_and_cases(session)
    session.commit()
    users = {u.username: u for u in session.scalars(select(User))}
    for n, code in ((1, "P001"), (2, "P002")):
        held = {a.role for name, u in users.items() if name.endswith(str(n)) for a in u.roles}
        assert held == set(ROLES) - {"hq", "resident"}, code
    assert users["hq"].is_hq and authenticate(session, "frontdesk1", DEMO_PASSWORD) is not None
    assert len(logins) == 15
    statuses = session.execute(select(Instance.status, func.count()).group_by(Instance.status)).all()
    assert dict(statuses) == {InstanceStatus.RUNNING: 8, InstanceStatus.COMPLETED: 2}
    lanes = session.execute(select(HumanTask.lane, HumanTask.task_name, HumanTask.assignee)
                            .where(HumanTask.property_id == users["frontdesk1"].roles[0].property_id)).all()
    assert sorted(lanes, key=str) == sorted([("front_desk", "register", None), ("engineering", "handle", None),
                                             ("engineering", "handle", "engineer1"),
                                             ("front_desk", "callback", None)], key=str)
    assert seed_people_and_cases(session) == []  # a second run adds nothing
    session.commit()
    assert session.scalar(select(func.count()).select_from(Instance)) == 10
