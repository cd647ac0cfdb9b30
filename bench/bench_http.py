"""Benchmark: the running product over real HTTP, with the in-process figures of the same operations.

Starts the product the two ways it runs:

- **embedded**: ``pflow-web`` on a SQLite file (the README's way; the in-process timer loop on);
- **production**: gunicorn (2 workers) on PostgreSQL with Redis and an RQ worker (``pflow-worker work``).

Against each it drives, over HTTP/1.1 keep-alive connections as a browser does (sign in once, GET the
form for its CSRF token, POST it, redirect not followed): sign-in, start a case, complete a user task
(1 client, then N clients in threads for the per-second figure), the inbox page at about 1,000 and
100,000 open tasks (an HQ user who sees them all), and a case page. In the same run it times the same
operation through the Flask test client and, for completions and starts, the engine alone
(``complete_task``/``start_instance`` + commit), so each layer shows as a ratio.

``--memory N`` instead: N completions over HTTP (1 client), each web process's resident memory (``pflow-web``,
or each gunicorn worker) after the first 1,000, every 5,000 and at the end.

Bounded: a fixed number of operations per figure (``--ops``), and every server is stopped at the end.
The in-process figures start as the server does: from the case's row (the server never had these cases in
memory: this process opened them) and with no messages piled up in the session cookie. The VM this runs on
swings by a third from one minute to the next: ``--repeat 3`` interleaves the modes three times and ends
with each figure's median run and the range of the runs.

Usage: python bench/bench_http.py [--mode embedded|production|both] [--ops 100] [--clients 4]
       [--big 100000] [--postgres URL] [--redis URL] [--memory 20000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import fresh_schema  # noqa: E402 - bench/ is on the path as the script's folder

BIN = Path(sys.executable).parent

from sqlalchemy import insert, select, text  # noqa: E402

from engine import (  # noqa: E402
    DUE_SOON,
    AuditEvent,
    HumanTask,
    Instance,
    complete_task,
    create_property,
    create_user,
    deploy,
    load_folder,
    make_engine,
    make_session_factory,
    start_instance,
    store_version,
    upgrade,
)
from engine.cases import workflows  # noqa: E402 - the in-process figures start from the row, as the server does

PACKAGE = ROOT / "tests" / "fixtures" / "packages" / "service_request"
PASSWORD = "bench-password"
REGISTER = {"urgency": "urgent", "content": "水管漏水", "items": "20\n35"}
REGISTER_DATA = {"urgency": "urgent", "content": "水管漏水", "items": [20, 35]}
START = {"resident": "张三", "room": "3-1201"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# ---------------------------------------------------------------- data


def seed(url: str) -> None:
    """A fresh schema: the service_request process at P001, a front-desk user and an HQ user."""
    engine = make_engine(url)
    fresh_schema(engine)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        version = store_version(s, load_folder(PACKAGE)).version
        props = [create_property(s, "P001", "翠湖花园"), create_property(s, "P002", "滨江苑")]
        deploy(s, version, props)
        lanes = ["front_desk", "engineering", "cs_supervisor"]
        for i in range(8):  # one account per client: each has its own session cookie
            create_user(s, f"desk{i}", f"前台{i}", PASSWORD, roles={"P001": lanes})
        create_user(s, "hq", "总部", PASSWORD, is_hq=True)
        s.commit()
    engine.dispose()


def open_cases(url: str, n: int) -> list[str]:
    """Start ``n`` cases in-process; the ids of their open 'register' tasks (what completions complete)."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    ids = []
    with sessions() as s:
        for i in range(n):
            case = start_instance(s, "P001", "service_request", {"resident": f"业主{i}", "room": "1-101"},
                                  user="desk0")
            s.commit()
            ids.append(s.scalar(select(HumanTask.id).where(HumanTask.instance_id == case.id,
                                                            HumanTask.task_name == "register")))
    engine.dispose()
    return ids


