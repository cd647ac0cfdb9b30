"""The household register of a property: one row per room, its people with their phones.

A room is written ``<building>-<room>`` (``3-1201``); ``parse_room`` also reads
``3栋1201`` and ``3幢1201室``. People are ``{"name", "relation", "phone"}`` with
relation ``owner`` (业主), ``tenant`` (租户) or ``family`` (家庭成员); phones are kept
as 11-digit mobile numbers (``normalise``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.exceptions import NotFound
from engine.storage.models import Household, HouseholdCase, HouseholdMember, Instance, Property
from engine.storage.models._types import utcnow

RELATIONS = ("owner", "tenant", "family")
_ROOM = re.compile(r"^\s*([0-9A-Za-z]+)\s*(?:-|栋|幢|号楼|座)\s*([0-9A-Za-z]+)\s*室?\s*$")

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise(phone: str | None) -> str | None:
    """The 11-digit mobile number in ``phone``, or None."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    return digits if _MOBILE.match(digits) else None



MESSAGES = {  # the English of each error code; the web layer says them in Chinese
    "room_required": "building and room are required",
    "name_required": "a person needs a name",
    "bad_relation": "relation must be owner, tenant or family",
    "not_mobile": "{value!r} is not a mobile number",
    "owner_required": "an owner or a tenant is required",
    "room_taken": "{value} is registered already",
    "bad_date": "{value!r} is not a date (YYYY-MM-DD)",
}


class HouseholdInvalid(ValueError):
    """What is wrong with a household's data: ``errors`` maps a field to ``(code, params)`` (``MESSAGES``)."""

    def __init__(self, errors: dict[str, tuple[str, dict]]):
        super().__init__("; ".join(f"{k}: {MESSAGES[c].format(**p)}" for k, (c, p) in errors.items()))
        self.errors = errors


@dataclass
class HouseholdData:
    """A household as the front desk or an import row gives it."""

    building: str
    room: str
    members: list[dict]
    move_in_date: date | None = None
    notes: str = ""


def parse_room(text: str) -> tuple[str, str] | None:
    """``("3", "1201")`` from ``3-1201``, ``3栋1201``, ``3幢1201室``; None if it names no room."""
    match = _ROOM.match(text or "")
    return (match.group(1).upper(), match.group(2).upper()) if match else None


def check(data: HouseholdData) -> HouseholdData:
    """``data`` cleaned (phones normalised, blanks dropped), or ``HouseholdInvalid``."""
    errors: dict[str, tuple[str, dict]] = {}
    if not data.building.strip() or not data.room.strip():
        errors["room"] = ("room_required", {})
    members = []
    for n, member in enumerate(data.members):
        name = str(member.get("name") or "").strip()
        raw_phone = str(member.get("phone") or "").strip()
        if not name and not raw_phone:
            continue
        relation = member.get("relation") or "family"
        phone = normalise(raw_phone) if raw_phone else None
        if not name:
            errors[f"members.{n}.name"] = ("name_required", {})
        elif relation not in RELATIONS:
            errors[f"members.{n}.relation"] = ("bad_relation", {})
        elif raw_phone and phone is None:
            errors[f"members.{n}.phone"] = ("not_mobile", {"value": raw_phone})
        members.append({"name": name[:80], "relation": relation, "phone": phone})
    if not any(m["relation"] in ("owner", "tenant") for m in members) and "room" not in errors:
        errors["members"] = ("owner_required", {})
    if errors:
        raise HouseholdInvalid(errors)
    return HouseholdData(data.building.strip().upper()[:40], data.room.strip().upper()[:40], members,
                         data.move_in_date, (data.notes or "").strip())


def save(session: Session, prop: Property, data: HouseholdData, household_id: int | None = None,
         now: datetime | None = None) -> Household:
    """Create or replace a household of ``prop`` (``HouseholdInvalid`` if the data or the room clash)."""
    data, now = check(data), now or utcnow()
    clash = find(session, prop.id, data.building, data.room)
    if clash is not None and clash.id != household_id:
        raise HouseholdInvalid({"room": ("room_taken", {"value": f"{data.building}-{data.room}"})})
    if household_id is None:
        household = Household(property_id=prop.id, created_at=now, notes="")
        session.add(household)
    else:
        household = get(session, prop.id, household_id)
    household.building, household.room, household.move_in_date = data.building, data.room, data.move_in_date
    household.notes, household.updated_at = data.notes, now
    household.members = [HouseholdMember(**m) for m in data.members]
    session.flush()
    return household


def get(session: Session, property_id: int, household_id: int) -> Household:
    household = session.get(Household, household_id)
    if household is None or household.property_id != property_id:
        raise NotFound(f"no household {household_id} at this property")
    return household


def find(session: Session, property_id: int, building: str, room: str) -> Household | None:
    return session.scalars(select(Household).where(
        Household.property_id == property_id, Household.building == building.upper(),
        Household.room == room.upper())).one_or_none()


def by_room(session: Session, property_id: int, text: str) -> Household | None:
    """The household a form's ``building_room`` names, if registered."""
    parsed = parse_room(text)
    return find(session, property_id, *parsed) if parsed else None


def by_phone(session: Session, phone: str) -> list[Household]:
    """Every household (any property) where someone has this mobile number."""
    number = normalise(phone)
    if number is None:
        return []
    return list(session.scalars(select(Household).join(HouseholdMember).where(HouseholdMember.phone == number)
                                .order_by(Household.property_id, Household.building, Household.room).distinct()))


def listing(session: Session, property_id: int, search: str = "", limit: int = 50, offset: int = 0) -> list[Household]:
    """A property's households by building and room; ``search`` matches a room, a name or a phone."""
    query = select(Household).where(Household.property_id == property_id)
    if search.strip():
        like = f"%{search.strip()}%"
        parsed = parse_room(search)
        people = select(HouseholdMember.household_id).where(
            HouseholdMember.name.like(like) | HouseholdMember.phone.like(like))
        condition = Household.id.in_(people) | (Household.room.like(like))
        if parsed:
            condition = condition | ((Household.building == parsed[0]) & (Household.room == parsed[1]))
        query = query.where(condition)
    return list(session.scalars(query.order_by(Household.building, Household.room).limit(limit).offset(offset)))


def count(session: Session, property_id: int) -> int:
    """Households registered at a property: what the figures' ‰ rates divide by."""
    return session.scalar(select(func.count()).select_from(Household).where(Household.property_id == property_id)) or 0


def contact(household: Household) -> dict:
    """Who a case about this room is registered for: the owner (else the tenant) with a phone first."""
    people = sorted(household.members, key=lambda m: (m.relation not in ("owner", "tenant"), m.phone is None,
                                                      RELATIONS.index(m.relation)))
    first = people[0] if people else None
    return {"resident_name": first.name if first else "", "contact_phone": (first.phone or "") if first else "",
            "resident_type": first.relation if first and first.relation != "family" else "other",
            "building_room": household.label}


def link_started(session: Session, instance: Instance, reported_by: str | None = None) -> int | None:
    """Link a just-started case to the household its ``building_room`` names; the household id or None."""
    household = by_room(session, instance.property_id, str((instance.summary or {}).get("building_room", "")))
    if household is None:
        return None
    existing = session.get(HouseholdCase, (household.id, instance.id))
    if existing is None:
        session.add(HouseholdCase(household_id=household.id, instance_id=instance.id, reported_by=reported_by))
    elif reported_by:
        existing.reported_by = reported_by
    session.flush()
    return household.id

