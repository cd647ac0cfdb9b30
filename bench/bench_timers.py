"""Benchmark: how late the embedded default's timer loop fires a timer, with many timers pending.

SQLite (the embedded default's database), 100,000 pending timers (running cases whose
next due time is days away, written straight into ``instances``), then ``--cases`` real
cases of the fixture process ``deadline`` started over ``--spread`` seconds, each with a
boundary timer 2–8 s after its start. The cases are started the way the web app does
(commit, then the committed due time goes to the loop's ``wake``), while the loop runs in
its thread with the embedded default's 5 s interval:

- **polling**: the loop as it was (sweep, then sleep the interval, never woken);
- **woken**: the loop as it is (sleep until the next due time, woken by the commit).

Prints the median, p99 and maximum lateness the engine recorded for each (``timer_firings``).
Bounded: each mode waits at most ``spread + 30`` seconds for its timers.
Usage: python bench/bench_timers.py [--pending 100000] [--cases 60] [--spread 20]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from engine import (  # noqa: E402
    Instance,
    Property,
    Settings,
    TimerFiring,
    create_property,
    deploy,
    load_folder,
    make_engine,
    make_session_factory,
    start_instance,
    store_version,
    upgrade,
)
from worker.enqueue import after_commit  # noqa: E402
from worker.timerloop import TimerLoop  # noqa: E402


class PollingLoop(TimerLoop):
    """The loop before: sleep the interval after every sweep, whatever is due."""

    def wait(self, now: datetime) -> None:
        self._stop.wait(self.interval)


def seed(url: str, pending: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        version = store_version(s, load_folder(ROOT / "tests/fixtures/packages/deadline")).version
        deploy(s, version, [create_property(s, "P001", "翠湖花园")])
        s.commit()
        prop = s.scalar(select(Property.id))
        now = datetime.now(UTC)
        rows = [dict(id=1_000_000 + i, case_no=f"DLB-{i:07d}", property_id=prop, process_id=version.process_id,
                     version_id=version.id, status="running", current_step="上门处理", summary={}, state="{}",
                     created_at=now, updated_at=now, lock_version=1,
                     next_timer_due=now + timedelta(days=1, seconds=i)) for i in range(pending)]
        conn = s.connection()
        for start in range(0, pending, 5000):
            conn.execute(insert(Instance.__table__), rows[start:start + 5000])
        s.commit()
    engine.dispose()


def run(url: str, loop_class, cases: int, spread: float) -> list[float]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    loop = loop_class(sessions, Settings(sweep_interval=5))
    loop.start()
    rng = random.Random(17)
    since = datetime.now(UTC)
    try:
        with sessions() as s:
            t0 = time.monotonic()
            for i in range(cases):
                time.sleep(max(0.0, t0 + spread * i / cases - time.monotonic()))  # the front desk's pace
                start_instance(s, "P001", "deadline", {"room": f"1-{i}", "delay_seconds": rng.randint(2, 8)},
                               user="bench")
                s.commit()
                items = after_commit(s, None)
                loop.wake(min((d for d in items.due.values() if d is not None), default=None))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sessions() as s:
                fired = s.scalar(select(func.count()).select_from(TimerFiring).where(TimerFiring.fired_at >= since))
            if fired >= cases:
                break
            time.sleep(0.5)
        with sessions() as s:
            return sorted(s.scalars(select(TimerFiring.lateness_seconds).where(TimerFiring.fired_at >= since)))
    finally:
        loop.stop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--spread", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/timers.db"
        seed(url, args.pending)
        print(f"SQLite, {args.pending} pending timers, {args.cases} timers due 2-8 s after their case started")
        for label, cls in (("polling every 5 s (before)", PollingLoop), ("woken by commits (now)", TimerLoop)):
            late = run(url, cls, args.cases, args.spread)
            if not late:
                print(f"  {label:<28} no timer fired")
                continue
            p99 = late[max(0, int(len(late) * 0.99) - 1)]
            print(f"  {label:<28} fired {len(late):3d}/{args.cases}  lateness median {statistics.median(late):5.2f} s"
                  f"  p99 {p99:5.2f} s  max {late[-1]:5.2f} s", flush=True)


if __name__ == "__main__":
    main()
