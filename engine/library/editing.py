"""A process owner's edits saved as a new version: the package's own files, re-bundled as the base version was.

A stored version is self-contained: the packages its manifest ``calls`` are bundled
under ``calls/<key>/`` (their forms under their bare names). ``editable_files``
gives back what the owner edits — the package's own diagrams, decision tables,
forms and manifest — and ``save_edit`` assembles the edited files with the called
packages *exactly as the base version bundles them* (a package newly named in
``calls`` is taken from its latest stored version), validates everything as
loading from ``processes/`` does, and stores a new version with its author and
message. Nothing is stored when anything is wrong.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.exceptions import Conflict, NotFound, PackageInvalid, Problem
from engine.library.package import MANIFEST, ProcessPackage, assemble, referenced_forms
from engine.library.versions import StoreResult, latest_version, store_version
from engine.storage.models import ProcessVersion

CALLS = "calls/"


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _start_form(manifest: str | bytes | None) -> str | None:
    try:
        start = json.loads(manifest or b"").get("start_form")
    except (TypeError, ValueError, AttributeError):
        return None
    return start if isinstance(start, str) else None


def _forms_of(files: Mapping[str, str | bytes]) -> set[str]:
    """Forms a set of files names: its diagrams' task forms and its manifest's start form."""
    named = {form for path, text in files.items() if path.endswith(".bpmn") for form in referenced_forms(_bytes(text))}
    start = _start_form(files[MANIFEST]) if MANIFEST in files else None
    return named | ({start} if start else set())


def _called_forms(files: Mapping[str, str | bytes]) -> set[str]:
    """Forms named by the bundled (called) packages."""
    called = {p: t for p, t in files.items() if p.startswith(CALLS)}
    forms = {form for path, text in called.items() if path.endswith(".bpmn") for form in referenced_forms(_bytes(text))}
    return forms | {f for path, text in called.items() if path.endswith("/" + MANIFEST) if (f := _start_form(text))}


def editable_files(files: dict[str, str]) -> dict[str, str]:
    """The package's own files among a version's files: no bundled call, no form only a called diagram uses."""
    own = {p: t for p, t in files.items() if not p.startswith(CALLS)}
    only_called = _called_forms(files) - _forms_of(own)
    return {p: t for p, t in own.items() if p not in only_called}


def bundled_resolver(session: Session, files: Mapping[str, str | bytes]):
    """A resolver returning each called package as ``files`` bundle it, else its latest stored version."""
    def resolve(key: str) -> ProcessPackage:
        prefix = f"{CALLS}{key}/"
        own = {p[len(prefix):]: _bytes(t) for p, t in files.items() if p.startswith(prefix)}
        if MANIFEST not in own:
            return _latest_package(session, key)
        for form in _forms_of(own):
            if form in files:
                own.setdefault(form, _bytes(files[form]))
        return assemble(own, resolve, origin=prefix.rstrip("/"))
    return resolve


def _latest_package(session: Session, key: str) -> ProcessPackage:
    try:
        version = latest_version(session, key)
    except NotFound:
        raise PackageInvalid([Problem(MANIFEST, None, f"calls '{key}', but no process '{key}' is stored")]) from None
    return assemble({p: _bytes(t) for p, t in editable_files(version.files).items()},
                    bundled_resolver(session, version.files), origin=key)


def latest_number(session: Session, process_id: int) -> int:
    return session.scalar(select(func.max(ProcessVersion.number)).where(ProcessVersion.process_id == process_id)) or 0


def save_edit(session: Session, base: ProcessVersion, files: dict[str, str], *, author: str, message: str,
              force: bool = False) -> StoreResult:
    """Store the edited own ``files`` of ``base``'s package as a new version (or return the identical one).

    Raises ``PackageInvalid`` (nothing stored) listing every problem; ``Conflict`` when a
    newer version than ``base`` exists and ``force`` is false, so that nobody overwrites a
    colleague's version unknowingly. Flushes; the caller commits.
    """
    if not message.strip():
        raise PackageInvalid([Problem(MANIFEST, None, "say what changed: a version needs a message")])
    problems = [Problem(path, None, "a package's own file cannot live under calls/ (called packages are bundled "
                                    "from their stored versions)") for path in files if path.startswith(CALLS)]
    try:
        key = json.loads(files.get(MANIFEST, "")).get("key")
    except (ValueError, AttributeError):
        key = None  # assemble() names the manifest's problem
    if key is not None and key != base.process.key:
        problems.append(Problem(MANIFEST, None, f"field 'key' must stay '{base.process.key}' (a new key would be "
                                                f"another process)"))
    if problems:
        raise PackageInvalid(problems)
    newest = latest_number(session, base.process_id)
    package = assemble({p: _bytes(t) for p, t in files.items()}, bundled_resolver(session, base.files))
    if newest > base.number and not force:
        existing = session.scalars(select(ProcessVersion).where(
            ProcessVersion.process_id == base.process_id,
            ProcessVersion.content_hash == package.content_hash)).one_or_none()
        if existing is None:
            raise Conflict(f"version {newest} was saved after version {base.number}, which these edits start from")
    return store_version(session, package, author=author, message=message.strip())
