"""Benchmark: the inbox with many open tasks (and, with ``--closed``, years of closed cases), the engine's
queries and the whole page.

Seeds one deployed process and N open tasks (default 10,000) spread over two properties
and three roles, with due times from overdue to next week. The cases are written straight
into the tables a running system fills: ``instances`` (summary, ``search_text``), their
``case_grams`` rows, the ``human_tasks`` projection and a short audit trail (``started``,
and on one case in ten a notice to a role in the last three days, with its ``notices`` row) — starting 100,000 real
cases would only make the set-up slow. Then it times, as head office (sees every task:
the whole property view it lands on), as the engineer of one property (their own view) and as a
supervisor of one property (its whole property, where supervisors land):

- the engine's ``inbox()`` query, the notices (``open_notices``) and the "cases without my
  tasks" search the page runs (``search_cases``, six rows) for a name (王伟, through
  ``case_grams``), a building and room many cases share (1栋0) and one case's phone number;
- the whole inbox page (Flask test client: queries, filter lists, notices, rendering),
  plain and with each search.

``--closed N`` then writes N closed cases (nine in ten completed, the rest cancelled) as
years of work leave them — created over the last three years, each with its summary,
``search_text`` and ``case_grams`` rows and its audit trail (started, two or three
task_completed, a notice to a role, one in twenty an escalation, completed or cancelled),
and notices the two users put away — and times the same
again (the same open tasks), printing both with the ratio closed / none.

``--statements`` prints, for each page, every SQL statement it sends with its time, in both
rounds; ``--explain`` the plan of each one after the closed cases (PostgreSQL: EXPLAIN ANALYZE,
SQLite: EXPLAIN QUERY PLAN).

Prints the median and 95th-percentile milliseconds of each.
``--keep DIR`` keeps the SQLite database; ``--reuse`` then times the kept databases again without
seeding (one round), to try a change on the same data.

Usage: python bench/bench_inbox.py [--tasks 10000] [--closed 0] [--runs 50] [--statements] [--explain]
       [--keep DIR [--reuse]] [--postgres URL | --no-postgres] [--no-sqlite]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import fresh_schema  # noqa: E402 - bench/ is on the path as the script's folder
from sqlalchemy import event, insert, select, text  # noqa: E402

from engine import (  # noqa: E402
    AuditEvent,
    CaseQuery,
    HumanTask,
    InboxQuery,
    Instance,
    NoticeDismissal,
    User,
    create_property,
    create_user,
    deploy,
    inbox,
    load_folder,
    make_engine,
    make_session_factory,
    open_notices,
    search_cases,
    store_version,
    upgrade,
)
from engine.storage.models import CaseGram, RoleNotice, message_key  # noqa: E402
from engine.storage.search_grams import grams_of  # noqa: E402

LANES = [("register", "登记请求", "front_desk"), ("handle", "上门处理", "engineering"),
         ("supervisor_review", "超时跟进", "cs_supervisor")]
NOTICE_TO = ["engineering", "cs_supervisor", "front_desk", "hq", "manager"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PASSWORD = "bench-password"
NOTICE_DAYS = timedelta(days=7)  # as the inbox page (webapp/inbox.py)
BATCH = 5000


def summary_of(i: int) -> dict[str, str]:
    """Case ``i``'s resident, room and phone; cases alternate between the two properties, so the values go by
    ``i // 2``: each property has every name and room, old and new."""
    j = i // 2
    return {"resident": f"{SURNAMES[j % 20]}{'伟芳娜敏静'[j // 20 % 5]}{j % 97}",
            "room": f"{j % 30 + 1}栋{j % 2000:04d}",
            "phone": f"1{3 + j % 7}{(i * 2654435761 + 12345678) % 10 ** 9:09d}"}


