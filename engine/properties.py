"""Properties (物业项目), their parameters, and deploying process versions to them."""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .exceptions import Conflict, NotAllowed, NotFound
from .models import Deployment, Property, PropertyParameter, ProcessVersion
from .models._types import utcnow


def create_property(session: Session, code: str, name: str, *, timezone: str = "Asia/Shanghai") -> Property:
    """Add a property; flushes so it has an id."""
    prop = Property(code=code, name=name, timezone=timezone, extra_days_off=[], extra_workdays=[])
    session.add(prop)
    session.flush()
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


def set_parameter(session: Session, prop: Property, name: str, value: Any, process_key: str = "") -> None:
    """Set one parameter a diagram reads at this property (``process_key`` '' = every process)."""
    row = session.scalars(select(PropertyParameter).where(
        PropertyParameter.property_id == prop.id, PropertyParameter.process_key == process_key,
        PropertyParameter.name == name)).one_or_none()
    if row is None:
        session.add(PropertyParameter(property_id=prop.id, process_key=process_key, name=name, value=value))
    else:
        row.value = value
    session.flush()


def unset_parameter(session: Session, prop: Property, name: str, process_key: str = "") -> None:
    """Remove the property's own value: the process's default (or the property-wide value) applies again."""
    row = session.scalars(select(PropertyParameter).where(
        PropertyParameter.property_id == prop.id, PropertyParameter.process_key == process_key,
        PropertyParameter.name == name)).one_or_none()
    if row is not None:
        session.delete(row)
        session.flush()


def parameters_for(session: Session, prop: Property, version: ProcessVersion) -> dict[str, Any]:
    """The parameters an instance starts with: manifest defaults, then property-wide, then per-process values."""
    params = dict(version.manifest.get("parameters", {}))
    rows = session.scalars(select(PropertyParameter).where(
        PropertyParameter.property_id == prop.id,
        PropertyParameter.process_key.in_(["", version.process.key]))).all()
    for row in sorted(rows, key=lambda r: r.process_key != ""):
        params[row.name] = row.value
    return params


def deploy(session: Session, version: ProcessVersion, properties: Iterable[Property], *,
           by: str | None = None, expected: dict[int, int | None] | None = None) -> list[Deployment]:
    """Make ``version`` the one each given property runs for its process (all in the caller's transaction).

    A property runs one version of each process at a time; the version it ran
    before is kept for a roll-back. Running instances keep their own version.
    ``expected`` (property id -> the version id the caller saw there, None for none)
    refuses the whole deployment with ``Conflict`` when another deployment changed
    one of those properties meanwhile; the rows are locked (``FOR UPDATE``) while checked.
    """
    props = list(properties)
    current = {d.property_id: d for d in session.scalars(_locked(session, select(Deployment).where(
        Deployment.process_id == version.process_id,
        Deployment.property_id.in_([p.id for p in props])))).all()}
    if expected is not None:
        moved = [p.code for p in props if (current[p.id].version_id if p.id in current else None)
                 != expected.get(p.id)]
        if moved:
            raise Conflict(f"another deployment changed {', '.join(moved)} meanwhile; nothing was deployed")
    result = []
    for prop in props:
        dep = current.get(prop.id)
        if dep is None:
            dep = Deployment(property_id=prop.id, process_id=version.process_id, version_id=version.id,
                             deployed_by=by)
            session.add(dep)
        elif dep.version_id != version.id:
            dep.previous_version_id, dep.version_id = dep.version_id, version.id
            dep.deployed_at, dep.deployed_by = utcnow(), by
        result.append(dep)
    session.flush()
    return result


def _locked(session: Session, query):
    """``query`` with ``FOR UPDATE`` on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers."""
    return query.with_for_update(of=Deployment) if session.get_bind().dialect.name == "postgresql" else query


def deployed_version(session: Session, prop: Property, process_key: str) -> ProcessVersion:
    """The version of ``process_key`` that ``prop`` runs now."""
    from .processes import get_process

    process = get_process(session, process_key)
    dep = session.scalars(select(Deployment).where(
        Deployment.property_id == prop.id, Deployment.process_id == process.id)).one_or_none()
    if dep is None:
        raise NotFound(f"process '{process_key}' is not deployed to property '{prop.code}'")
    return dep.version


def roll_back(session: Session, prop: Property, process_key: str, *, by: str | None = None,
              expected_version_id: int | None = None) -> Deployment:
    """Make ``prop`` run the version of ``process_key`` it ran before the last deployment (running cases keep theirs).

    ``expected_version_id`` (the version the caller saw there) refuses with ``Conflict``
    when another deployment changed the property meanwhile.
    """
    from .processes import get_process

    process = get_process(session, process_key)
    dep = session.scalars(_locked(session, select(Deployment).where(
        Deployment.property_id == prop.id, Deployment.process_id == process.id))).one_or_none()
    if dep is None:
        raise NotFound(f"process '{process_key}' is not deployed to property '{prop.code}'")
    if expected_version_id is not None and dep.version_id != expected_version_id:
        raise Conflict(f"another deployment changed '{process_key}' at {prop.code} meanwhile; nothing was rolled back")
    if dep.previous_version_id is None:
        raise NotAllowed(f"property '{prop.code}' has no earlier version of '{process_key}' to roll back to")
    dep.version_id, dep.previous_version_id = dep.previous_version_id, dep.version_id
    dep.deployed_at, dep.deployed_by = utcnow(), by
    session.flush()
    session.refresh(dep)
    return dep