def fill_inbox(url: str, total: int) -> int:
    """Top the open tasks up to ``total`` with rows written straight into the tables (as bench_inbox does).

    The tasks already near their deadline get the deadline-near notice a running system would have recorded
    as each came near it: else the server's timer loop would write them all in its next sweeps (some 1,500
    cases at 100,000 tasks, a minute of work) while the inbox is being timed."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as s:
        have = s.scalar(select(text("count(*)")).select_from(HumanTask)) or 0
        first = (s.scalar(select(text("max(id)")).select_from(Instance)) or 0) + 1
        version_id, process_id = s.execute(select(Instance.version_id, Instance.process_id).limit(1)).one()
        props = [r[0] for r in s.execute(text("SELECT id FROM properties ORDER BY id"))]
        now = datetime.now(UTC)
        conn = s.connection()
        batch_i: list[dict] = []
        batch_t: list[dict] = []
        batch_a: list[dict] = []
        for k in range(max(0, total - have)):
            i = first + k
            prop = props[k % 2]
            created = now - timedelta(hours=k % 72)
            case_no = f"SRB-{i:07d}"
            summary = {"resident": f"业主{i}", "room": f"{i % 30 + 1}栋{i % 2000:04d}"}
            batch_i.append(dict(id=i, case_no=case_no, property_id=prop, process_id=process_id,
                                version_id=version_id, status="running", current_step="上门处理",
                                summary=summary, state="{}", created_at=created, updated_at=created, lock_version=1))
            task = dict(id=str(uuid.uuid4()), instance_id=i, property_id=prop, process_key="service_request",
                        case_no=case_no, task_name="handle", title="上门处理", lane="engineering", form=None,
                        created_at=created, due_at=now + timedelta(minutes=(k * 37) % 14400 - 1440),
                        assignee=None, search_text=" ".join([case_no, *summary.values()]))
            batch_t.append(task)
            if now < task["due_at"] <= now + DUE_SOON:  # near its deadline: noticed, as a running system had done
                batch_a.append(dict(instance_id=i, at=now, kind="notified", task_id=task["id"], task_name="handle",
                                    title="上门处理", data={"to": "engineering", "reason": "deadline_near"}))
            if len(batch_i) == 5000:
                conn.execute(insert(Instance.__table__), batch_i)
                conn.execute(insert(HumanTask.__table__), batch_t)
                batch_i, batch_t = [], []
        if batch_i:
            conn.execute(insert(Instance.__table__), batch_i)
            conn.execute(insert(HumanTask.__table__), batch_t)
        if batch_a:
            conn.execute(insert(AuditEvent.__table__), batch_a)
        s.commit()
        if engine.dialect.name == "postgresql":
            s.execute(text("ANALYZE"))
            s.commit()
        count = s.scalar(select(text("count(*)")).select_from(HumanTask))
    engine.dispose()
    return count


# ---------------------------------------------------------------- an HTTP client


class Browser:
    """One keep-alive connection with its cookies; redirects are not followed."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data if response.status < 300 else response.headers.get("Location", "")

    def form(self, path: str, values: dict) -> tuple[int, str]:
        """GET the page for its CSRF token, POST ``values`` with it."""
        status, page = self.request("GET", path)
        assert status == 200, (path, status)
        token = CSRF.search(page)
        return self.request("POST", path, {**values, "csrf_token": token.group(1) if token else ""})

    def sign_in(self, username: str) -> None:
        status, where = self.form("/login", {"username": username, "password": PASSWORD})
        assert status == 302, (status, where[:300])


def _timed(fn, samples: list[float]) -> None:
    t = time.perf_counter()
    fn()
    samples.append((time.perf_counter() - t) * 1000)


