"""What head office sees before a rollout: which version of a process each property runs, and its cases."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Deployment, Instance, InstanceStatus, Process, ProcessVersion, Property


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
