"""The spec-less serializer: saved state holds no diagram, and a reloaded workflow runs on exactly as before."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine import load_folder
from engine.cases.state import dump_state, load_state
from engine.library.specs import parse_files
from engine.org.calendar import WorkCalendar
from engine.scripting.environment import script_helpers
from engine.scripting.sandbox import make_script_engine

STEPS = {
    "register": {"urgency": "normal", "content": "水管漏水", "items": [20, 35]},
    "handle": {"result": "已修复"},
    "callback": {"rating": "A"},
}


@pytest.fixture
def specs(packages_dir):
    package = load_folder(packages_dir / "service_request", forms_dir=packages_dir / "forms")
    return parse_files(package.files, package.process_id)


def _state(workflow) -> list[tuple]:
    """What matters of a workflow: every task's spec, state and data, and the timers' due times."""
    return sorted((t.task_spec.name, t.state, json.dumps(t.data, sort_keys=True, default=str),
                   t.internal_data.get("event_value") if isinstance(t.internal_data.get("event_value"), str) else None)
                  for t in workflow.get_tasks())


def test_round_trip_at_every_step_matches_a_workflow_never_saved(specs):
    script_engine = make_script_engine(script_helpers(WorkCalendar()))
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8))), tick=False):
        kept = BpmnWorkflow(*specs, script_engine=script_engine)
        saved = BpmnWorkflow(*specs, script_engine=script_engine)
        for wf in (kept, saved):
            wf.get_tasks(state=TaskState.READY)[0].data.update(resident="张三", room="3-1201", reply_hours=24)
            wf.do_engine_steps()
        while not kept.is_completed():
            text = dump_state(saved)
            assert '"task_specs"' not in text and "bpmn_name" not in text, "the diagram must not be stored"
            saved = load_state(text, *specs)
            saved.script_engine = script_engine
            assert _state(saved) == _state(kept)
            for wf in (kept, saved):
                [task] = wf.get_tasks(state=TaskState.READY, manual=True)
                task.data.update(STEPS[task.task_spec.name])
                task.run()
                wf.do_engine_steps()
        assert saved.is_completed() and _state(saved) == _state(kept)
        assert saved.last_task.data["fee_total"] == 55


def test_state_is_much_smaller_than_the_stock_serializers(specs):
    workflow = BpmnWorkflow(*specs, script_engine=make_script_engine())
    workflow.get_tasks(state=TaskState.READY)[0].data.update(resident="张三", room="3-1201")
    workflow.do_engine_steps()
    stock = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(workflow)
    assert len(dump_state(workflow)) < len(stock) / 2


def test_task_data_keeps_its_types_through_the_fast_json(specs):
    """Datetimes, durations, numbers beyond 64 bits and integer keys come back as the stock serializer had them."""
    workflow = BpmnWorkflow(*specs, script_engine=make_script_engine())
    at = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    values = {"resident": "张三", "at": at, "wait": timedelta(hours=4), "big": 2**70, "fee": 12.5,
              "rooms": {"1201": [1, 2]}}
    workflow.get_tasks(state=TaskState.READY)[0].data.update(values)
    back = load_state(dump_state(workflow), *specs).get_tasks(state=TaskState.READY)[0].data
    assert {k: back[k] for k in values} == values and isinstance(back["at"], datetime)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(codes={1: "一"})
    back = load_state(dump_state(workflow), *specs).get_tasks(state=TaskState.READY)[0].data
    assert back["codes"] == {"1": "一"}  # as the standard library stores them
    nan_state = dump_state(workflow).replace('"fee": 12.5', '"fee": NaN')  # a state written with NaN
    fee = load_state(nan_state, *specs).get_tasks(state=TaskState.READY)[0].data["fee"]
    assert fee != fee


def _stock():
    """A serializer with SpiffWorkflow's own task converter (every task converted afresh, read its way)."""
    from engine.cases import state

    return state._make_serializer(incremental=False)


def _stock_state(workflow) -> dict:
    return json.loads(dump_state(workflow, serializer=_stock()))


def _tree(workflow) -> dict:
    """Every task of a workflow (its subprocesses' too) as it was read: place in the tree, state, data."""
    return {str(t.id): (t.task_spec.name, t.state, t.last_state_change, t.triggered, str(t._parent),
                        [str(c) for c in t._children], json.dumps(t.data, sort_keys=True, default=repr),
                        json.dumps(t.internal_data, sort_keys=True, default=repr))
            for part in [workflow, *workflow.subprocesses.values()] for t in part.tasks.values()}


@pytest.mark.parametrize("reload", [False, True], ids=["kept in memory", "read back every step"])
def test_a_finished_tasks_kept_dictionary_is_what_a_fresh_conversion_writes(specs, reload):
    """Saved after every step, the state is exactly the stock converter's, also after a value that tasks share
    was changed in place and the case closed; so with a workflow read back from its state before each step."""
    script_engine = make_script_engine(script_helpers(WorkCalendar()))
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=8)))) as clock:
        workflow = BpmnWorkflow(*specs, script_engine=script_engine)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(resident="张三", room="3-1201", reply_hours=24)
        workflow.do_engine_steps()
        saves = 0
        while not workflow.is_completed():
            assert json.loads(dump_state(workflow)) == _stock_state(workflow)
            assert json.loads(dump_state(workflow)) == _stock_state(workflow)  # the kept dictionaries again
            saves += 1
            if reload:
                text = dump_state(workflow)
                workflow = load_state(text, *specs)
                assert _tree(workflow) == _tree(load_state(text, *specs, serializer=_stock()))
                workflow.script_engine = script_engine
                assert json.loads(dump_state(workflow)) == _stock_state(workflow)
            [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
            task.data.update(STEPS[task.task_spec.name])
            if task.task_spec.name == "register":
                task.data["rows"] = [{"item": "水管", "fee": 20}]
            task.run()
            workflow.do_engine_steps()
            # a script changes a row in place: the row is shared with the finished tasks before it
            task.data["rows"][0]["fee"] += 1
            clock.shift(timedelta(minutes=5))
        assert json.loads(dump_state(workflow)) == _stock_state(workflow)
        assert saves == 3 and '"fee":22' in dump_state(workflow)  # the change in place is in the saved state
        reloaded = load_state(dump_state(workflow), *specs)
        assert _state(reloaded) == _state(workflow)


def _rebind(task):
    task.data = dict(task.data, room="3-1202")


def _add_key(task):
    task.data["note"] = "补充"


def _new_spec(task):
    import copy

    task.task_spec = copy.copy(task.task_spec)
    task.task_spec.name = "register_v2"  # a migration puts the new version's spec objects in


def _run_again(task):
    task._state, task.last_state_change = TaskState.CANCELLED, task.last_state_change + 1


@pytest.mark.parametrize("change", [_rebind, _add_key, _new_spec, _run_again])
def test_a_finished_task_that_changed_is_converted_afresh(specs, change):
    script_engine = make_script_engine(script_helpers(WorkCalendar()))
    workflow = BpmnWorkflow(*specs, script_engine=script_engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(resident="张三", room="3-1201", reply_hours=24)
    workflow.do_engine_steps()
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    task.data.update(STEPS["register"])
    task.run()
    workflow.do_engine_steps()
    before = dump_state(workflow)  # the finished task's dictionary is kept now
    change(task)
    assert dump_state(workflow) != before
    assert json.loads(dump_state(workflow)) == _stock_state(workflow)
