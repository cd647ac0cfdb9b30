"""Demo data for a first run: two properties with the whole process library deployed."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Property
from .packages import MANIFEST, load_folder
from .processes import store_version
from .properties import create_property, deploy

DEMO_PROPERTIES = [("P001", "翠湖花园"), ("P002", "滨江苑")]


def load_library(session: Session, processes_dir: Path, *, author: str = "demo") -> list[str]:
    """Store every process folder under ``processes_dir`` and deploy it to every property; flushes."""
    props = session.scalars(select(Property).order_by(Property.code)).all()
    loaded = []
    for folder in sorted(p for p in processes_dir.iterdir() if (p / MANIFEST).is_file()):
        result = store_version(session, load_folder(folder), author=author, message="standard library")
        deploy(session, result.version, props, by=author)
        loaded.append(f"{result.version.label}{'' if result.created else ' (unchanged)'}")
    return loaded


def seed(session: Session, processes_dir: Path) -> list[str]:
    """Create the demo properties if missing and deploy the library to them; the caller commits."""
    for code, name in DEMO_PROPERTIES:
        if session.scalars(select(Property).where(Property.code == code)).one_or_none() is None:
            create_property(session, code, name)
    return load_library(session, processes_dir)
