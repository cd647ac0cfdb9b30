"""Which processes a user may start, where, and with which start form.

A process can be started from the inbox when the version deployed at a property
has a ``start_form`` in its manifest; who may start it is the lane of its start
event (a process whose start event has no lane may be started by anyone at the
property). Nothing here is hard-coded per process.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.library import specs
from engine.org.staff import lanes_by_property
from engine.storage.models import Deployment, Process, ProcessVersion, Property, User


@dataclass(frozen=True)
class Startable:
    property_id: int
    property_code: str
    property_name: str
    process_key: str
    process_name: str
    version_id: int
    start_form: str
    start_lane: str | None


def start_lane(version) -> str | None:
    """The lane of the version's (first) start event, None if it has none."""
    spec, _subs = specs.specs_for(version)
    return next((s.lane for s in spec.start.outputs if getattr(s, "lane", None)), None)


def startable(session: Session, user: User) -> list[Startable]:
    """What ``user`` may start: deployed processes with a start form, at properties where they hold the start lane."""
    lanes = lanes_by_property(session, user)
    if not lanes:
        return []
    rows = session.execute(select(Deployment, Property).join(Property, Property.id == Deployment.property_id)
                           .where(Deployment.property_id.in_(list(lanes)))
                           .order_by(Property.code)).all()
    result = []
    for dep, prop in rows:
        version = dep.version
        form = version.manifest.get("start_form")
        if not form:
            continue
        info = specs.version_info(session, version.id)
        lane = start_lane(info)
        if lane is not None and lane not in lanes[prop.id]:
            continue
        result.append(Startable(prop.id, prop.code, prop.name, version.process.key, version.process.name,
                                version.id, form, lane))
    return sorted(result, key=lambda s: (s.property_code, s.process_name))


def find_startable(session: Session, user: User, property_code: str, process_key: str) -> Startable | None:
    """The entry of ``startable`` for one property and process, or None if the user may not start it there.

    One query for that deployment (a start form asks this on every start), not the whole list."""
    row = session.execute(
        select(Property, ProcessVersion, Process)
        .join(Deployment, Deployment.property_id == Property.id)
        .join(ProcessVersion, ProcessVersion.id == Deployment.version_id)
        .join(Process, Process.id == Deployment.process_id)
        .where(Property.code == property_code, Process.key == process_key)).one_or_none()
    if row is None:
        return None
    prop, version, process = row
    lanes = lanes_by_property(session, user).get(prop.id)
    form = version.manifest.get("start_form")
    if lanes is None or not form:
        return None
    lane = start_lane(specs.version_info(session, version.id))
    if lane is not None and lane not in lanes:
        return None
    return Startable(prop.id, prop.code, prop.name, process.key, process.name, version.id, form, lane)
