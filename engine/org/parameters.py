"""Per-property parameters: the values a diagram reads as ``params`` (deadline hours, who is told, …).

A value applies to one process (``process_key``) or to every process ('' ); an
instance starts with the manifest's defaults, overridden by the property-wide
values, overridden by the per-process ones.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.storage.models import ProcessVersion, Property, PropertyParameter


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


def parameters_for(session: Session, prop: Property, version: ProcessVersion | Any) -> dict[str, Any]:
    """The parameters an instance starts with: manifest defaults, then property-wide, then per-process values.

    ``version`` is a stored version or its cached content (``engine.library.specs.VersionInfo``)."""
    params = dict(version.manifest.get("parameters", {}))
    rows = session.scalars(select(PropertyParameter).where(
        PropertyParameter.property_id == prop.id,
        PropertyParameter.process_key.in_(["", _key(version)]))).all()
    for row in sorted(rows, key=lambda r: r.process_key != ""):
        params[row.name] = row.value
    return params


def _key(version) -> str:
    key = getattr(version, "process_key", None)  # the cached content names it; a stored row has its process
    return key if isinstance(key, str) else version.process.key