class Writer:
    """Rows written in batches straight into the tables (Core executemany), in FK order."""

    TABLES = [Instance, CaseGram, HumanTask, AuditEvent, RoleNotice, NoticeDismissal]

    def __init__(self, conn):
        self.conn = conn
        self.rows: dict = {t: [] for t in self.TABLES}

    def add(self, model, **row) -> None:
        self.rows[model].append(row)
        if model is Instance and len(self.rows[Instance]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for model in self.TABLES:
            if self.rows[model]:
                self.conn.execute(insert(model.__table__), self.rows[model])
                self.rows[model] = []


def audit(w: Writer, instance_id: int, kind: str, at: datetime, **extra) -> None:
    w.add(AuditEvent, instance_id=instance_id, kind=kind, at=at, actor=extra.pop("actor", None),
          task_id=extra.pop("task_id", None), task_name=extra.pop("task_name", None),
          title=extra.pop("title", None), data=extra.pop("data", {}))


SEARCHES = ("王伟", "1栋0", summary_of(0)["phone"])  # a name (case_grams), a building and room, one case's phone


def seed(sessions, n: int) -> dict:
    """The process, two properties, head office and an engineer, and ``n`` open cases with one task each."""
    with sessions() as s:
        version = store_version(s, load_folder(ROOT / "tests/fixtures/packages/service_request")).version
        props = [create_property(s, "P001", "翠湖花园"), create_property(s, "P002", "滨江苑")]
        deploy(s, version, props)
        eng = create_user(s, "eng1", "工程", PASSWORD, roles={"P001": ["engineering"]})
        hq = create_user(s, "hq", "总部", PASSWORD, is_hq=True)
        sup = create_user(s, "sup1", "客服主管", PASSWORD, roles={"P001": ["cs_supervisor"]})  # lands on P001's all
        s.commit()
        now = datetime.now(UTC)
        w = Writer(s.connection())
        for i in range(n):
            prop = props[i % 2]
            name, title, lane = LANES[(i // 2) % 3]
            created = now - timedelta(hours=i % 72, seconds=i % 3600)
            case_no = f"SR{created:%Y%m%d}-{i + 1:07d}"
            summary = summary_of(i)
            search = " ".join([case_no, *summary.values()])
            w.add(Instance, id=i + 1, case_no=case_no, property_id=prop.id, process_id=version.process_id,
                  version_id=version.id, status="running", current_step=title, summary=summary, state="{}",
                  created_at=created, updated_at=created, lock_version=1, search_text=search, started_by="fd1")
            for g in grams_of(summary.values()):
                w.add(CaseGram, gram=g, property_id=prop.id, created_at=created, instance_id=i + 1)
            w.add(HumanTask, id=str(uuid.uuid4()), instance_id=i + 1, property_id=prop.id,
                  process_key="service_request", case_no=case_no, task_name=name, title=title, lane=lane, form=None,
                  created_at=created, due_at=now + timedelta(minutes=(i * 37) % (10 * 24 * 60) - 24 * 60),
                  assignee="eng1" if i % 97 == 0 else None, search_text=search)
            audit(w, i + 1, "started", created, actor="fd1")
            if i % 10 == 0:
                to, message = NOTICE_TO[(i // 10) % len(NOTICE_TO)], f"{case_no} 请尽快处理"
                audit(w, i + 1, "notified", created + timedelta(minutes=5), data={"to": to, "message": message})
                w.add(RoleNotice, id=i + 1, instance_id=i + 1, property_id=prop.id, lane=to,  # as the step writes it
                      at=created + timedelta(minutes=5), case_no=case_no, message=message,
                      message_key=message_key(message))
        w.flush()
        s.commit()
        return {"version": version.id, "process": version.process_id, "props": [p.id for p in props],
                "users": {"eng1": eng.id, "hq": hq.id, "sup1": sup.id}, "next_id": n + 1}


def add_closed(sessions, setup: dict, n: int) -> None:
    """``n`` closed cases created over the last three years, with what years of work leave in the tables."""
    now = datetime.now(UTC)
    span = timedelta(days=3 * 365).total_seconds()
    first = setup["next_id"]
    with sessions() as s:
        w = Writer(s.connection())
        for k in range(n):
            i = first + k
            prop = setup["props"][k % 2]
            created = now - timedelta(seconds=span * (n - k) / n + 3 * 3600)  # oldest first, the newest 3 h ago
            ended = min(created + timedelta(hours=2 + k % 70), now - timedelta(minutes=10))
            cancelled = k % 10 == 9
            case_no = f"SR{created:%Y%m%d}-{i:07d}"
            summary = summary_of(i)
            w.add(Instance, id=i, case_no=case_no, property_id=prop, process_id=setup["process"],
                  version_id=setup["version"], status="cancelled" if cancelled else "completed", current_step=None,
                  summary=summary, state="{}", created_at=created, updated_at=ended, ended_at=ended,
                  lock_version=4, search_text=" ".join([case_no, *summary.values()]), started_by="fd1")
            for g in grams_of(summary.values()):
                w.add(CaseGram, gram=g, property_id=prop, created_at=created, instance_id=i)
            audit(w, i, "started", created, actor="fd1")
            step = (ended - created) / 4
            for j, (name, title, lane) in enumerate(LANES[: 2 + k % 2]):
                audit(w, i, "task_completed", created + step * (j + 1) / 2, actor="eng1" if lane == "engineering"
                      else "fd1", task_id=str(uuid.UUID(int=i * 8 + j)), task_name=name, title=title,
                      data={"result": "已处理"})
            to = NOTICE_TO[k % len(NOTICE_TO)]
            message = f"{case_no} 请尽快处理"
            notice_at = created + step
            audit(w, i, "notified", notice_at, data={"to": to, "message": message})
            if k % 20 == 0:
                audit(w, i, "escalated", created + step * 2, task_name="handle", title="上门处理",
                      data={"to": "cs_supervisor"})
            if k % 7 == 0 and to in ("engineering", "hq"):  # notices the two users put away
                w.add(NoticeDismissal, user_id=setup["users"]["eng1" if to == "engineering" else "hq"],
                      instance_id=i, message_key=message_key(message), at=notice_at + timedelta(hours=1))
            audit(w, i, "cancelled" if cancelled else "completed", ended, actor="fd1" if cancelled else None)
        w.flush()
        s.commit()


def analyze(engine) -> None:
    """PostgreSQL's statistics and visibility map, as autovacuum keeps them (it vacuums a table after many inserts
    too, so an index-only scan reads no table rows); SQLite gets no statistics, as in production (nothing runs
    ANALYZE there, and its planner's choices differ with statistics)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def timed(fn, runs: int) -> list[float]:
    fn()  # warm up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def pages() -> list[tuple[str, str, str]]:
    """(label, user, path) of the whole pages timed."""
    out = []
    for who, view in (("hq", "HQ, whole property"), ("eng1", "engineer, mine")):
        out.append((f"GET / {view}", who, "/"))
        out.extend((f"GET /?q={q} {view}", who, f"/?q={q}") for q in SEARCHES)
    out.append(("GET / supervisor, whole P001", "sup1", "/"))
    return out


def measure(engine, sessions, clients: dict, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    with sessions() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        props = {"hq": None, "eng1": {a.property_id for a in users["eng1"].roles}}
        all_props = set(s.scalars(text("SELECT id FROM properties")))
        for who, query in (("hq", InboxQuery(view="property")), ("eng1", InboxQuery()),
                           ("sup1", InboxQuery(view="property"))):
            def run_inbox(u=users[who], q=query):
                inbox(s, u, q, datetime.now(UTC))
                s.commit()
            out[f"inbox() {who} {query.view}"] = timed(run_inbox, runs)
        for who in ("hq", "eng1"):
            def run_notices(u=users[who]):
                open_notices(s, u, datetime.now(UTC) - NOTICE_DAYS)
                s.commit()
            out[f"open_notices() {who}"] = timed(run_notices, runs)
        for who in ("hq", "eng1"):
            for q in SEARCHES:
                def run_search(scope=props[who] or all_props, q=q):
                    search_cases(s, scope, CaseQuery(text=q, limit=6), datetime.now(UTC))
                    s.commit()
                out[f"search_cases({q}, 6) {who}"] = timed(run_search, runs)
    for label, who, path in pages():
        def get(c=clients[who], p=path):
            assert c.get(p).status_code == 200
        out[label] = timed(get, runs)
    return out


class StatementLog:
    """The SQL statements an engine sends while on, with their parameters and milliseconds."""

    def __init__(self, engine):
        self.engine, self.on, self.seen = engine, False, []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, _cursor, statement, parameters, _context, _many):
        conn.info["bench_t"] = time.perf_counter()

    def _after(self, conn, _cursor, statement, parameters, _context, _many):
        if self.on:
            self.seen.append((statement, parameters, (time.perf_counter() - conn.info["bench_t"]) * 1000))

    def capture(self, fn: Callable[[], object]) -> list[tuple[str, object, float]]:
        self.seen, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.seen


def one_line(sql: str, width: int = 150) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def statements(log: StatementLog, clients: dict, title: str) -> dict[str, list]:
    """Each page's statements, each replayed alone (execute and fetch every row: SQLite's cursor does its
    work while rows are fetched, so the time of ``execute`` alone says little), median of 5 in ms."""
    print(f"\n  statements of each page ({title}), each replayed alone, ms, the median of 5:")
    seen = {}
    for label, who, path in pages():
        rows = log.capture(lambda c=clients[who], p=path: c.get(p))
        seen[label] = rows
        print(f"   {label}")
        with log.engine.connect() as conn:
            for sql, params, _ms in rows:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                samples = []
                for _ in range(5):
                    t = time.perf_counter()
                    conn.exec_driver_sql(sql, params).fetchall()
                    samples.append((time.perf_counter() - t) * 1000)
                print(f"     {statistics.median(samples):7.2f}  {one_line(sql)}")
            conn.rollback()
    return seen


def explain(engine, seen: dict[str, list]) -> None:
    print("\n  plans of each statement, after the closed cases:")
    done = set()
    with engine.connect() as conn:
        for label, rows in seen.items():
            for sql, params, _ms in rows:
                if not sql.lstrip().upper().startswith("SELECT") or (sql, str(params)) in done:
                    continue
                done.add((sql, str(params)))
                print(f"   [{label}] {one_line(sql, 200)}")
                if engine.dialect.name == "postgresql":
                    plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)]
                else:
                    plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
                for line in plan:
                    print(f"       {line}")
        conn.rollback()


def bench(url: str, args) -> None:
    engine = make_engine(url)
    if not args.reuse:
        fresh_schema(engine)
    upgrade(engine)  # on a kept database: the migrations added since it was seeded
    sessions = make_session_factory(engine)
    if args.reuse:
        analyze(engine)
        print(f"\n{engine.dialect.name}: the database as an earlier run left it", flush=True)
    else:
        t = time.perf_counter()
        setup = seed(sessions, args.tasks)
        analyze(engine)
        print(f"\n{engine.dialect.name}: {args.tasks:,} open tasks (seeded in {time.perf_counter() - t:.0f} s)",
              flush=True)

    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOGIN_RATE_LIMIT": "100000 per minute"})
    clients = {}
    for who in ("hq", "eng1", "sup1"):
        clients[who] = app.test_client()
        assert clients[who].post("/login", data={"username": who, "password": PASSWORD}).status_code == 302
    log = StatementLog(app.extensions["pflow_engine"])
    first = "as found" if args.reuse else "none"
    rounds = {first: measure(engine, sessions, clients, args.runs)}
    last = first
    if args.closed and not args.reuse:
        if args.statements:
            statements(log, clients, "no closed cases")
        t = time.perf_counter()
        add_closed(sessions, setup, args.closed)
        analyze(engine)
        print(f"  + {args.closed:,} closed cases (seeded in {time.perf_counter() - t:.0f} s)", flush=True)
        last = f"{args.closed:,} closed"
        rounds[last] = measure(engine, sessions, clients, args.runs)
    seen = statements(log, clients, last) if args.statements or args.explain else {}
    if args.explain:
        explain(app.extensions["pflow_engine"], seen)
    print(f"\n  {engine.dialect.name + ', ms':40s}" + "".join(f"{name + ': median (p95)':>32s}" for name in rounds)
          + (f" {'ratio median':>13s} {'ratio p95':>10s}" if len(rounds) == 2 else ""))
    for label in rounds[first]:
        line = f"  {label:40s}" + "".join(f"{statistics.median(r[label]):23.1f} ({p95(r[label]):6.1f})"
                                          for r in rounds.values())
        if len(rounds) == 2:
            a, b = rounds[first][label], rounds[last][label]
            line += f" {statistics.median(b) / statistics.median(a):13.2f} {p95(b) / p95(a):10.2f}"
        print(line, flush=True)
    app.extensions["pflow_engine"].dispose()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--closed", type=int, default=0, help="closed cases added for the second round (0: none)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--statements", action="store_true", help="print each page's SQL with its time")
    parser.add_argument("--explain", action="store_true", help="print each statement's plan (after the closed cases)")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the SQLite database in DIR (bench.db), not in a temporary folder")
    parser.add_argument("--reuse", action="store_true",
                        help="no seeding: time the databases an earlier --keep run left (one round)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench",
                        help="PostgreSQL URL (its public schema is dropped, unless --reuse)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if args.reuse and not args.keep and not args.no_sqlite:
        parser.error("--reuse needs --keep DIR (where the SQLite database was kept) or --no-sqlite")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(args.keep or tmp)
            folder.mkdir(parents=True, exist_ok=True)
            if args.keep and not args.reuse:
                (folder / "bench.db").unlink(missing_ok=True)
            bench(f"sqlite:///{folder}/bench.db", args)
    if not args.no_postgres:
        bench(args.postgres, args)


if __name__ == "__main__":
    main()
