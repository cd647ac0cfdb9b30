"""Demo data for a first run: two properties, the process library, a user for every role, cases in several states.

The demo passwords are demo data, printed by ``pflow demo`` and named in the
README; never use them for real accounts.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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
ADMIN_USER = ("admin", "运维管理员")  # the operations page
OWNER_USER = ("owner", "流程负责人")  # edits the diagrams (a process owner, no property role)

# Demo cases per process key: start data, then the task completions to make, in order;
# a plan for a process that is not deployed is skipped. ``claim`` leaves the next task of
# that role claimed. NOW and TODAY stand for the time and date the demo is seeded.
NOW, TODAY = "@now", "@today"
_CLASSIFY = {"validity": "valid", "urgency": "medium", "analysis": "现场核实属实", "reply_content": "已安排相关部门处理"}
_REPAIR = {"contact_phone": "13900002222", "safety_risk": False, "channel": "hotline", "source": "resident"}
DEMO_CASES: dict[str, list[dict]] = {
    "complaint": [
        {"start": {"resident_name": "张伟", "building_room": "3栋1201", "contact_phone": "13800001111",
                   "channel": "phone", "content": "楼上装修噪音,夜间施工到十一点", "complained_staff": []},
         "steps": []},
        {"start": {"resident_name": "李娜", "building_room": "5栋0302", "contact_phone": "13900002222",
                   "channel": "visit", "content": "夜间保安巡逻不到位,单元门常开", "complained_staff": ["guard_zhao"]},
         "steps": [("confirm_receipt", {"confirmed_via": "phone", "contact_person": "客服小王"}),
                   ("classify", dict(_CLASSIFY, cause="service", service_category="security", urgency="high")),
                   ("dispatch", {"dispatch_requirements": "今晚起加强巡逻,单元门闭门器两日内修好"})],
         "claim": "security", "comment": "已与保安队长沟通,今晚加派一人巡逻"},
        {"start": {"resident_name": "王芳", "building_room": "1栋0801", "contact_phone": "13700003333",
                   "channel": "letter", "content": "卧室外墙渗水,墙面发霉", "complained_staff": []},
         "steps": [("confirm_receipt", {"confirmed_via": "phone", "contact_person": "客服小王"}),
                   ("classify", dict(_CLASSIFY, cause="building_quality"))]},
    ],
    "repair": [
        {"start": dict(_REPAIR, resident_name="刘洋", building_room="7栋1502", content="厨房水管漏水",
                       repair_category="water_leak"),
         "steps": [], "claim": "engineering"},
        {"start": dict(_REPAIR, resident_name="陈静", building_room="2栋0605", content="入户门锁打不开",
                       repair_category="door_lock"),
         "steps": [("accept_order", {"technician": "王师傅"}),
                   ("arrive_site", {"arrived_at": NOW, "diagnosis": "锁芯卡死", "paid_service": False}),
                   ("repair_work", {"work_done": "更换锁芯", "completed_at": NOW}),
                   ("signoff", {"work_accepted": True, "signed_by": "陈静"}),
                   ("cb_phone", {"reached": True, "callback_content": "业主满意", "rating": "A",
                                 "callback_staff": "客服小王", "callback_date": TODAY})]},
    ],
}


def load_library(session: Session, processes_dir: Path, *, author: str = "demo") -> list[str]:
    """Store every process folder under ``processes_dir`` and deploy it to every property; flushes."""
    props = session.scalars(select(Property).order_by(Property.code)).all()
    loaded = []
    for folder in sorted(p for p in processes_dir.iterdir() if (p / MANIFEST).is_file()):
        result = store_version(session, load_folder(folder), author=author, message="公司标准流程库")
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
    create_user(session, ADMIN_USER[0], ADMIN_USER[1], DEMO_PASSWORD, is_admin=True)
    logins.append(f"{ADMIN_USER[0]} (operations page)")
    create_user(session, OWNER_USER[0], OWNER_USER[1], DEMO_PASSWORD, is_process_owner=True)
    logins.append(f"{OWNER_USER[0]} (process owner)")
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
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    for task_name, data in plan["steps"]:
        data = {k: now.isoformat() if v == NOW else now.date().isoformat() if v == TODAY else v
                for k, v in data.items()}
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
