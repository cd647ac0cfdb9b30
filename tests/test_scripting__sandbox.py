"""Diagram scripts and expressions run under RestrictedPython: attacks fail clearly, business scripts work."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import (
    Incident,
    InstanceStatus,
    ScriptError,
    complete_task,
    create_property,
    deploy,
    start_instance,
    store_version,
)
from engine.library.package import assemble, load_folder
from engine.org.calendar import WorkCalendar
from engine.scripting.environment import script_helpers
from engine.scripting.sandbox import RestrictedEnvironment

CST = timezone(timedelta(hours=8))


@pytest.fixture
def env():
    return RestrictedEnvironment(script_helpers(WorkCalendar()))


ATTACKS = {
    "import os": (ImportError, "__import__"),
    "data = open('/etc/passwd').read()": (NameError, "open"),
    "x = ().__class__.__base__.__subclasses__()": (ScriptError, "starts with \"_\""),
    "g = working_days.__globals__": (ScriptError, "__globals__"),
    "g = getattr(working_days, '__globals__')": (NameError, "getattr"),
    "s = '{0.__class__}'.format(1)": (NotImplementedError, "format"),
    "x = eval('1 + 1')": (ScriptError, "Eval calls are not allowed"),
    "t = type(1)": (NameError, "type"),
}


@pytest.mark.parametrize("script", ATTACKS)
def test_escape_attempts_in_scripts_fail_with_a_clear_error(env, script):
    error, words = ATTACKS[script]
    context = {"case_no": "TS1"}
    with pytest.raises(error, match=words.replace("(", r"\(")):
        env.execute(script, context)
    assert set(context) == {"case_no"}, "a refused script must leave nothing behind in the task data"


@pytest.mark.parametrize("expression", ["__import__('os').system('id')", "().__class__", "globals()",
                                        "open('/etc/passwd')"])
def test_escape_attempts_in_conditions_and_timer_expressions_fail(env, expression):
    with pytest.raises((ScriptError, NameError)):
        env.evaluate(expression, {"level": 1})


def test_ordinary_business_scripts_work(env):
    context = {"items": [50, 30.5], "fees": {"labour": 20}, "room": "3-1201"}
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=CST), tick=False):
        env.execute(
            "total = sum(items) + fees['labour']\n"
            "biggest, smallest = max(items), min(items)\n"
            "doubled = [i * 2 for i in items if i > 40]\n"
            "numbered = list(enumerate(items, 1))\n"
            "fees['parts'] = round(total * 0.1, 2)\n"
            "count = 0\n"
            "for item in items:\n"
            "    count += 1\n"
            "label = f'{room} 合计 {total:.1f} 元'\n"
            "due = working_days(1)\n"
            "open_today = is_working_day('2026-10-08')\n", context)
    assert context["total"] == 100.5 and (context["biggest"], context["smallest"]) == (50, 30.5)
    assert context["doubled"] == [100] and context["numbered"] == [(1, 50), (2, 30.5)]
    assert context["fees"] == {"labour": 20, "parts": 10.05} and context["count"] == 2
    assert context["label"] == "3-1201 合计 100.5 元"
    assert context["due"] == "2026-10-08T10:00:00+08:00" and context["open_today"] is True
    assert env.evaluate("total > 100 and len(doubled) == 1", context) is True


def test_a_script_failing_in_a_running_case_becomes_an_incident_not_a_leak(session, packages_dir):
    """`open` compiles (it is just a name), so deployment accepts it; at run time it is refused."""
    own = {p.name: p.read_bytes() for p in (packages_dir / "service_request").iterdir()}
    own["service_request.bpmn"] = own["service_request.bpmn"].replace(
        b"fee_total = sum(items) if items else 0", b"fee_total = len(open('/etc/passwd').read())")
    package = assemble(own, resolver=lambda key: load_folder(packages_dir / key))
    version = store_version(session, package).version
    deploy(session, version, [create_property(session, "P001", "翠湖花园")])
    session.commit()
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"})
    session.commit()
    [task] = case_tasks(session, case)
    complete_task(session, task, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")
    session.commit()
    session.refresh(case)
    assert case.status == InstanceStatus.ERROR
    incident = session.scalars(select(Incident).where(Incident.instance_id == case.id)).one()
    assert incident.task_name == "summarise" and "open" in incident.message
    assert "root:" not in (incident.details or "")


def case_tasks(session, case):
    from engine import HumanTask

    return session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).all()
