"""Storing validated process packages as content-addressed versions."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.exceptions import NotFound, PackageInvalid, Problem
from engine.library import specs
from engine.library.package import ProcessPackage
from engine.storage.models import Process, ProcessVersion


@dataclass(frozen=True)
class StoreResult:
    version: ProcessVersion
    created: bool


def store_version(session: Session, package: ProcessPackage, *, author: str | None = None,
                  message: str | None = None) -> StoreResult:
    """Validate ``package`` and store it as a new version unless identical files exist already.

    Raises ``PackageInvalid`` (nothing added to the session) when validation fails.
    Idempotent: the same files give the same version back with ``created=False``.
    Flushes; the caller commits.
    """
    from engine.library.validation import validate_package

    text_files = _as_text(package)
    digest = package.content_hash
    process = session.scalars(select(Process).where(Process.key == package.key)).one_or_none()
    if process is not None:
        existing = session.scalars(select(ProcessVersion).where(
            ProcessVersion.process_id == process.id, ProcessVersion.content_hash == digest)).one_or_none()
        if existing is not None:
            return StoreResult(existing, False)
    parsed = validate_package(package)
    if process is None:
        process = Process(key=package.key, name=package.name)
        session.add(process)
        session.flush()
    else:
        process.name = package.name
    number = (session.scalar(select(func.max(ProcessVersion.number)).where(
        ProcessVersion.process_id == process.id)) or 0) + 1
    version = ProcessVersion(process=process, number=number, content_hash=digest,
                             process_id_in_diagram=package.process_id, files=text_files,
                             manifest=package.manifest, author=author, message=message)
    session.add(version)
    session.flush()
    specs.remember(digest, package.process_id, (parsed.spec, parsed.subprocess_specs))
    return StoreResult(version, True)


def _as_text(package: ProcessPackage) -> dict[str, str]:
    files, problems = {}, []
    for path, content in package.files.items():
        try:
            files[path] = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(path, None, f"not UTF-8 text: {exc}"))
    if problems:
        raise PackageInvalid(problems)
    return files


def get_process(session: Session, key: str) -> Process:
    process = session.scalars(select(Process).where(Process.key == key)).one_or_none()
    if process is None:
        raise NotFound(f"no process '{key}'")
    return process


def latest_version(session: Session, key: str) -> ProcessVersion:
    """The newest stored version of process ``key``."""
    process = get_process(session, key)
    version = session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == process.id)
                              .order_by(ProcessVersion.number.desc()).limit(1)).first()
    if version is None:
        raise NotFound(f"process '{key}' has no version")
    return version
