"""Built process specs per version, parsed once per process and cached.

Versions are immutable, so a spec built from a version's files never goes stale;
the cache is bounded so a long-lived worker does not grow without limit.
"""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.caching import LockedLRU
from engine.storage.models import ProcessVersion

_cache: LockedLRU[str, tuple] = LockedLRU(256)  # "<content hash>:<process id>" -> (spec, subprocess specs)
_versions: LockedLRU[tuple[str, int], VersionInfo] = LockedLRU(256)  # (database URL, version id) -> content


@dataclass(frozen=True)
class VersionInfo:
    """An immutable copy of a stored version's content, kept in memory between requests."""

    id: int
    number: int
    process_id: int
    process_key: str
    process_id_in_diagram: str
    content_hash: str
    files: dict
    manifest: dict


def version_info(session, version_id: int) -> VersionInfo:
    """The content of process version ``version_id`` (read once per process: versions never change)."""
    def read() -> VersionInfo:
        row = session.get(ProcessVersion, version_id)
        return VersionInfo(row.id, row.number, row.process_id, row.process.key, row.process_id_in_diagram,
                           row.content_hash, dict(row.files), dict(row.manifest))
    return _versions.get_or_make((str(session.get_bind().url), version_id), read)


def parse_files(files: dict[str, bytes | str], process_id: str, validator=None) -> tuple:
    """Parse BPMN and DMN files; return (process spec, subprocess specs) for ``process_id``."""
    parser = SpiffBpmnParser(validator=validator)
    for path in sorted(files):
        content = files[path]
        data = content.encode("utf-8") if isinstance(content, str) else content
        if path.endswith(".bpmn"):
            parser.add_bpmn_str(data, filename=path)
        elif path.endswith(".dmn"):
            parser.add_dmn_str(data, filename=path)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def specs_for(version) -> tuple:
    """(spec, subprocess specs) of a ``ProcessVersion`` or ``VersionInfo``, from the cache when possible."""
    return _cache.get_or_make(version.content_hash + ":" + version.process_id_in_diagram,
                              lambda: parse_files(version.files, version.process_id_in_diagram))


def remember(content_hash: str, process_id: str, built: tuple) -> None:
    """Seed the cache with specs just built by validation (saves a second parse)."""
    _cache.put(content_hash + ":" + process_id, built)
