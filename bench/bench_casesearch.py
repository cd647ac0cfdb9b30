"""Benchmark: 工单查询 over many cases — the engine's ``search_cases`` query, newest first, paged by key.

Seeds N cases (default 1,000,000) over ten properties, written straight into ``instances``
(the only table the search reads besides small lookups), three quarters of them closed,
with resident names, phones and rooms in ``search_text`` as ``start_instance`` writes it.
Then it times, as someone who works at two of the properties:

- the first page (newest first), and a page far down by its key;
- a phone number (one case matches); a name (王伟), a surname (王) and a building (1栋), one or two
  characters, through the gram index; a case number;
- running cases only; a registration-date range.

Prints the median and 95th-percentile milliseconds of each.
Usage: python bench/bench_casesearch.py [--cases 1000000] [--runs 20] [--postgres URL | --no-postgres]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import fresh_schema  # noqa: E402 - bench/ is on the path as the script's folder
from sqlalchemy import insert, text  # noqa: E402

from engine.library.package import load_folder  # noqa: E402
from engine.library.rollout import deploy  # noqa: E402
from engine.library.versions import store_version  # noqa: E402
from engine.org.properties import create_property
from engine.storage.database import make_engine, make_session_factory  # noqa: E402
from engine.storage.models import CaseGram, Instance  # noqa: E402
from engine.storage.schema import upgrade  # noqa: E402
from engine.storage.search_grams import grams_of  # noqa: E402
from engine.tasks.case_search import CaseQuery, search_cases  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
START = datetime(2024, 1, 1, tzinfo=UTC)


def seed(sessions, n: int) -> list[int]:
    with sessions() as s:
        version = store_version(s, load_folder(ROOT / "tests/fixtures/packages/service_request")).version
        props = [create_property(s, f"P{i:03d}", f"项目{i}") for i in range(1, 11)]
        deploy(s, version, props)
        s.commit()
        conn, batch, grams = s.connection(), [], []
        for i in range(n):
            created = START + timedelta(minutes=i)  # about two years of cases
            case_no = f"SR{created:%Y%m%d}-{i + 1:07d}"
            summary = {"resident": f"{SURNAMES[i % 20]}{'伟芳娜敏静'[i % 5]}{i % 97}",
                       "room": f"{i % 30 + 1}栋{i % 2000:04d}", "phone": f"13{i:09d}"}
            batch.append(dict(id=i + 1, case_no=case_no, property_id=props[i % 10].id, process_id=version.process_id,
                              version_id=version.id, status="running" if i % 4 == 0 else "completed",
                              current_step=None, summary=summary, state="{}", created_at=created,
                              updated_at=created, lock_version=1, search_text=" ".join([case_no, *summary.values()])))
            grams.extend({"gram": g, "property_id": props[i % 10].id, "created_at": created, "instance_id": i + 1}
                         for g in grams_of(summary.values()))  # as start_instance writes them
            if len(batch) == 5000:
                conn.execute(insert(Instance.__table__), batch)
                conn.execute(insert(CaseGram.__table__), grams)
                batch, grams = [], []
        if batch:
            conn.execute(insert(Instance.__table__), batch)
            conn.execute(insert(CaseGram.__table__), grams)
        s.commit()
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("ANALYZE instances"))
        else:
            s.execute(text("ANALYZE"))
        s.commit()
        return [p.id for p in props[:2]]


def timed(fn, runs: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run(url: str, n: int, runs: int, fresh_pg: bool) -> dict[str, tuple[float, float]]:
    engine = make_engine(url)
    if fresh_pg:
        fresh_schema(engine)
    upgrade(engine)
    sessions = make_session_factory(engine)
    t = time.perf_counter()
    mine = set(seed(sessions, n))
    print(f"  seeded {n:,} cases in {time.perf_counter() - t:.0f} s", flush=True)
    now = datetime.now(UTC)
    with sessions() as s:
        far = search_cases(s, mine, CaseQuery(limit=25 * 400), now).rows[-1]
    queries = {
        "first page (newest first)": CaseQuery(),
        "page 400, by key": CaseQuery(after=(far.created_at, far.id)),
        "a phone number (1 case)": CaseQuery(text=f"13{(n // 2) // 10 * 10:09d}"),
        "a two-character name (王伟)": CaseQuery(text="王伟"),
        "a one-character surname (王)": CaseQuery(text="王"),
        "a building (1栋)": CaseQuery(text="1栋"),
        "a case number": CaseQuery(text=f"SR{START + timedelta(minutes=n // 30 * 10):%Y%m%d}-{n // 30 * 10 + 1:07d}"),
        "running only": CaseQuery(status="running"),
        "a month's registrations": CaseQuery(since=(START + timedelta(minutes=n // 2)).date(),
                                             until=(START + timedelta(minutes=n // 2, days=30)).date()),
    }
    everywhere = {"HQ: first page, every property": CaseQuery(), "HQ: a surname": CaseQuery(text="王伟"),
                  "HQ: a name nobody has (赵敏0)": CaseQuery(text="赵敏0")}
    results = {}
    with sessions() as s:
        for name, query in queries.items():
            rows = search_cases(s, mine, query, now).rows
            results[name] = timed(lambda q=query: search_cases(s, mine, q, now), runs)
            print(f"  {name:32s} {results[name][0]:8.1f} ms median {results[name][1]:8.1f} ms p95 ({len(rows)} rows)",
                  flush=True)
        for name, query in everywhere.items():
            rows = search_cases(s, None, query, now).rows
            results[name] = timed(lambda q=query: search_cases(s, None, q, now), runs)
            print(f"  {name:32s} {results[name][0]:8.1f} ms median {results[name][1]:8.1f} ms p95 ({len(rows)} rows)",
                  flush=True)
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite")
            run(f"sqlite:///{tmp}/bench.db", args.cases, args.runs, fresh_pg=False)
    if not args.no_postgres:
        print("PostgreSQL")
        run(args.postgres, args.cases, args.runs, fresh_pg=True)


if __name__ == "__main__":
    main()
