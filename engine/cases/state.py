"""Workflow state <-> JSON without the diagram: specs come from the per-version cache.

SpiffWorkflow's stock serializer embeds the whole process spec in every saved
instance (more than half of its size). ``SpeclessWorkflowConverter`` leaves the
specs out on save and takes the already-built spec objects on load. It relies on
SpiffWorkflow 3.2.0 internals (pinned); ``tests/test_cases__state.py`` round-trips
workflows to keep that honest.

A finished task (completed, cancelled or failed) is not converted again at every save:
``IncrementalTaskConverter`` keeps its dictionary and hands it out again while nothing it
was made from can have changed (see the class). A running case's tree keeps all its
finished tasks, so without this a save costs more with every step a case has taken.

The JSON text is written and read with ``orjson`` (several times faster than the
standard library on these dictionaries). Values orjson has no exact equivalent for
go through SpiffWorkflow's own encoder (datetimes, timedeltas, subclasses), and a
dictionary orjson refuses (non-string keys, integers beyond 64 bits, NaN on reading)
falls back to the standard library, so the stored values mean what they meant
before. Two differences: a ``uuid.UUID`` in task data is stored as its string, and a
float NaN or infinity as null (JSON has neither; forms cannot produce them, and the
sandbox has no ``uuid``). States written before still load.
"""
from __future__ import annotations

import json
from contextvars import ContextVar
from copy import copy
from uuid import UUID
from weakref import WeakKeyDictionary

import orjson
from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

_specs: ContextVar[tuple] = ContextVar("engine_specs")
_ids: ContextVar[dict] = ContextVar("engine_task_ids")  # the task ids parsed so far by this load


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Converts a top-level workflow, leaving its specs out of the dictionary."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _specs.get()
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_FINISHED = TaskState.FINISHED_MASK


class IncrementalTaskConverter(TaskConverter):
    """Task -> dictionary as SpiffWorkflow's ``TaskConverter`` writes it, a finished task's only once.

    A finished task's dictionary is kept (weakly, with the task) and handed out again while what it
    was made from is as it was: the task's state, the time of its last state change, ``triggered``,
    its spec and its children; its data dictionary and its parent's, the same objects with the same
    number of keys. Its ``internal_data`` is converted afresh each time. Nothing in SpiffWorkflow
    rebinds a key of a finished task's data (children copy their parent's containers, and a retry or
    a migration changes the state or the spec first); a value changed in place inside a container
    that tasks share is still written as it is now, because the kept dictionary refers to the values,
    it does not copy them. A task read from a saved state gets its dictionary from what was read
    (referring to the values just restored), so the first save after a load converts only the tasks
    that are not finished either. ``tests/test_cases__state.py`` compares saves with the stock converter's.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept: WeakKeyDictionary[Task, tuple] = WeakKeyDictionary()

    def to_dict(self, task):
        if not task._state & _FINISHED:
            return super().to_dict(task)
        parent = task.parent
        parent_data = parent.data if parent is not None else None
        kept = self._kept.get(task)
        if (kept is not None and kept[0] == _fingerprint(task, parent_data) and kept[1] is task.task_spec
                and kept[2] is task.data and kept[3] is parent_data):
            dct = dict(kept[4])
            dct["internal_data"] = self.registry.convert(task.internal_data)
            return dct
        dct = super().to_dict(task)
        self._keep(task, parent_data, dct)
        return dct

    def from_dict(self, dct, workflow):
        """What ``TaskConverter.from_dict`` does, with each task id parsed once per load (a task's id is also
        its parent's child and its children's parent) and a task's data built from its parent's in one pass."""
        ids = _ids.get(None)
        ids = {} if ids is None else ids
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(ids, dct["id"]))
        task._parent = None if dct["parent"] is None else _uuid(ids, dct["parent"])
        task._children = [_uuid(ids, child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task._state & TaskState.WAITING:
            workflow.top_workflow.event_manager.add_task(task)
        delta, parent = dct.get("delta"), task.parent
        if delta and parent is not None:  # the parent's data (its containers copied), then this task's changes
            gone = delta.get("deletions") or ()
            if len(gone) > 8:
                gone = set(gone)
            data = {key: copy(value) if isinstance(value, (dict, list, set)) else value
                    for key, value in parent.data.items() if key not in gone}
            data.update(self.registry.restore(delta.get("updates", {})))
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        if task._state & _FINISHED:
            parent = task.parent
            if parent is None:
                self._keep(task, None, {**dct, "data": task.data, "delta": {}})
            elif dct.get("delta"):  # (a state of SpiffWorkflow's older full-data form is converted afresh)
                stored = dct["delta"]
                data = task.data
                delta = {"updates": {key: data[key] for key in stored.get("updates", ())},
                         "deletions": list(stored.get("deletions", ()))}
                self._keep(task, parent.data, {**dct, "data": {}, "delta": delta})
        return task

    def _keep(self, task, parent_data, dct) -> None:
        self._kept[task] = (_fingerprint(task, parent_data), task.task_spec, task.data, parent_data, dct)


def _uuid(ids: dict, text: str) -> UUID:
    found = ids.get(text)
    if found is None:
        found = ids[text] = UUID(text)
    return found


def _fingerprint(task, parent_data) -> tuple:
    return (task._state, task.last_state_change, task.triggered, tuple(task._children), len(task.data),
            -1 if parent_data is None else len(parent_data))


def _make_serializer(*, incremental: bool = True) -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    if incremental:
        config[Task] = IncrementalTaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _make_serializer()
_ENCODER = _SERIALIZER._encoder_cls()  # SpiffWorkflow's json.JSONEncoder: its ``default`` knows the registry
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS


def dump_state(workflow: BpmnWorkflow, *, serializer: BpmnWorkflowSerializer = _SERIALIZER) -> str:
    """The workflow's state as a JSON string, without the spec (what ``serialize_json`` writes, via orjson)."""
    registry = serializer.registry
    registry._encoder_mode = True
    try:
        dct = serializer.to_dict(workflow)
        dct[serializer.VERSION_KEY] = serializer.VERSION
        try:
            return orjson.dumps(dct, default=_ENCODER.default, option=_OPTIONS).decode()
        except orjson.JSONEncodeError:  # e.g. integer keys or huge integers: the standard library's way
            return json.dumps(dct, cls=serializer._encoder_cls)
    finally:
        registry._encoder_mode = False


def _parse(state: str):
    try:
        return orjson.loads(state)
    except orjson.JSONDecodeError:  # NaN or Infinity, which the standard library writes and reads
        return json.loads(state)


def load_state(state: str, spec, subprocess_specs: dict, *,
               serializer: BpmnWorkflowSerializer = _SERIALIZER) -> BpmnWorkflow:
    """Rebuild a workflow from ``dump_state`` output and the version's cached specs.

    The script engine is not part of the state: set it after loading.
    """
    dct = _parse(state)
    token, ids = _specs.set((spec, subprocess_specs)), _ids.set({})
    try:
        serializer.migrate(dct)
        return serializer.from_dict(dct)
    finally:
        _specs.reset(token)
        _ids.reset(ids)
