"""Properties (物业项目): the unit that runs processes and owns cases, with its own calendar days."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.exceptions import NotFound
from engine.storage.models import Property


def create_property(session: Session, code: str, name: str, *, timezone: str = "Asia/Shanghai") -> Property:
    """Add a property; flushes so it has an id."""
    prop = Property(code=code, name=name, timezone=timezone, extra_days_off=[], extra_workdays=[])
    session.add(prop)
    session.flush()
    session.info.pop("pflow.property_ids", None)  # engine.org.staff.all_property_ids: one more now
    return prop


def get_property(session: Session, code: str) -> Property:
    prop = session.scalars(select(Property).where(Property.code == code)).one_or_none()
    if prop is None:
        raise NotFound(f"no property '{code}'", code="no_property", property=code)
    return prop


def set_calendar(prop: Property, *, days_off: Iterable[date | str] = (), workdays: Iterable[date | str] = ()) -> None:
    """Replace the property's own extra days off and extra working days (ISO dates)."""
    prop.extra_days_off = sorted({str(d) for d in days_off})
    prop.extra_workdays = sorted({str(d) for d in workdays})
