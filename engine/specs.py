"""Built process specs per version, parsed once per process and cached.

Versions are immutable, so a spec built from a version's files never goes stale;
the cache is bounded so a long-lived worker does not grow without limit.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

_MAX = 256
_cache: OrderedDict[str, tuple] = OrderedDict()
_versions: OrderedDict[tuple[str, int], "VersionInfo"] = OrderedDict()
_lock = Lock()


@dataclass(frozen=True)
class VersionInfo:
    """An immutable copy of a stored version's content, kept in memory between requests."""

    id: int
    number: int
    process_key: str
    process_id_in_diagram: str
    content_hash: str
    files: dict
    manifest: dict


def version_info(session, version_id: int) -> VersionInfo:
    """The content of process version ``version_id`` (read once per process: versions never change)."""
    from .models import ProcessVersion

    key = (str(session.get_bind().url), version_id)
    with _lock:
        hit = _versions.get(key)
    if hit is not None:
        return hit
    row = session.get(ProcessVersion, version_id)
    info = VersionInfo(row.id, row.number, row.process.key, row.process_id_in_diagram, row.content_hash,
                       dict(row.files), dict(row.manifest))
    with _lock:
        _versions[key] = info
        while len(_versions) > _MAX:
            _versions.popitem(last=False)
    return info


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
    key = version.content_hash + ":" + version.process_id_in_diagram
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    built = parse_files(version.files, version.process_id_in_diagram)
    with _lock:
        _cache[key] = built
        while len(_cache) > _MAX:
            _cache.popitem(last=False)
    return built


def remember(content_hash: str, process_id: str, built: tuple) -> None:
    """Seed the cache with specs just built by validation (saves a second parse)."""
    with _lock:
        _cache[content_hash + ":" + process_id] = built
