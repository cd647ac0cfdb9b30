"""Benchmark: the inbox with many open tasks, the engine query and the whole page.

Seeds one deployed process and N open tasks (default 10,000) spread over two
properties and three roles, with due times from overdue to next week. The cases
are written straight into the tables a running system fills (instances and the
``human_tasks`` projection): the inbox reads nothing else, and starting 10,000
real cases would only make the set-up slow. Then it times, as the engineering
user of one property (about a sixth of the tasks):

- the engine's ``inbox()`` query: first page, a search, the overdue filter, page 50;
- the whole inbox page (Flask test client: query, filter lists, rendering).

Prints the median and 95th-percentile milliseconds of each.
Usage: python bench/bench_inbox.py [--tasks 10000] [--runs 50] [--postgres URL | --no-postgres]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from engine import (  # noqa: E402  # noqa: E402  # noqa: E402
    HumanTask,
    InboxQuery,
    Instance,
    User,
    create_property,
    create_user,  # noqa: E402
    deploy,  # noqa: E402
    inbox,
    load_folder,  # noqa: E402
    make_engine,
    make_session_factory,
    store_version,  # noqa: E402
    upgrade,  # noqa: E402
)

LANES = [("register", "登记请求", "front_desk"), ("handle", "上门处理", "engineering"),
         ("supervisor_review", "超时跟进", "cs_supervisor")]


def seed(sessions, n: int) -> None:
    with sessions() as s:
        version = store_version(s, load_folder(ROOT / "tests/fixtures/packages/service_request")).version
        props = [create_property(s, "P001", "翠湖花园"), create_property(s, "P002", "滨江苑")]
        deploy(s, version, props)
        create_user(s, "eng1", "工程", "bench-password", roles={"P001": ["engineering"]})
        now = datetime.now(UTC)
        instances, tasks = [], []
        for i in range(n):
            prop = props[i % 2]
            name, title, lane = LANES[(i // 2) % 3]
            created = now - timedelta(hours=i % 72)
            case_no = f"SR20261123-{i + 1:06d}"
            summary = {"resident": f"业主{i}", "room": f"{i % 30 + 1}栋{i % 2000:04d}"}
            instances.append(dict(id=i + 1, case_no=case_no, property_id=prop.id, process_id=version.process_id,
                                  version_id=version.id, status="running", current_step=title, summary=summary,
                                  state="{}", created_at=created, updated_at=created, lock_version=1))
            tasks.append(dict(id=str(uuid.uuid4()), instance_id=i + 1, property_id=prop.id,
                              process_key="service_request", case_no=case_no, task_name=name, title=title,
                              lane=lane, form=None, created_at=created,
                              due_at=now + timedelta(minutes=(i * 37) % (10 * 24 * 60) - 24 * 60),
                              assignee="eng1" if i % 97 == 0 else None,
                              search_text=" ".join([case_no, *summary.values()])))
        conn = s.connection()
        for start in range(0, n, 2000):
            conn.execute(insert(Instance.__table__), instances[start:start + 2000])
            conn.execute(insert(HumanTask.__table__), tasks[start:start + 2000])
        s.commit()


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def bench(url: str, n: int, runs: int) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    sessions = make_session_factory(engine)
    seed(sessions, n)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    with sessions() as s:
        user = s.query(User).filter_by(username="eng1").one()
        s.commit()
        now = datetime.now(UTC)
        visible = inbox(s, user, InboxQuery(view="team"), now).total
        s.commit()
        print(f"\n{engine.dialect.name}: {n} open tasks, {visible} in eng1's roles at P001")
        for label, query in [("first page", InboxQuery()), ("search '1栋0'", InboxQuery(search="1栋0")),
                             ("overdue", InboxQuery(overdue=True)), ("page 50", InboxQuery(page=50))]:
            def run(q=query):
                inbox(s, user, q, datetime.now(UTC))
                s.commit()
            med, p95 = timed(run, runs)
            print(f"  inbox() {label:<14} median {med:6.1f} ms   p95 {p95:6.1f} ms")

    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOGIN_RATE_LIMIT": "100000 per minute"})
    client = app.test_client()
    client.post("/login", data={"username": "eng1", "password": "bench-password"})
    for label, path in [("inbox page", "/"), ("page + search", "/?q=1栋0"), ("page, overdue", "/?due=overdue")]:
        def get(p=path):
            assert client.get(p).status_code == 200
        med, p95 = timed(get, runs)
        print(f"  GET {label:<18} median {med:6.1f} ms   p95 {p95:6.1f} ms")
    app.extensions["pflow_engine"].dispose()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench",
                        help="PostgreSQL URL (its public schema is dropped)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench.db", args.tasks, args.runs)
    if not args.no_postgres:
        bench(args.postgres, args.tasks, args.runs)


if __name__ == "__main__":
    main()
