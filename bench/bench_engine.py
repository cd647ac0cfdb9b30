"""Benchmark: time per user-task completion, SpiffWorkflow in memory vs the persisted engine.

Runs the same representative diagram (tests/fixtures/packages/service_request:
user tasks, a gateway, a DMN table, a script, a call activity, two boundary
timers) in one run:

- in memory: SpiffWorkflow alone (same restricted script engine), complete + engine steps;
- persisted: ``complete_task`` + commit on SQLite (a file) and on PostgreSQL, with the
  warm workflow cache (normal operation) and cold (every step deserializes from the row).

Prints the median milliseconds per completion (wall clock, and CPU time of this process)
and the ratios persisted / in-memory.
Usage: python bench/bench_engine.py [--cases 200] [--postgres URL | --no-postgres]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench",
                        help="PostgreSQL URL; the database is created if missing, its public schema dropped")
    parser.add_argument("--no-postgres", action="store_true")
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


if __name__ == "__main__":
    main()
