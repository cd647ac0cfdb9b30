"""Reading an open task's data for showing (never for running): what decision tables decided, who to pick from.

``task_data`` deserializes the case's stored state without touching the step cache or
taking a lock: it is a read, and a stale read is harmless (the form is validated on
completion). ``decision_outputs`` names every output column of the version's decision tables.
"""
from __future__ import annotations

from uuid import UUID

from lxml import etree

from engine.cases.state import load_state
from engine.library import specs
from engine.storage.models import Instance

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def task_data(session, instance: Instance, task_id: str) -> dict:
    """The data the open task ``task_id`` of ``instance`` will see ({} if it cannot be read)."""
    try:
        spec, subprocesses = specs.specs_for(specs.version_info(session, instance.version_id))
        workflow = load_state(instance.state, spec, subprocesses)
        task = workflow.get_task_from_id(UUID(task_id))
    except Exception:  # noqa: BLE001 - showing less is better than failing the page
        return {}
    return dict(task.data) if task is not None else {}


def decision_outputs(files: dict[str, str]) -> list[tuple[str, str]]:
    """(output name, its label) of every decision table output in ``files``, in file and column order."""
    found: list[tuple[str, str]] = []
    for name in sorted(files):
        if not name.endswith(".dmn"):
            continue
        try:
            root = etree.fromstring(files[name].encode("utf-8"), _PARSER)
        except etree.XMLSyntaxError:
            continue
        for output in root.iter("{*}output"):
            if output.get("name") and (output.get("name"), output.get("label") or "") not in found:
                found.append((output.get("name"), output.get("label") or ""))
    return found
