"""Diagram scripts are bounded: endless loops, huge allocations and process-stopping exceptions become incidents.

The budgets are CPU time of the script's own thread, so these tests do not depend on the
machine's speed: a tiny budget (0.2 s) stops an endless loop however fast or busy the machine is.
"""
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from engine import (
    HumanTask,
    Incident,
    InstanceStatus,
    ScriptError,
    Settings,
    TimerFiring,
    complete_task,
    create_property,
    deploy,
    make_session_factory,
    start_instance,
    store_version,
)
from engine.caching import LockedLRU
from engine.library.package import assemble, load_folder
from engine.org.calendar import WorkCalendar
from engine.scripting import environment
from engine.scripting.bounds import Limits
from engine.scripting.environment import script_helpers
from engine.scripting.sandbox import BUILTINS, RestrictedEnvironment

CST = timezone(timedelta(hours=8))
QUICK = Limits(cpu_seconds=0.2, memory_mb=64)

ENDLESS = {
    "while True:\n    pass": "CPU time",
    "n = 0\nwhile True:\n    n += 1": "CPU time",
    "def f(n):\n    return f(n + 1)\nf(0)": "recursion",
    "x = [i for i in range(10**6) for j in range(10**6)]": "CPU time",
    "x = sum(1 for i in range(10**7) for j in range(10))": "CPU time",
    "try:\n    while True:\n        pass\nexcept:\n    pass": "CPU time",
    "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass": "CPU time",
    "x = 'x' * 10**10": "10,000,000,000 items",
    "x = [0] * 10**9": "1,000,000,000 items",
    "x = 10 ** 10 ** 10": "bits",
    "x = 2 << 10**10": "bits",
    "x = list(range(10**10))": "range",
    "x = 'ab'\nfor i in range(60):\n    x = x + x": "items",
    "x = [1]\nx *= 10**9": "items",
    "x = 'a'.ljust(10**10)": "characters",
    "x = 'aaaa'.replace('a', 'a' * 5000000)": "characters",
    "x = f\"{'':>3000000000}\"": "3,000,000,000 characters",
    "n = 3000000000\nx = f'{1:0{n}d}'": "3,000,000,000 characters",
    "x = '%3000000000d' % 1": "3,000,000,000 characters",
    "x = '%*d' % (3000000000, 1)": "3,000,000,000 characters",
    "x = '%s'\nx %= '1'\nx = b'%3000000000d' % (1,)": "3,000,000,000 characters",
}
EATER = "big = []\nwhile True:\n    big.append('x' * 1000)"


@pytest.fixture
def env():
    return RestrictedEnvironment(script_helpers(WorkCalendar()), QUICK)


@pytest.mark.parametrize("script", ENDLESS)
def test_endless_and_huge_scripts_are_stopped_with_a_clear_error(env, script):
    context = {"case_no": "TS1"}
    with pytest.raises((ScriptError, RecursionError), match=ENDLESS[script]):
        env.execute(script, context)
    assert not any(key.startswith("_") or callable(value) for key, value in context.items()), "no guard leaks"


def test_a_script_eating_memory_is_stopped_at_the_ceiling():
    """The ceiling is the process's resident memory growing by ``memory_mb``. Memory the process freed
    earlier (a long test run) is reused first without growing it, so the CPU budget here is generous:
    the memory ceiling, not the clock, must be what stops the script, however busy the machine."""
    env = RestrictedEnvironment(script_helpers(WorkCalendar()), Limits(cpu_seconds=60, memory_mb=64))
    with pytest.raises(ScriptError, match="64 MB of memory"):
        env.execute(EATER, {})


@pytest.mark.parametrize("expression", ["[0] * 10**9", "sum(i for i in range(10**7) for j in range(10))",
                                        "(lambda f: f(f))(lambda f: f(f))"])
def test_endless_and_huge_expressions_are_stopped(env, expression):
    with pytest.raises((ScriptError, RecursionError)):
        env.evaluate(expression, {})


def test_the_budget_holds_off_the_main_thread(env):
    """A signal alarm would not: the timer loop and web requests run scripts in other threads."""
    outcome = []

    def run():
        try:
            env.execute("while True:\n    pass", {})
        except ScriptError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and "CPU time" in outcome[0]


@pytest.mark.parametrize("name", ["BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"])
def test_process_stopping_exceptions_are_not_script_builtins(env, name):
    assert name not in BUILTINS
    with pytest.raises(NameError, match=name):
        env.execute(f"raise {name}", {})


@pytest.mark.parametrize("exc", [SystemExit, KeyboardInterrupt, GeneratorExit, BaseException])
def test_a_base_exception_reaching_a_script_becomes_a_script_error(exc):
    def helper():
        raise exc("stop")

    env = RestrictedEnvironment({"helper": helper}, QUICK)
    with pytest.raises(ScriptError, match=exc.__name__):
        env.execute("x = helper()", {})
    with pytest.raises(ScriptError, match=exc.__name__):
        env.evaluate("helper()", {})


