"""Benchmark: what the inbox's indexes cost every step — writing and deleting one ``human_tasks`` row (a step
closes a task and opens the next), with the indexes before migrations 0019 and 0020 and with the model's own.

Builds ``human_tasks`` twice in an in-memory SQLite database (the columns and indexes of the model; for the
baseline, in place of the five indexes 0019 and 0020 added, the three 0019 dropped), fills each with N rows
(default 100,000) over two properties and three roles, then in turn, several rounds, inserts and deletes one
row per transaction and prints the median CPU microseconds of each, with the ratio.

Usage: python bench/bench_task_writes.py [--rows 100000] [--ops 2000] [--rounds 7]
"""
from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.dialects import sqlite  # noqa: E402
from sqlalchemy.schema import CreateIndex, CreateTable  # noqa: E402

from engine.storage.models import HumanTask  # noqa: E402

NEW_SINCE_0019 = {"ix_human_tasks_assignee_order", "ix_human_tasks_inbox_order", "ix_human_tasks_lane_order",
                  "ix_human_tasks_facets", "ix_human_tasks_property_order"}
DROPPED_BY_0019 = ["CREATE INDEX ix_human_tasks_inbox ON human_tasks (property_id, lane, due_at)",
                   "CREATE INDEX ix_human_tasks_assignee ON human_tasks (assignee, due_at)",
                   "CREATE INDEX ix_human_tasks_lane ON human_tasks (lane)"]
COLUMNS = [c.name for c in HumanTask.__table__.columns]
INSERT = f"INSERT INTO human_tasks ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def schema(before: bool) -> list[str]:
    dialect = sqlite.dialect()
    table = HumanTask.__table__
    ddl = [str(CreateTable(table, include_foreign_key_constraints=[]).compile(dialect=dialect))]
    for index in sorted(table.indexes, key=lambda i: i.name or ""):
        if not (before and index.name in NEW_SINCE_0019):
            ddl.append(str(CreateIndex(index).compile(dialect=dialect)))
    return ddl + (DROPPED_BY_0019 if before else [])


def row(rng: random.Random, i: int) -> tuple:
    values = {"id": str(uuid.UUID(int=rng.getrandbits(128))), "instance_id": i, "property_id": rng.randint(1, 2),
              "process_key": "service_request", "case_no": f"C{i}", "task_name": "handle", "title": "上门处理",
              "lane": rng.choice(["engineering", "front_desk", "cs_supervisor"]), "form": "handle.json",
              "created_at": f"2026-12-07 0{rng.randint(0, 9)}:00:00.000000",
              "due_at": f"2026-12-08 0{rng.randint(0, 9)}:00:00.000000" if rng.random() < 0.9 else None,
              "assignee": "eng1" if i % 97 == 0 else None, "search_text": f"C{i} 业主{i} 1栋{i % 30}",
              "excluded_users": ""}
    return tuple(values[c] for c in COLUMNS)


def database(before: bool, rows: int) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for statement in schema(before):
        conn.execute(statement)
    rng = random.Random(1)
    conn.execute("BEGIN")
    conn.executemany(INSERT, (row(rng, i) for i in range(rows)))
    conn.execute("COMMIT")
    return conn


def write_and_delete(conn: sqlite3.Connection, ops: int, seed: int) -> float:
    """CPU µs of one task written and deleted, each in its own transaction."""
    rng = random.Random(seed)
    start = time.process_time()
    for i in range(ops):
        values = row(rng, 10**7 + i)
        conn.execute("BEGIN")
        conn.execute(INSERT, values)
        conn.execute("COMMIT")
        conn.execute("BEGIN")
        conn.execute("DELETE FROM human_tasks WHERE id = ?", (values[0],))
        conn.execute("COMMIT")
    return (time.process_time() - start) / ops * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    before, now = database(True, args.rows), database(False, args.rows)
    samples: dict[str, list[float]] = {"before 0019": [], "now": []}
    for r in range(args.rounds):
        samples["before 0019"].append(write_and_delete(before, args.ops, 1000 + r))
        samples["now"].append(write_and_delete(now, args.ops, 1000 + r))
    base = statistics.median(samples["before 0019"])
    print(f"human_tasks of {args.rows:,} rows, one task written and deleted, CPU µs (median of {args.rounds} "
          f"rounds of {args.ops:,}):")
    for label, values in samples.items():
        median = statistics.median(values)
        print(f"  {label:12s} {median:7.1f}  ({min(values):.1f}–{max(values):.1f})  ratio {median / base:.2f}")


if __name__ == "__main__":
    main()
