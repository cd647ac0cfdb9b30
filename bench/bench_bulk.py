"""Benchmark: HQ-scale rollout — deploy a version to 500 properties, dry-run and migrate 10,000 running cases.

Seeds N properties and M running cases of the fixture process (each waiting at
its first or second user task, with boundary timers), stores a v2 with an added
step, then times, in one run:

- deploying v2 to every property (one transaction, all or nothing);
- the dry run over every running case;
- migrating every case in bulk (``migrate_cases``: chunks locked and committed together);
- baseline: migrating a sample one case per transaction (``migrate_case`` + commit), per case.

Usage: python bench/bench_bulk.py [--properties 500] [--cases 10000] [--postgres URL | sqlite]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import fresh_schema  # noqa: E402 - bench/ is on the path as the script's folder
from sqlalchemy import insert, select  # noqa: E402

from engine import (  # noqa: E402  # noqa: E402  # noqa: E402
    HumanTask,
    Instance,
    Property,
    check_cases,
    complete_task,
    deploy,  # noqa: E402
    make_engine,
    make_session_factory,
    migrate_case,
    migrate_cases,
    start_instance,  # noqa: E402
    store_version,  # noqa: E402
    upgrade,  # noqa: E402
)
from engine.library.package import assemble, load_folder  # noqa: E402

PACKAGES = ROOT / "tests" / "fixtures" / "packages"
CHECK = ('<bpmn:userTask id="check" name="现场核实"><bpmn:incoming>f_register</bpmn:incoming>'
         '<bpmn:outgoing>f_check</bpmn:outgoing></bpmn:userTask>\n')
EDITS = [
    ('<bpmn:flowNodeRef>register</bpmn:flowNodeRef>',
     '<bpmn:flowNodeRef>register</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>'),
    ('<bpmn:businessRuleTask id="decide_priority"', CHECK + '<bpmn:businessRuleTask id="decide_priority"'),
    ('<bpmn:incoming>f_register</bpmn:incoming><bpmn:outgoing>f_decided</bpmn:outgoing>',
     '<bpmn:incoming>f_check</bpmn:incoming><bpmn:outgoing>f_decided</bpmn:outgoing>'),
    ('<bpmn:sequenceFlow id="f_register" sourceRef="register" targetRef="decide_priority" />',
     '<bpmn:sequenceFlow id="f_register" sourceRef="register" targetRef="check" />'
     '<bpmn:sequenceFlow id="f_check" sourceRef="check" targetRef="decide_priority" />'),
]


def package(edits=()):
    own = {p.name: p.read_bytes() for p in (PACKAGES / "service_request").iterdir()}
    text_ = own["service_request.bpmn"].decode()
    for old, new in edits:
        text_ = text_.replace(old, new)
    own["service_request.bpmn"] = text_.encode()
    return assemble(own, resolver=lambda key: load_folder(PACKAGES / key))


def timed(label: str, fn, count: int | None = None):
    t0 = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - t0
    rate = f"  ({elapsed / count * 1000:.2f} ms each)" if count else ""
    print(f"{label:58} {elapsed:8.2f} s{rate}", flush=True)
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=500)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300, help="cases migrated one per transaction (baseline)")
    parser.add_argument("--database", default="sqlite", help="'sqlite' (a temporary file) or a PostgreSQL URL "
                                                             "(its public schema is dropped)")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{tmp.name}/bulk.db" if args.database == "sqlite" else args.database
    engine = make_engine(url)
    fresh_schema(engine)
    upgrade(engine)
    sessions = make_session_factory(engine)
    print(f"{engine.dialect.name}: {args.properties} properties, {args.cases} running cases")

    with sessions() as s:
        s.execute(insert(Property), [{"code": f"P{i:04d}", "name": f"小区{i}", "timezone": "Asia/Shanghai",
                                      "extra_days_off": [], "extra_workdays": []} for i in range(args.properties)])
        props = s.scalars(select(Property).order_by(Property.id)).all()
        v1 = store_version(s, package()).version
        deploy(s, v1, props)
        s.commit()
        codes = [p.code for p in props]

    def seed():
        with sessions() as s:
            for i in range(args.cases):
                case = start_instance(s, codes[i % len(codes)], "service_request", {"resident": "张三", "room": "1"})
                if i % 2:  # half the cases a step further, waiting with two boundary timers
                    s.flush()
                    task = s.scalars(select(HumanTask.id).where(HumanTask.instance_id == case.id)).one()
                    complete_task(s, task, {"urgency": "normal", "content": "漏水", "items": []}, user="fd")
                if i % 500 == 499:
                    s.commit()
            s.commit()
    timed("seeding the running cases (not part of the figures)", seed)

    with sessions() as s:
        v2 = store_version(s, package(EDITS), author="owner").version
        s.commit()

    def deploy_all():
        with sessions() as s:
            deploy(s, v2, s.scalars(select(Property)).all(), by="hq")
            s.commit()
    timed(f"deploy v2 to {args.properties} properties (one transaction)", deploy_all, args.properties)

    with sessions() as s:
        ids = list(s.scalars(select(Instance.id).order_by(Instance.id)))
        s.commit()
    sample, rest = ids[:args.sample], ids[args.sample:]

    def dry_run():
        with sessions() as s:
            return check_cases(s, v2)
    checks, _ = timed(f"dry run over {len(ids)} cases", dry_run, len(ids))
    assert all(c.can_move for c in checks), [c for c in checks if not c.can_move][:3]

    def one_by_one():
        with sessions() as s:
            for instance_id in sample:
                migrate_case(s, instance_id, v2, user="owner")
                s.commit()
    _, single = timed(f"baseline: migrate {len(sample)} cases, one transaction each", one_by_one, len(sample))

    def bulk():
        with sessions() as s:
            return migrate_cases(s, v2, rest, user="owner")
    report, many = timed(f"bulk: migrate {len(rest)} cases in chunks of 50", bulk, len(rest))
    assert len(report.moved) == len(rest) and not report.refused
    print(f"bulk per case vs one-by-one per case: {(many / len(rest)) / (single / len(sample)):.2f}")
    print(f"projected for {args.cases} cases in bulk: {many / len(rest) * args.cases:.1f} s")


if __name__ == "__main__":
    main()
