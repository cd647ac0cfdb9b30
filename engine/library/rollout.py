"""Rollout: deploying process versions to properties, rolling back, and what each property runs."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.exceptions import Conflict, NotAllowed, NotFound
from engine.library.specs import VersionInfo, version_info
from engine.library.versions import get_process
from engine.org.properties import get_property
from engine.storage.models import Deployment, Instance, InstanceStatus, Process, ProcessVersion, Property
from engine.storage.models._types import utcnow


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
    process = get_process(session, process_key)
    dep = session.scalars(select(Deployment).where(
        Deployment.property_id == prop.id, Deployment.process_id == process.id)).one_or_none()
    if dep is None:
        raise NotFound(f"process '{process_key}' is not deployed to property '{prop.code}'")
    return dep.version


def deployed_at(session: Session, property_code: str, process_key: str) -> tuple[Property, VersionInfo]:
    """The property ``property_code`` and the content of the version of ``process_key`` it runs now, in one query
    (the version's content from the in-memory cache); ``NotFound`` naming what is missing."""
    row = session.execute(select(Property, Deployment.version_id)
                          .join(Deployment, Deployment.property_id == Property.id)
                          .join(Process, Process.id == Deployment.process_id)
                          .where(Property.code == property_code, Process.key == process_key)).one_or_none()
    if row is None:
        prop = get_property(session, property_code)  # raises if there is no such property
        deployed_version(session, prop, process_key)  # raises: no such process, or not deployed there
        raise NotFound(f"process '{process_key}' is not deployed to property '{property_code}'")
    return row[0], version_info(session, row[1])


def roll_back(session: Session, prop: Property, process_key: str, *, by: str | None = None,
              expected_version_id: int | None = None) -> Deployment:
    """Make ``prop`` run the version of ``process_key`` it ran before the last deployment (running cases keep theirs).

    ``expected_version_id`` (the version the caller saw there) refuses with ``Conflict``
    when another deployment changed the property meanwhile.
    """
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


@dataclass(frozen=True)
class PropertyRollout:
    """One property's deployment of one process (``version`` None: not deployed there)."""

    property: Property
    version: int | None
    version_id: int | None
    previous: int | None
    deployed_at: datetime | None
    deployed_by: str | None
    running: dict[int, int]  # version number -> running cases at this property


def process_rollout(session: Session, process: Process) -> list[PropertyRollout]:
    """Every property, by code, with the version of ``process`` it runs and its running cases per version."""
    numbers = dict(session.execute(select(ProcessVersion.id, ProcessVersion.number)
                                   .where(ProcessVersion.process_id == process.id)).all())
    deployments = {d.property_id: d for d in session.scalars(
        select(Deployment).where(Deployment.process_id == process.id))}
    running: dict[int, dict[int, int]] = {}
    for prop_id, version_id, count in session.execute(
            select(Instance.property_id, Instance.version_id, func.count())
            .where(Instance.process_id == process.id, Instance.status == InstanceStatus.RUNNING)
            .group_by(Instance.property_id, Instance.version_id)):
        running.setdefault(prop_id, {})[numbers[version_id]] = count
    rows = []
    for prop in session.scalars(select(Property).order_by(Property.code)):
        dep = deployments.get(prop.id)
        rows.append(PropertyRollout(
            prop, numbers.get(dep.version_id) if dep else None, dep.version_id if dep else None,
            numbers.get(dep.previous_version_id) if dep and dep.previous_version_id else None,
            dep.deployed_at if dep else None, dep.deployed_by if dep else None,
            dict(sorted(running.get(prop.id, {}).items()))))
    return rows


def versions_by_property(session: Session) -> dict[int, list[tuple[str, str, int]]]:
    """Property id -> (process key, process name, version number) of everything it runs, by process name."""
    result: dict[int, list[tuple[str, str, int]]] = {}
    query = (select(Deployment.property_id, Process.key, Process.name, ProcessVersion.number)
             .join(ProcessVersion, ProcessVersion.id == Deployment.version_id)
             .join(Process, Process.id == Deployment.process_id).order_by(Process.name))
    for prop_id, key, name, number in session.execute(query):
        result.setdefault(prop_id, []).append((key, name, number))
    return result
