"""The demo's household register: one household per room the demo cases name, with the case's resident and phone.

Seeded before the demo cases, so the cases link to their households and a demo
resident can sign in on ``/r/`` with the case's phone number (the code is in the log
while no SMS provider is configured).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Property
from . import households
from .households import HouseholdData


def seed_households(session: Session, property_codes, case_plans: dict[str, list[dict]]) -> int:
    """Register the rooms of ``case_plans`` (``engine.demo.DEMO_CASES``) at each property; returns how many."""
    made = 0
    for code in property_codes:
        prop = session.scalars(select(Property).where(Property.code == code)).one_or_none()
        if prop is None:
            continue
        for plans in case_plans.values():
            for plan in plans:
                start = plan["start"]
                room = households.parse_room(start.get("building_room", ""))
                if room is None or households.find(session, prop.id, *room) is not None:
                    continue
                relation = start.get("resident_type") if start.get("resident_type") in ("owner", "tenant") else "owner"
                households.save(session, prop, HouseholdData(*room, [
                    {"name": start.get("resident_name", ""), "relation": relation,
                     "phone": start.get("contact_phone", "")}]))
                made += 1
    return made
