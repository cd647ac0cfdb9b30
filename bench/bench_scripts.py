"""Benchmark: what bounding diagram scripts costs (CPU budget ticks, size guards), against unbounded.

Baseline, measured in the same run: the same RestrictedPython environment as before the
bounds (RestrictedPython's own policy, no ticks, no guards, no budget). Three workloads:

- a task completion in memory: the fixture ``service_request`` (a DMN table, a script,
  gateway conditions, timer expressions) run from start to end, SpiffWorkflow included;
- every business script and condition of that diagram alone, run 2,000 times;
- a worst case: a script that does nothing but loop and add (10,000 iterations).

Prints median microseconds (CPU time of this process) and the ratio bounded / unbounded;
the target for the first two is under 1.10.
Usage: python bench/bench_scripts.py [--rounds 15]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from RestrictedPython import compile_restricted_eval, compile_restricted_exec  # noqa: E402
from SpiffWorkflow import TaskState  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment  # noqa: E402

from engine import load_folder  # noqa: E402
from engine.caching import LockedLRU  # noqa: E402
from engine.library.specs import parse_files  # noqa: E402
from engine.org.calendar import WorkCalendar  # noqa: E402
from engine.scripting import sandbox  # noqa: E402
from engine.scripting.environment import script_helpers  # noqa: E402

PACKAGE = ROOT / "tests" / "fixtures" / "packages" / "service_request"
START = {"resident": "张三", "room": "3-1201"}
STEPS = {"register": {"urgency": "urgent", "content": "水管漏水", "items": [20, 35]},
         "handle": {"result": "已修复", "finished_on": "2026-11-23"}, "callback": {"rating": "A"}}
SCRIPTS = ["fee_total = sum(items) if items else 0\ntitle = f'{room} {content}'", "flags = ['急修']",
           "reminded = True\ncount = len(items) * 2"]
EXPRESSIONS = ["urgency == 'emergency'", "rating != 'C'", "'PT%dH' % deadline_hours", "fee_total > 100"]
LOOP = "total = 0\nfor i in range(10000):\n    total += i * 2"


class Unbounded(TaskDataEnvironment):
    """The environment as it was before the bounds: restricted, unbudgeted, unguarded."""

    def __init__(self, helpers):
        super().__init__(dict(helpers))
        self._cache: LockedLRU = LockedLRU(4096)

    def _code(self, source, mode):
        compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        return self._cache.get_or_make((mode, source),
                                       lambda: compiler(source.strip() if mode == "eval" else source).code)

    def evaluate(self, expression, context, external_context=None):
        namespace = {**sandbox.GUARDS, **self.globals, **(external_context or {}), **context}
        return eval(self._code(expression, "eval"), namespace)  # noqa: S307

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        injected = {**sandbox.GUARDS, **self.globals, **(external_context or {})}
        context.update(injected)
        try:
            exec(self._code(script, "exec"), context)  # noqa: S102
        finally:
            for key in [k for k in context if k in injected or k.startswith("_") or callable(context[k])]:
                context.pop(key)
        return True


def _cpu_us(fn, repeat: int) -> float:
    t0 = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - t0) / repeat * 1e6


def _workflow(env, spec, subprocess_specs):
    engine = PythonScriptEngine(environment=env)

    def run():
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(START)
        wf.do_engine_steps()
        while not wf.is_completed():
            [task] = wf.get_tasks(state=TaskState.READY, manual=True)
            task.data.update(STEPS[task.task_spec.name])
            task.run()
            wf.do_engine_steps()
    return run


def _scripts(env):
    data = {"items": [20, 35], "room": "3-1201", "content": "漏水", "urgency": "urgent", "rating": "A",
            "deadline_hours": 24, "fee_total": 55}

    def run():
        for _ in range(2000):
            for script in SCRIPTS:
                env.execute(script, dict(data))
            for expression in EXPRESSIONS:
                env.evaluate(expression, data)
    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    package = load_folder(PACKAGE, forms_dir=ROOT / "forms")
    spec, subprocess_specs = parse_files(package.files, package.process_id)
    helpers = script_helpers(WorkCalendar())
    envs = {"unbounded": Unbounded(helpers), "bounded": sandbox.RestrictedEnvironment(helpers)}
    workloads = {
        "one case start to end, in memory (SpiffWorkflow included)":
            (lambda env: _workflow(env, spec, subprocess_specs), 20),
        "the diagram's scripts and conditions alone (x2000)": (_scripts, 1),
        "worst case: a 10,000-iteration arithmetic loop": (lambda env: lambda: env.execute(LOOP, {}), 5),
    }
    print(f"{'workload':58} {'unbounded µs':>13} {'bounded µs':>11} {'ratio':>6}")
    for name, (make, repeat) in workloads.items():
        runs = {key: make(env) for key, env in envs.items()}
        for run in runs.values():
            run()  # warm the compile caches
        figures: dict[str, list[float]] = {key: [] for key in runs}
        for _ in range(args.rounds):  # interleaved, so a busy neighbour hurts both alike
            for key, run in runs.items():
                figures[key].append(_cpu_us(run, repeat))
        base, bounded = (statistics.median(figures[k]) for k in ("unbounded", "bounded"))
        print(f"{name:58} {base:13.0f} {bounded:11.0f} {bounded / base:6.2f}")


if __name__ == "__main__":
    main()