def stats(samples: list[float], wall: float | None = None) -> str:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    rate = len(samples) / wall if wall else 1000 / statistics.median(samples)
    return f"median {statistics.median(samples):7.2f} ms  p95 {p95:7.2f} ms  {rate:7.1f}/s"


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cmd: list[str], env: dict, port: int | None, log: Path) -> subprocess.Popen:
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                            cwd=log.parent, start_new_session=True)
    if port is None:
        return proc
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"{cmd[0]} ended: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)
    raise SystemExit(f"{cmd[0]} did not listen within 60 s: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# ---------------------------------------------------------------- the measures


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes ``pids`` have used so far (Linux ``/proc``); gone ones count 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def group_pids(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` (a server and its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU used by each part of the system during a phase: web processes, database backends, clients."""

    def __init__(self, web: list[int], db_url: str | None):
        self.web, self.db_url = web, db_url

    def _db_pids(self) -> list[int]:
        if not self.db_url:
            return []
        engine = make_engine(self.db_url)
        with engine.connect() as conn:
            pids = [r[0] for r in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
        engine.dispose()
        return pids

    def __enter__(self) -> CpuMeter:
        self.web_pids = [p for g in self.web for p in group_pids(g)]
        self.db_pids = self._db_pids()
        self.start = (cpu_seconds(self.web_pids), cpu_seconds(self.db_pids), time.process_time())
        return self

    def __exit__(self, *exc) -> None:
        db_pids = sorted(set(self.db_pids) | set(self._db_pids()))  # a connection opened meanwhile counts whole
        self.used = (cpu_seconds(self.web_pids) - self.start[0],
                     cpu_seconds(db_pids) - self.start[1] if self.db_url else 0.0,
                     time.process_time() - self.start[2])

    def per(self, n: int) -> str:
        web, db, clients = (x * 1000 / n for x in self.used)
        total = web + db + clients
        return (f"CPU per completion: web {web:.2f} ms, database {db:.2f} ms, clients {clients:.2f} ms = "
                f"{total:.2f} ms -> at most {os.cpu_count() * 1000 / total:.0f}/s on {os.cpu_count()} cores")


def http_figures(port: int, tasks: list[str], ops: int, clients: int,
                 meter: CpuMeter | None = None) -> dict[str, list[float] | tuple]:
    """Times each operation over HTTP; ``tasks`` are consumed (each completed once)."""
    out: dict = {}
    signin: list[float] = []
    for i in range(min(ops, 20)):
        b = Browser(port)
        _timed(lambda b=b, i=i: b.sign_in(f"desk{i % 8}"), signin)
    out["sign in (GET form + POST)"] = signin

    b = Browser(port)
    b.sign_in("desk0")
    starts: list[float] = []
    path = "/cases/new/P001/service_request"
    for _ in range(ops):  # the form once per start, as a front desk does; only the POST is timed
        status, page = b.request("GET", path)
        token = CSRF.search(page).group(1)
        t = time.perf_counter()
        status, where = b.request("POST", path, {**START, "csrf_token": token})
        starts.append((time.perf_counter() - t) * 1000)
        assert status == 302, (status, where[:300])
    out["start a case (POST)"] = starts

    def complete(browser: Browser, task_id: str, samples: list[float]) -> None:
        status, page = browser.request("GET", f"/tasks/{task_id}")
        token = CSRF.search(page).group(1)
        t = time.perf_counter()
        status, where = browser.request("POST", f"/tasks/{task_id}", {**REGISTER, "csrf_token": token})
        samples.append((time.perf_counter() - t) * 1000)
        assert status == 302 and "/tasks/" in where, (status, where[:300])

    one: list[float] = []
    for _ in range(ops):
        complete(b, tasks.pop(), one)
    out["complete a task (POST), 1 client"] = one

    many: list[float] = []
    browsers = [Browser(port) for _ in range(clients)]
    for i, browser in enumerate(browsers):
        browser.sign_in(f"desk{i % 8}")
    lock = threading.Lock()

    def worker(browser: Browser) -> None:
        while True:
            with lock:
                if not tasks or len(many) >= ops * 2:
                    return
                task_id = tasks.pop()
            complete(browser, task_id, many)

    threads = [threading.Thread(target=worker, args=(br,)) for br in browsers]
    with meter or contextlib.nullcontext():
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out[f"complete a task (POST), {clients} clients"] = (many, time.perf_counter() - t0)
    if meter is not None:
        out["cpu (browser)"] = meter.per(len(many)) + "  (GET the task page + POST it)"

    case_page: list[float] = []
    for _ in range(ops):
        _timed(lambda: b.request("GET", "/cases/1"), case_page)
    out["case page (GET)"] = case_page
    return out


def api_figures(port: int, tasks: list[str], ops: int, clients: int,
                meter: CpuMeter | None = None) -> dict[str, list[float] | tuple | str]:
    """Completions through the JSON API (a mini-program or another system): a staff token, then one POST per
    completion with the form's data as JSON; no page is rendered. ``tasks`` are consumed."""
    import json

    def token(username: str) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", "/api/v1/tokens", body=json.dumps({"username": username, "password": PASSWORD,
                                                                  "name": "bench"}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read()
        assert response.status in (200, 201), (response.status, body[:300])
        return json.loads(body)["token"]

    body = json.dumps({"data": REGISTER_DATA}).encode()

    def complete(conn: http.client.HTTPConnection, auth: str, task_id: str, samples: list[float]) -> None:
        t = time.perf_counter()
        conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body=body,
                     headers={"Authorization": auth, "Content-Type": "application/json"})
        response = conn.getresponse()
        answer = response.read()
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status == 200, (response.status, answer[:300])

    out: dict = {}
    auths = [f"Bearer {token(f'desk{i % 8}')}" for i in range(clients)]
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(clients)]
    one: list[float] = []
    for _ in range(ops):
        complete(conns[0], auths[0], tasks.pop(), one)
    out["complete a task (API POST), 1 client"] = one
    many: list[float] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        while True:
            with lock:
                if not tasks or len(many) >= ops * 2:
                    return
                task_id = tasks.pop()
            complete(conns[k], auths[k], task_id, many)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    with meter or contextlib.nullcontext():
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out[f"complete a task (API POST), {clients} clients"] = (many, time.perf_counter() - t0)
    if meter is not None:
        out["cpu (API)"] = meter.per(len(many))
    return out


def inbox_figures(port: int, ops: int) -> list[float]:
    b = Browser(port)
    b.sign_in("hq")
    for _ in range(3):  # warmed up as the in-process figure is: the rows just written read once
        b.request("GET", "/?view=property")
    samples: list[float] = []
    for _ in range(ops):
        def get() -> None:
            status, _page = b.request("GET", "/?view=property")
            assert status == 200, status
        _timed(get, samples)
    return samples


def inprocess_figures(url: str, tasks: list[str], ops: int) -> dict[str, list[float]]:
    """The same operations through the Flask test client, and the engine alone."""
    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOGIN_RATE_LIMIT": "100000 per minute"})
    client = app.test_client()
    client.post("/login", data={"username": "desk1", "password": PASSWORD})
    out: dict[str, list[float]] = {"start a case (POST)": [], "complete a task (POST), 1 client": [],
                                   "case page (GET)": []}
    # warm up as the server is warm: templates compiled, caches filled
    client.post("/cases/new/P001/service_request", data=START)
    client.post(f"/tasks/{tasks.pop()}", data=REGISTER)
    client.get("/cases/1")

    def as_the_server_has_it() -> None:
        """What the server faces at each request: the case not in its memory (this process opened them), and
        no messages piled up in the session cookie (a browser shows each on the page a POST redirects to)."""
        workflows.forget_all()
        with client.session_transaction() as cookie:
            cookie.pop("_flashes", None)

    for _ in range(ops):
        as_the_server_has_it()
        _timed(lambda: client.post("/cases/new/P001/service_request", data=START), out["start a case (POST)"])
    for _ in range(ops):
        task_id = tasks.pop()
        as_the_server_has_it()
        _timed(lambda t=task_id: client.post(f"/tasks/{t}", data=REGISTER), out["complete a task (POST), 1 client"])
    for _ in range(ops):
        _timed(lambda: client.get("/cases/1"), out["case page (GET)"])
    app.extensions["pflow_engine"].dispose()

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    eng: dict[str, list[float]] = {"start a case (POST)": [], "complete a task (POST), 1 client": []}
    with sessions() as s:
        def start_one() -> None:
            start_instance(s, "P001", "service_request", START, user="desk0")
            s.commit()

        for _ in range(ops):
            _timed(start_one, eng["start a case (POST)"])
        for _ in range(ops):
            task_id = tasks.pop()
            workflows.forget_all()

            def complete_one(t=task_id) -> None:
                complete_task(s, t, REGISTER_DATA, user="desk0", lanes={"front_desk"})
                s.commit()
            _timed(complete_one, eng["complete a task (POST), 1 client"])
    engine.dispose()
    return {"test client": out, "engine": eng}


def inbox_inprocess(url: str, ops: int) -> list[float]:
    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "LOGIN_RATE_LIMIT": "100000 per minute"})
    client = app.test_client()
    client.post("/login", data={"username": "hq", "password": PASSWORD})
    samples: list[float] = []
    client.get("/?view=property")
    for _ in range(ops):
        _timed(lambda: client.get("/?view=property"), samples)
    app.extensions["pflow_engine"].dispose()
    return samples


SUMMARY: dict[tuple[str, str], list[tuple[float, float, float]]] = {}  # (mode, figure) -> per run (median, p95, /s)


def _keep(mode: str, label: str, samples: list[float], wall: float | None) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    rate = len(samples) / wall if wall else 1000 / statistics.median(samples)
    SUMMARY.setdefault((mode, label), []).append((statistics.median(samples), p95, rate))


def summary() -> None:
    """Each figure over the repeats: the median of the runs' medians (their range), of their p95 and per second."""
    runs = max(len(v) for v in SUMMARY.values())
    print(f"\n=== over {runs} interleaved runs: median of the runs' figures (lowest-highest run) ===")
    for (mode, label), values in SUMMARY.items():
        med = [v[0] for v in values]
        p95, rate = statistics.median(v[1] for v in values), statistics.median(v[2] for v in values)
        print(f"  {mode:10} {label:<52} median {statistics.median(med):7.2f} ms ({min(med):.2f}-{max(med):.2f})"
              f"  p95 {p95:7.2f} ms  {rate:7.1f}/s")


def report(title: str, figures: dict, inproc: dict, mode: str = "") -> None:
    print(f"\n{title}")
    for label, value in figures.items():
        if label.startswith("cpu"):
            print(f"    {value}", flush=True)
            continue
        samples, wall = value if isinstance(value, tuple) else (value, None)
        line = f"  {label:<38} {stats(samples, wall)}"
        med = statistics.median(samples)
        where = title.split(": ", 1)[1].split(",", 2)[:2] if "inbox" in title else []
        _keep(mode, label + (f" ({where[1].strip()})" if where else ""), samples, wall)
        for layer in ("test client", "engine"):
            other = inproc.get(layer, {}).get(label)
            if other:
                line += f"  | {layer} {statistics.median(other):6.2f} ms (HTTP ÷ {med / statistics.median(other):4.1f})"
                _keep(mode, f"{label} [{layer}]" + (f" ({where[1].strip()})" if where else ""), other, None)
        print(line, flush=True)


def servers(mode: str, url: str, redis_url: str | None, args, tmp: Path) -> tuple[int, list[subprocess.Popen]]:
    """The product started as it runs: ``pflow-web`` (embedded) or an RQ worker and gunicorn (production);
    its port and processes (stop them with ``stop``)."""
    port = free_port()
    env = {"DATABASE_URL": url, "PFLOW_SECRET_KEY": "bench-secret", "PFLOW_LOGIN_RATE_LIMIT": "100000 per minute",
           "PFLOW_API_RATE_LIMIT": "100000 per minute", "PFLOW_MIGRATE_ON_START": "false"}
    procs: list[subprocess.Popen] = []
    try:
        if mode == "embedded":
            env.pop("PFLOW_MIGRATE_ON_START")
            procs.append(start([str(BIN / "pflow-web"), "--port", str(port)], env, port, tmp / "web.log"))
        else:
            env["REDIS_URL"] = redis_url or ""
            procs.append(start([str(BIN / "pflow-worker"), "work", "timers", "mail"], env, None, tmp / "worker.log"))
            procs.append(start([str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
                                "--workers", str(args.web_workers), "--bind", f"127.0.0.1:{port}",
                                "webapp:create_app()"], env, port, tmp / "gunicorn.log"))
    except BaseException:
        for proc in procs:
            stop(proc)
        raise
    return port, procs


def run(mode: str, url: str, redis_url: str | None, args, tmp: Path) -> None:
    print(f"\n=== {mode}: {url.split('@')[-1]} ===", flush=True)
    seed(url)
    need = args.ops * 3 + args.ops * 2 + args.ops + 10 + args.ops * 3 + 5
    tasks = open_cases(url, need)
    port, procs = servers(mode, url, redis_url, args, tmp)
    try:
        web_tasks, api_tasks = tasks[: args.ops * 3 + 5], tasks[args.ops * 3 + 5: args.ops * 6 + 10]
        inproc_tasks = tasks[args.ops * 6 + 10:]
        meter = CpuMeter([p.pid for p in procs], url if mode == "production" else None)
        figures = http_figures(port, web_tasks, args.ops, args.clients, meter)
        figures.update(api_figures(port, api_tasks, args.ops, args.clients,
                                   CpuMeter([p.pid for p in procs], url if mode == "production" else None)))
        inproc = inprocess_figures(url, inproc_tasks, args.ops)
        report(f"{mode}: HTTP, with the in-process figures of the same operation", figures, inproc, mode)
        for total in (1000, args.big):
            if not total:
                continue
            count = fill_inbox(url, total)
            http_inbox = inbox_figures(port, args.ops)
            inproc_inbox = {"test client": {"inbox page (GET)": inbox_inprocess(url, args.ops)}}
            report(f"{mode}: inbox page, {count} open tasks, all visible (HQ, ?view=property)",
                   {"inbox page (GET)": http_inbox}, inproc_inbox, mode)
    finally:
        for proc in procs:
            stop(proc)


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def web_pids(mode: str, procs: list[subprocess.Popen]) -> list[int]:
    """The processes that answer requests: ``pflow-web`` itself, or gunicorn's workers (not its master)."""
    if mode == "embedded":
        return [procs[0].pid]
    master = procs[-1].pid
    return sorted(p for p in group_pids(master) if p != master)


def memory(mode: str, url: str, redis_url: str | None, args, tmp: Path) -> None:
    """Each web process's resident memory over ``args.memory`` completions over HTTP (1 client)."""
    n = args.memory
    print(f"\n=== memory, {mode}: {url.split('@')[-1]} ===", flush=True)
    seed(url)
    tasks = open_cases(url, n)
    port, procs = servers(mode, url, redis_url, args, tmp)
    try:
        b = Browser(port)
        b.sign_in("desk0")
        pids = web_pids(mode, procs)
        samples: list[float] = []
        marks: dict[int, list[float]] = {}
        for i, task_id in enumerate(tasks, 1):
            status, page = b.request("GET", f"/tasks/{task_id}")
            token = CSRF.search(page).group(1)
            _timed(lambda t=task_id, k=token: b.request("POST", f"/tasks/{t}", {**REGISTER, "csrf_token": k}), samples)
            if i in (1000, n) or i % 5000 == 0:
                marks[i] = [rss_mb(pid) for pid in pids]
                print(f"  after {i:6d} completions: RSS " + " / ".join(f"{m:6.1f}" for m in marks[i]) + " MB",
                      flush=True)
        first, last = marks.get(1000, next(iter(marks.values()))), marks[n]
        growth = " / ".join(f"{a:.1f} -> {b:.1f} MB ({(b / a - 1) * 100:+.1f} %)" for a, b in zip(first, last))
        print(f"{mode} web process{'es' if len(pids) > 1 else ''} over {n} completions: RSS {growth}, "
              f"completion {stats(samples)}")
    finally:
        for proc in procs:
            stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "production", "both"], default="both")
    parser.add_argument("--ops", type=int, default=100, help="operations per figure")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (production)")
    parser.add_argument("--big", type=int, default=100_000, help="open tasks for the large inbox (0: skip)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/bench",
                        help="PostgreSQL URL (its public schema is dropped)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--memory", type=int, default=0,
                        help="only: RSS of the web processes over N completions (--mode)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run everything N times, the modes interleaved, and end with each figure's median run")
    args = parser.parse_args()
    if args.memory:
        with tempfile.TemporaryDirectory() as tmp:
            if args.mode in ("embedded", "both"):
                memory("embedded", f"sqlite:///{tmp}/memory.db", None, args, Path(tmp))
            if args.mode in ("production", "both"):
                memory("production", args.postgres, args.redis, args, Path(tmp))
        return
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            if args.mode in ("embedded", "both"):
                (Path(tmp) / "e").mkdir()
                run("embedded", f"sqlite:///{tmp}/e/bench.db", None, args, Path(tmp) / "e")
            if args.mode in ("production", "both"):
                (Path(tmp) / "p").mkdir()
                run("production", args.postgres, args.redis, args, Path(tmp) / "p")
    if args.repeat > 1:
        summary()


if __name__ == "__main__":
    main()