def test_ordinary_scripts_keep_working_under_the_guards(env):
    context = {"items": [1, 2, 3], "room": "3-1201"}
    env.execute("total = sum(i * 2 for i in items)\nline = '-' * 20\nsquares = [i ** 2 for i in items]\n"
                "names = ['a'] * 3 + ['b']\nlabel = room + ' ' + str(total)\nx = 1\nx *= 5\n"
                "def double(v):\n    return v + v\nd = double(21)\nwide = room.ljust(10)\n", context)
    assert (context["total"], context["line"], context["squares"]) == (12, "-" * 20, [1, 4, 9])
    assert context["names"] == ["a", "a", "a", "b"] and context["label"] == "3-1201 12"
    assert (context["x"], context["d"], context["wide"]) == (5, 42, "3-1201    ")
    env.execute("fmt = 'PT%dH'\na = 'PT%dH' % 24\nb = fmt % 48\nc = '%-6s|%*d' % (room, 4, 7)\nd = 17 % 5\n"
                "e = total % 5\nw = 8\nf = f'{room:>{w}}|{total:05.1f}|{total:,}'\ng = '%(n)s' % {'n': 1}\n", context)
    assert [context[k] for k in "abcdefg"] == ["PT24H", "PT48H", "3-1201|   7", 2, 2, "  3-1201|012.0|12", "1"]


def test_settings_carry_the_budget_and_refuse_nonsense():
    settings = Settings.from_env({"SCRIPT_CPU_SECONDS": "0.5", "SCRIPT_MEMORY_MB": "128"})
    assert (settings.script_cpu_seconds, settings.script_memory_mb) == (0.5, 128)
    assert (Settings().script_cpu_seconds, Settings().script_memory_mb) == (2.0, 256)
    for bad in ({"SCRIPT_CPU_SECONDS": "forever"}, {"SCRIPT_CPU_SECONDS": "0"}, {"SCRIPT_MEMORY_MB": "1"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Settings.from_env(bad)


# --- in running cases: the step that ran the script returns normally, the case has an incident ----------------

def _variant(session, packages_dir, old: bytes, new: bytes):
    own = {p.name: p.read_bytes() for p in (packages_dir / "service_request").iterdir()}
    assert old in own["service_request.bpmn"]
    own["service_request.bpmn"] = own["service_request.bpmn"].replace(old, new)
    package = assemble(own, resolver=lambda key: load_folder(packages_dir / key))
    return store_version(session, package).version


def _case_at_handle(session, prop):
    case = start_instance(session, prop, "service_request", {"resident": "李四", "room": "5-302"}, user="fd1")
    [register] = session.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).all()
    complete_task(session, register, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")
    session.commit()
    return case


@pytest.fixture
def quick_sessions(db_engine, session_factory):
    """Sessions whose settings give scripts 0.2 s of CPU (the test database is the fixture's)."""
    return make_session_factory(db_engine, settings=Settings(script_cpu_seconds=0.2, script_memory_mb=64))


def test_an_endless_script_in_a_step_becomes_an_incident_and_the_request_returns(session, packages_dir,
                                                                                   quick_sessions):
    version = _variant(session, packages_dir, b"fee_total = sum(items) if items else 0",
                       b"fee_total = 0\nwhile True:\n    fee_total += 1")
    deploy(session, version, [create_property(session, "P001", "翠湖花园")])
    session.commit()
    with quick_sessions() as quick:
        case = start_instance(quick, "P001", "service_request", {"resident": "张三", "room": "1-101"})
        quick.commit()
        [task] = quick.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).all()
        complete_task(quick, task, {"urgency": "normal", "content": "漏水", "items": []}, user="fd1")
        quick.commit()
        quick.refresh(case)
        assert case.status == InstanceStatus.ERROR
        incident = quick.scalars(select(Incident).where(Incident.instance_id == case.id)).one()
        assert incident.task_name == "summarise" and "CPU time" in incident.message


def test_a_script_raising_system_exit_at_one_property_does_not_stop_another_propertys_timer(
        session, session_factory, packages_dir, monkeypatch):
    """The sweep runs in the timer loop's thread; P002's reminder raises SystemExit, P001's fires on time."""
    from worker.timerloop import TimerLoop

    real_notify = environment.notify

    def notify(to, message):
        if to == "stop":
            raise SystemExit(3)
        return real_notify(to, message)

    monkeypatch.setattr(environment, "notify", notify)
    monkeypatch.setattr(environment, "_engines", LockedLRU(16))  # fresh engines see the patch; restored after
    normal = _variant(session, packages_dir, b"reminded = True", b"reminded = True ")
    stopping = _variant(session, packages_dir, b'notify("engineering", "', b'notify("stop", "')
    deploy(session, normal, [create_property(session, "P001", "翠湖花园")])
    deploy(session, stopping, [create_property(session, "P002", "滨江苑")])
    session.commit()
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=CST), tick=False) as clock:
        bad = _case_at_handle(session, "P002")
        good = _case_at_handle(session, "P001")
        clock.move_to(datetime(2026, 11, 24, 9, 0, 1, tzinfo=CST))  # both reminders are due
        session.rollback()  # on SQLite an open transaction would hold the write lock
        loop = TimerLoop(session_factory, Settings())
        reports = []
        thread = threading.Thread(target=lambda: reports.append(loop.sweep()))
        thread.start()
        thread.join(timeout=120)
        assert not thread.is_alive() and reports, "the sweep returned normally"
        session.expire_all()
        assert session.get(type(good), good.id).status == InstanceStatus.RUNNING
        [firing] = session.scalars(select(TimerFiring).where(TimerFiring.instance_id == good.id)).all()
        assert firing.task_name == "handle_reminder" and firing.lateness_seconds == pytest.approx(1, abs=1)
        assert session.get(type(bad), bad.id).status == InstanceStatus.ERROR
        incident = session.scalars(select(Incident).where(Incident.instance_id == bad.id)).one()
        assert incident.task_name == "remind" and "SystemExit" in incident.message
        # a later sweep leaves the failed case alone and goes on working
        session.rollback()
        assert loop.sweep().failed == []
    assert datetime.now(UTC) > datetime(2026, 11, 24, tzinfo=UTC)
