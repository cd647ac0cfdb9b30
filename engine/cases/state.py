"""Workflow state <-> JSON without the diagram: specs come from the per-version cache.

SpiffWorkflow's stock serializer embeds the whole process spec in every saved
instance (more than half of its size). ``SpeclessWorkflowConverter`` leaves the
specs out on save and takes the already-built spec objects on load. It relies on
SpiffWorkflow 3.2.0 internals (pinned); ``tests/test_cases__state.py`` round-trips
workflows to keep that honest.

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
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

_specs: ContextVar[tuple] = ContextVar("engine_specs")


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


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _make_serializer()
_ENCODER = _SERIALIZER._encoder_cls()  # SpiffWorkflow's json.JSONEncoder: its ``default`` knows the registry
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS


def dump_state(workflow: BpmnWorkflow) -> str:
    """The workflow's state as a JSON string, without the spec (what ``serialize_json`` writes, via orjson)."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
        dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
        try:
            return orjson.dumps(dct, default=_ENCODER.default, option=_OPTIONS).decode()
        except orjson.JSONEncodeError:  # e.g. integer keys or huge integers: the standard library's way
            return json.dumps(dct, cls=_SERIALIZER._encoder_cls)
    finally:
        registry._encoder_mode = False


def _parse(state: str):
    try:
        return orjson.loads(state)
    except orjson.JSONDecodeError:  # NaN or Infinity, which the standard library writes and reads
        return json.loads(state)


def load_state(state: str, spec, subprocess_specs: dict) -> BpmnWorkflow:
    """Rebuild a workflow from ``dump_state`` output and the version's cached specs.

    The script engine is not part of the state: set it after loading.
    """
    dct = _parse(state)
    token = _specs.set((spec, subprocess_specs))
    try:
        _SERIALIZER.migrate(dct)
        return _SERIALIZER.from_dict(dct)
    finally:
        _specs.reset(token)
