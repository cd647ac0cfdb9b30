"""The roles staff hold at a property; a role id is also the name of a diagram lane."""
from __future__ import annotations

ROLES: dict[str, str] = {
    "front_desk": "客服前台",
    "cs_supervisor": "客服主任",
    "manager": "服务中心经理",
    "engineering": "工程部",
    "eng_supervisor": "工程主管",
    "security": "保安部",
    "cleaning": "清洁绿化部",
    "quality": "品质部",
    "hq": "公司总部",
    "resident": "业主",
}
# Roles that may claim for others, reassign and see every task of their lanes.
SUPERVISORS = {"cs_supervisor", "manager", "hq"}
