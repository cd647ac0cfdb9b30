"""Benchmark: the promise boards at scale — HQ's board over 500 properties with 1M cases behind it.

Seeds P properties (default 500) and N cases (default 1,000,000) spread over 13 months,
written straight into the tables a running system fills: ``instances`` and the KPI facts
(``figure_facts``, about three counted items a case: a repair's arrival promise, its
rating and its record; a complaint's handling, cause and rating). The monthly roll-ups
are then built from the facts in one ``INSERT … SELECT … GROUP BY`` (what
``rollup.recompute_months`` writes, for every pair at once). Then it times:

- ``months_figures`` for every property, this month and last, the HQ table's columns (its numbers);
- ``company_months`` over 12 months (the HQ trend chart);
- the whole HQ page and one property's page through the Flask test client (sync, query, rendering);
- ``rollup.sync`` after one case moved (the incremental path).

Prints the median and 95th-percentile milliseconds of each. Target: the HQ board ≤ 200 ms.
Usage: python bench/bench_figures.py [--properties 500] [--cases 1000000] [--runs 20]
                                     [--postgres URL | --no-postgres] [--no-sqlite]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import fresh_schema  # noqa: E402 - bench/ is on the path as the script's folder
from sqlalchemy import insert, text  # noqa: E402

from engine.figures import queries, rollup  # noqa: E402
from engine.library.package import load_folder  # noqa: E402
from engine.library.versions import store_version  # noqa: E402
from engine.org.staff import create_user  # noqa: E402
from engine.storage.database import make_engine, make_session_factory  # noqa: E402
from engine.storage.models import AuditEvent, FigureFact, FigureSync, Instance, Property  # noqa: E402
from engine.storage.schema import upgrade  # noqa: E402
from webapp.figures import HQ_COLUMNS  # noqa: E402

MONTHS = [f"{2025 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(13)]  # 2025-11 .. 2026-11
CHUNK = 20_000


def seed(sessions, n_props: int, n_cases: int) -> None:
    with sessions() as s:
        version = store_version(s, load_folder(ROOT / "tests/fixtures/packages/service_request")).version
        s.execute(insert(Property.__table__), [
            {"id": i + 1, "code": f"P{i + 1:03d}", "name": f"物业项目{i + 1:03d}", "timezone": "Asia/Shanghai",
             "extra_days_off": [], "extra_workdays": [], "created_at": datetime.now(UTC)}
            for i in range(n_props)])
        create_user(s, "hq", "总部", "bench-password", is_hq=True)
        create_user(s, "mgr1", "经理", "bench-password", roles={"P001": ["manager"]})
        s.commit()
        conn = s.connection()
        t0 = time.perf_counter()
        for start in range(0, n_cases, CHUNK):
            instances, facts = [], []
            for i in range(start, min(start + CHUNK, n_cases)):
                prop = i % n_props + 1
                month = MONTHS[(i // n_props) % len(MONTHS)]
                day = date.fromisoformat(f"{month}-{i % 28 + 1:02d}")
                at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
                instances.append(dict(id=i + 1, case_no=f"BX{i + 1:09d}", property_id=prop,
                                      process_id=version.process_id, version_id=version.id, status="completed",
                                      summary={}, state="{}", created_at=at, updated_at=at, lock_version=1))
                common = {"instance_id": i + 1, "property_id": prop, "on_day": day, "month": month, "counted": 1}
                if i % 2:
                    facts += [{**common, "kpi": "repair_timeliness", "dim": "arrive", "hit": int(i % 19 != 0)},
                              {**common, "kpi": "satisfaction", "dim": "", "hit": int(i % 11 != 0)},
                              {**common, "kpi": "archive", "dim": "", "hit": int(i % 53 != 0)}]
                else:
                    facts += [{**common, "kpi": "complaint_handling", "dim": "", "hit": int(i % 7 != 0)},
                              {**common, "kpi": "complaint_cause", "dim": ("service", "external")[i % 4 // 2],
                               "hit": 1},
                              {**common, "kpi": "satisfaction", "dim": "", "hit": int(i % 13 != 0)}]
            conn.execute(insert(Instance.__table__), instances)
            conn.execute(insert(FigureFact.__table__), facts)
            s.commit()
            conn = s.connection()
        print(f"  seeded {n_cases} cases and their facts in {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        conn.execute(text("INSERT INTO figure_months (property_id, month, kpi, dim, counted, hit) "
                          "SELECT property_id, month, kpi, dim, SUM(counted), SUM(hit) FROM figure_facts "
                          "GROUP BY property_id, month, kpi, dim"))
        s.merge(FigureSync(id=1, last_event_id=0))
        s.commit()
        print(f"  built the roll-ups in {time.perf_counter() - t0:.1f} s")


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def bench(url: str, n_props: int, n_cases: int, runs: int) -> None:
    engine = make_engine(url)
    fresh_schema(engine)
    upgrade(engine)
    sessions = make_session_factory(engine)
    print(f"\n{engine.dialect.name}: {n_props} properties, {n_cases} cases")
    seed(sessions, n_props, n_cases)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    month, months = MONTHS[-1], MONTHS[-2:]
    with sessions() as s:
        def hq_numbers():
            queries.months_figures(s, months, None, keys=HQ_COLUMNS)  # as the HQ page asks: every property
            s.commit()

        def company_trend():
            queries.company_months(s, MONTHS[-12:])
            s.commit()

        def one_case_moved():
            s.execute(insert(AuditEvent.__table__), [{"instance_id": 1, "kind": "commented", "data": {},
                                                      "at": datetime.now(UTC)}])
            rollup.sync(s)
            s.commit()
        for label, fn in [(f"months_figures, {n_props} properties x 2 months", hq_numbers),
                          ("company_months, 12 months", company_trend),
                          ("sync after one case moved", one_case_moved)]:
            med, p95 = timed(fn, runs)
            print(f"  {label:<44} median {med:7.1f} ms   p95 {p95:7.1f} ms")

    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOGIN_RATE_LIMIT": "100000 per minute"})
    for user, label, path in [("hq", f"GET HQ board ({n_props} rows, chart data)", f"/figures/hq?month={month}"),
                              ("mgr1", "GET one property's board", f"/figures/p/P001?month={month}")]:
        client = app.test_client()
        client.post("/login", data={"username": user, "password": "bench-password"})

        def get(p=path, c=client):
            assert c.get(p).status_code == 200
        med, p95 = timed(get, runs)
        print(f"  {label:<44} median {med:7.1f} ms   p95 {p95:7.1f} ms")
    app.extensions["pflow_engine"].dispose()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=500)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench",
                        help="PostgreSQL URL (its public schema is dropped)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            bench(f"sqlite:///{tmp}/bench.db", args.properties, args.cases, args.runs)
    if not args.no_postgres:
        bench(args.postgres, args.properties, args.cases, args.runs)


if __name__ == "__main__":
    main()
