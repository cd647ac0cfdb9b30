"""What a signed-in resident may see: the cases of their households, nothing else.

A ``Resident`` is a phone number and the households where that number is registered.
A case belongs to a household when it was started about the household's room (``link_started``,
called in the start's transaction) or reported from the resident portal. Everything a
resident asks for by id goes through ``case_for``: another household's case, or one that does
not exist, is the same ``NotFound``.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.exceptions import NotFound
from engine.org import households
from engine.storage.models import AuditEvent, AuditKind, Household, HouseholdCase, Instance


@dataclass(frozen=True)
class Resident:
    """A signed-in resident: their phone number and the ids of their households."""

    phone: str
    household_ids: tuple[int, ...]


def resident_for(session: Session, phone: str) -> Resident | None:
    """The resident with this number, or None if no household lists it."""
    found = households.by_phone(session, phone)
    if not found:
        return None
    return Resident(_number(phone), tuple(h.id for h in found))


def _number(phone: str) -> str:

    return households.normalise(phone) or ""


def my_households(session: Session, resident: Resident) -> list[Household]:
    return [session.get_one(Household, hid) for hid in resident.household_ids]


def cases(session: Session, resident: Resident, limit: int = 100) -> list[Instance]:
    """The resident's households' cases, newest first."""
    ids = select(HouseholdCase.instance_id).where(HouseholdCase.household_id.in_(resident.household_ids))
    return list(session.scalars(select(Instance).where(Instance.id.in_(ids))
                                .order_by(Instance.created_at.desc(), Instance.id.desc()).limit(limit)))


def case_for(session: Session, resident: Resident, case_no: str) -> Instance:
    """The case numbered ``case_no`` if it is one of the resident's households', else ``NotFound``."""
    instance = session.scalars(select(Instance).where(Instance.case_no == case_no)).one_or_none()
    if instance is None or session.scalars(select(HouseholdCase).where(
            HouseholdCase.instance_id == instance.id,
            HouseholdCase.household_id.in_(resident.household_ids))).first() is None:
        raise NotFound(f"no case {case_no} for this resident")
    return instance


def notices(session: Session, resident: Resident, limit: int = 50) -> list[tuple[Instance, AuditEvent]]:
    """The notices addressed to the resident on their households' cases, newest first."""
    ids = select(HouseholdCase.instance_id).where(HouseholdCase.household_id.in_(resident.household_ids))
    rows = session.execute(select(Instance, AuditEvent).join(AuditEvent, AuditEvent.instance_id == Instance.id).where(
        Instance.id.in_(ids), AuditEvent.kind == AuditKind.NOTIFIED).order_by(AuditEvent.id.desc()).limit(limit * 4))
    return [(i, e) for i, e in rows if (e.data or {}).get("to") == "resident"][:limit]
