"""Benchmark: time per user-task completion, SpiffWorkflow in memory vs the persisted engine.

Runs the same representative diagram (tests/fixtures/packages/service_request:
user tasks, a gateway, a DMN table, a script, a call activity, two boundary
timers) in one run:

- in memory: SpiffWorkflow alone (same restricted script engine), complete + engine steps;
- persisted: ``complete_task`` + commit on SQLite (a file) and on PostgreSQL, with the
  warm workflow cache (normal operation) and cold (every step deserializes from the row).

Prints the median milliseconds per completion (wall clock, and CPU time of this process)
and the ratios persisted / in-memory.
``--phases`` also prints where a persisted completion's CPU goes (row lock, SpiffWorkflow, audit, save and its
parts, commit, the rest), on each database.
Usage: python bench/bench_engine.py [--cases 200] [--postgres URL | --no-postgres] [--phases]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import fresh_schema  # noqa: E402 - bench/ is on the path as the script's folder
from SpiffWorkflow import TaskState  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from sqlalchemy import select  # noqa: E402

from engine import (  # noqa: E402
    HumanTask,  # noqa: E402
    complete_task,
    create_property,
    deploy,  # noqa: E402
    load_folder,  # noqa: E402
    make_engine,
    make_session_factory,
    start_instance,  # noqa: E402
    store_version,  # noqa: E402
    upgrade,  # noqa: E402
)
from engine.cases import workflows  # noqa: E402
from engine.library.specs import parse_files  # noqa: E402
from engine.scripting.environment import script_engine_for  # noqa: E402

PACKAGE = ROOT / "tests" / "fixtures" / "packages" / "service_request"
START = {"resident": "张三", "room": "3-1201"}
STEPS = {
    "register": {"urgency": "urgent", "content": "水管漏水", "items": [20, 35]},
    "handle": {"result": "已修复", "finished_on": "2026-11-23"},
    "callback": {"rating": "A"},
}


class _Prop:
    id, timezone, extra_days_off, extra_workdays = -1, "Asia/Shanghai", [], []


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t0: tuple[float, float]) -> tuple[float, float]:
    """(wall-clock, CPU) seconds since ``t0``: CPU time of this process is steadier on a shared VM,
    and for in-memory and SQLite it is the whole cost (PostgreSQL's own work is not in it)."""
    wall, cpu = _now()
    return wall - t0[0], cpu - t0[1]


def _in_memory() -> tuple:
    """The fixture's specs, parsed once, and the restricted script engine."""
    package = load_folder(PACKAGE, forms_dir=ROOT / "forms")
    return (*parse_files(package.files, package.process_id), script_engine_for(_Prop()))


def _started(spec, subprocess_specs, engine) -> BpmnWorkflow:
    """A new case in memory, run to its first user task."""
    wf = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
    for task in wf.get_tasks(state=TaskState.READY):
        task.data.update(START)
    wf.do_engine_steps()
    return wf


def bench_memory(cases: int) -> list[tuple[float, float]]:
    spec, subprocess_specs, engine = _in_memory()
    timings = []
    for _ in range(cases):
        wf = _started(spec, subprocess_specs, engine)
        while not wf.is_completed():
            [task] = wf.get_tasks(state=TaskState.READY, manual=True)
            t0 = _now()
            task.data.update(STEPS[task.task_spec.name])
            task.run()
            wf.do_engine_steps()
            timings.append(_since(t0))
    return timings


def bench_memory_json(cases: int) -> list[tuple[float, float]]:
    """In memory, but each completion also saves the workflow to JSON and loads it back (stock serializer).

    Context, not the baseline: the least any engine that keeps workflows between requests must add.
    """
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    spec, subprocess_specs, engine = _in_memory()
    timings = []
    for _ in range(cases):
        wf = _started(spec, subprocess_specs, engine)
        state = serializer.serialize_json(wf)
        while True:
            t0 = _now()
            wf = serializer.deserialize_json(state)
            wf.script_engine = engine
            if wf.is_completed():
                break
            [task] = wf.get_tasks(state=TaskState.READY, manual=True)
            task.data.update(STEPS[task.task_spec.name])
            task.run()
            wf.do_engine_steps()
            state = serializer.serialize_json(wf)
            timings.append(_since(t0))
    return timings


def bench_persisted(url: str, cases: int, cold: bool) -> list[tuple[float, float]]:
    engine = make_engine(url)
    fresh_schema(engine)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        version = store_version(s, load_folder(PACKAGE, forms_dir=ROOT / "forms")).version
        deploy(s, version, [create_property(s, "B001", "基准小区")])
        s.commit()
    timings = []
    for _ in range(cases):
        with sessions() as s:
            case_id = start_instance(s, "B001", "service_request", START, user="bench").id
            s.commit()
        while True:
            with sessions() as s:  # a new session per step, as each web request has
                task = s.scalars(select(HumanTask).where(HumanTask.instance_id == case_id)).first()
                s.commit()
            if task is None:
                break
            if cold:
                workflows._cache.clear()
            t0 = _now()
            with sessions() as s:
                complete_task(s, task.id, STEPS[task.task_name], user="bench")
                s.commit()
            timings.append(_since(t0))
    engine.dispose()
    return timings


# What a persisted completion spends its CPU on, outermost first; (label, module, attribute, within).
# ``within``: a part of the phase named (counted there too, shown indented).
PHASES = [
    ("row lock: BEGIN, one SELECT of the case and the task, their ORM objects", "workflows", "lock_instance_of_task",
     None),
    ("workflow taken from the cache", "workflows", "load_workflow", None),
    ("the user task run (SpiffWorkflow)", "Task", "run", None),
    ("engine steps (SpiffWorkflow) and the step's own bookkeeping", "Step", "run", None),
    ("SpiffWorkflow's do_engine_steps", "BpmnWorkflow", "do_engine_steps", "step"),
    ("audit event (INSERT)", "history", "record", None),
    ("save", "workflows", "save", None),
    ("state to JSON (unfinished tasks converted, orjson)", "workflows", "dump_state", "save"),
    ("projection difference (human_tasks, timers)", "projection", "apply", "save"),
    ("instance UPDATE (versioned)", "workflows", "_write_instance", "save"),
    ("COMMIT (SQLAlchemy session and the database)", "Session", "commit", None),
]


def bench_phases(url: str, cases: int, warm_url: str | None = None) -> None:
    """Per-completion CPU of each phase of ``complete_task`` + commit (warm cache), and what is left.
    ``warm_url``: where the warm-up runs (a SQLite file is seeded once; PostgreSQL's schema is made anew)."""
    from collections import Counter

    from SpiffWorkflow.task import Task
    from sqlalchemy.orm import Session

    from engine.cases import history, projection, step

    owners = {"workflows": workflows, "Task": Task, "Step": step.Step, "BpmnWorkflow": BpmnWorkflow, "history": history,
              "projection": projection, "Session": Session}
    spent: Counter[str] = Counter()
    active: list[str] = []  # the phases being timed now, outermost first
    timing = [False]

    def wrap(label: str, owner, name: str, within: str | None) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            # counted when complete_task runs, once (not again inside itself), and not inside another top phase
            count = timing[0] and label not in active and (within is not None or not active)
            if not count:
                return original(*args, **kwargs)
            active.append(label)
            t0 = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - t0
                active.pop()
        setattr(owner, name, timed)

    saved = [(owners[o], a, getattr(owners[o], a)) for _, o, a, _ in PHASES]
    for label, owner, name, within in PHASES:
        wrap(label, owners[owner], name, within)
    original_complete, original_commit = globals()["complete_task"], Session.commit  # the latter timed already

    def complete(*args, **kwargs):  # timing from here to the end of the commit that follows
        timing[0] = True
        return original_complete(*args, **kwargs)

    def commit(self):
        try:
            return original_commit(self)
        finally:
            timing[0] = False

    try:
        globals()["complete_task"] = complete
        Session.commit = commit  # type: ignore[method-assign]
        bench_persisted(warm_url or url, 20, cold=False)  # warm-up
        spent.clear()
        timings = bench_persisted(url, cases, cold=False)
    finally:
        globals()["complete_task"] = original_complete
        for owner, name, original in saved:
            setattr(owner, name, original)
    n = len(timings)
    whole = statistics.mean(t[1] for t in timings) * 1000
    print(f"\nwhere a persisted completion's CPU goes ({url.split(':')[0]}, warm cache, mean of {n}; "
          f"the in-memory row's SpiffWorkflow work is the two SpiffWorkflow lines):")
    top = 0.0
    for label, _owner, _name, within in PHASES:
        ms = spent[label] * 1000 / n
        if within is None:
            top += ms
        print(f"  {'  ' if within else ''}{label:<78} {ms:6.3f} ms")
    print(f"  {'the rest: session, checks (role, holder, impartiality), form validation':<78} {whole - top:6.3f} ms")
    print(f"  {'whole completion':<78} {whole:6.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench",
                        help="PostgreSQL URL; the database is created if missing, its public schema dropped")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--phases", action="store_true", help="also: where a persisted completion's CPU goes")
    args = parser.parse_args()

    bench_memory(20)  # warm-up: imports, compiled-expression caches
    rows = [("in memory (SpiffWorkflow alone)", bench_memory(args.cases)),
            ("  context: in memory + JSON load/save per step", bench_memory_json(args.cases))]
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("persisted, SQLite", bench_persisted(f"sqlite:///{tmp}/warm.db", args.cases, cold=False)))
        rows.append(("persisted, SQLite, cold (deserialize every step)",
                     bench_persisted(f"sqlite:///{tmp}/cold.db", args.cases, cold=True)))
    if not args.no_postgres:
        rows.append(("persisted, PostgreSQL", bench_persisted(args.postgres, args.cases, cold=False)))
        rows.append(("persisted, PostgreSQL, cold", bench_persisted(args.postgres, args.cases, cold=True)))

    base_wall = statistics.median(t[0] for t in rows[0][1])
    base_cpu = statistics.median(t[1] for t in rows[0][1])
    print(f"{args.cases} cases x {len(STEPS)} user tasks; ms per task completion: wall-clock median and p90, "
          f"CPU time of this process median; ratios against the in-memory row")
    print(f"{'mode':50} {'wall':>7} {'p90':>7} {'ratio':>6} {'cpu':>7} {'ratio':>6}")
    for name, timings in rows:
        wall = [t[0] for t in timings]
        med, p90 = statistics.median(wall), statistics.quantiles(wall, n=10)[-1]
        cpu = statistics.median(t[1] for t in timings)
        print(f"{name:50} {med * 1000:7.2f} {p90 * 1000:7.2f} {med / base_wall:6.2f} {cpu * 1000:7.2f} "
              f"{cpu / base_cpu:6.2f}")
    if args.phases:
        with tempfile.TemporaryDirectory() as tmp:
            bench_phases(f"sqlite:///{tmp}/phases.db", args.cases, f"sqlite:///{tmp}/warm-up.db")
        if not args.no_postgres:
            bench_phases(args.postgres, args.cases)


if __name__ == "__main__":
    main()
