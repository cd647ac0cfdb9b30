"""Demo data for a first run: two properties, the process library, a user for every role, cases in several states.

The demo passwords are demo data, printed by ``pflow demo`` and named in the
README; never use them for real accounts.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .assignments import claim
from .casefiles import add_comment
from .instances import complete_task, start_instance
from .models import HumanTask, Property, User
from .packages import MANIFEST, load_folder
from .processes import store_version
from .properties import create_property, deploy
from .users import create_user

DEMO_PROPERTIES = [("P001", "翠湖花园"), ("P002", "滨江苑")]
DEMO_PASSWORD = "demo-pass"
# role -> (user name stem, display name stem); users are <stem><n> for the n-th property
DEMO_STAFF = {
    "front_desk": ("frontdesk", "前台"),
    "cs_supervisor": ("supervisor", "客服主任"),
    "manager": ("manager", "经理"),
    "engineering": ("engineer", "工程"),
    "security": ("security", "保安"),
    "cleaning": ("cleaner", "保洁"),
    "quality": ("quality", "品质"),
}
HQ_USER = ("hq", "总部品质部")

# Demo cases per process key: start data, then the task completions to make, in order;
# a plan for a process that is not deployed is skipped. ``claim`` leaves the next task claimed.
DEMO_CASES: dict[str, list[dict]] = {
    "service_request": [
        {"start": {"resident": "张伟", "room": "3栋1201", "phone": "13800001111"}, "steps": []},
        {"start": {"resident": "李娜", "room": "5栋0302", "phone": "13900002222"},
         "steps": [("register", {"urgency": "urgent", "content": "卫生间天花板渗水", "items": []})]},
        {"start": {"resident": "王芳", "room": "1栋0801"},
         "steps": [("register", {"urgency": "emergency", "content": "电梯困人", "items": []})],
         "claim": "engineering", "comment": "已通知电梯维保单位到场"},
        {"start": {"resident": "刘洋", "room": "7栋1502", "phone": "13700003333"},
         "steps": [("register", {"urgency": "normal", "content": "楼道灯不亮", "items": [35]}),
                   ("handle", {"result": "更换灯管,已恢复照明"})]},
        {"start": {"resident": "陈静", "room": "2栋0605"},
         "steps": [("register", {"urgency": "normal", "content": "门禁卡失效", "items": []}),
                   ("handle", {"result": "重新授权门禁卡"}),
                   ("callback", {"rating": "A"})]},
    ],
}


def load_library(session: Session, processes_dir: Path, *, author: str = "demo") -> list[str]:
    """Store every process folder under ``processes_dir`` and deploy it to every property; flushes."""
    props = session.scalars(select(Property).order_by(Property.code)).all()
    loaded = []
    for folder in sorted(p for p in processes_dir.iterdir() if (p / MANIFEST).is_file()):
        result = store_version(session, load_folder(folder), author=author, message="standard library")
        deploy(session, result.version, props, by=author)
        loaded.append(f"{result.version.label}{'' if result.created else ' (unchanged)'}")
    return loaded


def seed(session: Session, processes_dir: Path) -> list[str]:
    """Create the demo properties if missing and deploy the library to them; the caller commits."""
    for code, name in DEMO_PROPERTIES:
        if session.scalars(select(Property).where(Property.code == code)).one_or_none() is None:
            create_property(session, code, name)
    return load_library(session, processes_dir)


def seed_people_and_cases(session: Session) -> list[str]:
    """Create the demo users and cases once (nothing if they exist already); returns the logins made."""
    if session.scalars(select(User).where(User.username == HQ_USER[0])).one_or_none() is not None:
        return []
    logins = []
    for n, (code, _name) in enumerate(DEMO_PROPERTIES, start=1):
        for role, (stem, title) in DEMO_STAFF.items():
            create_user(session, f"{stem}{n}", f"{title}{n}", DEMO_PASSWORD, roles={code: [role]})
            logins.append(f"{stem}{n} ({code} {role})")
    create_user(session, HQ_USER[0], HQ_USER[1], DEMO_PASSWORD, is_hq=True)
    logins.append(f"{HQ_USER[0]} (HQ, every property)")
    for n, (code, _name) in enumerate(DEMO_PROPERTIES, start=1):
        for key, plans in DEMO_CASES.items():
            for plan in plans:
                _demo_case(session, code, n, key, plan)
    return logins


def _demo_case(session: Session, code: str, n: int, key: str, plan: dict) -> None:
    from .exceptions import NotFound

    try:
        case = start_instance(session, code, key, plan["start"], user=f"frontdesk{n}")
    except NotFound:
        return  # the process is not deployed here
    users = {role: f"{stem}{n}" for role, (stem, _t) in DEMO_STAFF.items()}
    for task_name, data in plan["steps"]:
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id,
                                                       HumanTask.task_name == task_name)).one()
        complete_task(session, task.id, data, user=users.get(task.lane or "", "demo"))
    if plan.get("claim"):
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id,
                                                       HumanTask.lane == plan["claim"])).first()
        if task is not None:
            claim(session, task.id, users[plan["claim"]])
    if plan.get("comment"):
        add_comment(session, case.id, plan["comment"], user=users["front_desk"])
