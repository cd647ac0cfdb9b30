"""Helpers for the process-library tests: deploy packages from ``processes/``, drive cases step by step.

Every step goes through the engine's public services (``start_instance``,
``complete_task``, ``fire_due_timers``), is committed, and the workflow cache is
dropped, so the next step loads the case from the database. The clock is frozen
(time-machine) and moved by the tests.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from engine import (
    AuditEvent,
    AuditKind,
    HumanTask,
    Instance,
    Property,
    Timer,
    complete_task,
    create_property,
    deploy,
    fire_due_timers,
    get_property,
    load_folder,
    start_instance,
    store_version,
)
from engine.cases import workflows
from engine.library import validation

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
CST = timezone(timedelta(hours=8))
_validated: dict[str, object] = {}


def at(*args) -> datetime:
    """A time in China Standard Time: ``at(2026, 11, 23, 9)``."""
    return datetime(*args, tzinfo=CST)


@pytest.fixture
def fast_validation(monkeypatch):
    """Validate each package once per test run: validation is pure, and the library tests validate for real."""
    real = validation.validate_package

    def cached(package):
        if package.content_hash not in _validated:
            _validated[package.content_hash] = real(package)
        return _validated[package.content_hash]

    monkeypatch.setattr(validation, "validate_package", cached)


@pytest.fixture
def clock():
    """A frozen clock at Monday 2026-11-23 09:00 (China), moved with ``clock.move_to``."""
    with time_machine.travel(at(2026, 11, 23, 9), tick=False) as traveller:
        yield traveller


def deploy_library(session, *keys: str, properties=("P001",)) -> None:
    """Store the named packages of ``processes/`` and deploy them to ``properties`` (created if missing)."""
    props = []
    for code in properties:
        prop = session.scalars(select(Property).where(Property.code == code)).one_or_none()
        props.append(prop or create_property(session, code, f"物业项目{code}"))
    for key in keys:
        version = store_version(session, load_folder(PROCESSES / key), author="test").version
        deploy(session, version, props)
    session.commit()


def commit(session) -> None:
    session.commit()
    workflows._cache.clear()  # the next step loads the case from the database


class Case:
    """One case under test: its open tasks, audit trail and notices, read from the database."""

    def __init__(self, session, instance: Instance):
        self.session, self.id = session, instance.id

    @classmethod
    def start(cls, session, process: str, data: dict, *, user: str = "fd1", prop: str = "P001") -> Case:
        instance = start_instance(session, prop, process, data, user=user)
        commit(session)
        return cls(session, instance)

    @property
    def instance(self) -> Instance:
        instance = self.session.get(Instance, self.id)
        self.session.refresh(instance)
        return instance

    @property
    def case_no(self) -> str:
        return self.instance.case_no

    def tasks(self) -> dict[str, HumanTask]:
        rows = self.session.scalars(select(HumanTask).where(HumanTask.instance_id == self.id)).all()
        return {row.task_name: row for row in rows}

    def open(self) -> set[str]:
        return set(self.tasks())

    def complete(self, name: str, data: dict, *, user: str = "staff1", lanes=None) -> Case:
        tasks = self.tasks()
        assert name in tasks, f"{name} is not open; open: {sorted(tasks)}"
        complete_task(self.session, tasks[name].id, data, user=user, lanes=lanes)
        commit(self.session)
        return self

    def events(self, kind: AuditKind) -> list[AuditEvent]:
        return list(self.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == self.id, AuditEvent.kind == kind).order_by(AuditEvent.id)))

    def notices(self, to: str | None = None) -> list[str]:
        return [e.data["message"] for e in self.events(AuditKind.NOTIFIED) if to is None or e.data["to"] == to]

    def escalated(self) -> list[str]:
        """Names of the tasks whose deadline fired, in order."""
        return [e.task_name for e in self.events(AuditKind.ESCALATED)]

    def timers(self) -> dict[str, datetime]:
        rows = self.session.scalars(select(Timer).where(Timer.instance_id == self.id)).all()
        return {row.task_name: row.due_at for row in rows}

    def data(self) -> dict:
        """The case data as its open tasks see it (the last completed task's if none is open)."""
        workflow = workflows.load_workflow(self.session, self.instance)
        from SpiffWorkflow import TaskState
        ready = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        task = ready[-1] if ready else workflow.last_task
        self.session.rollback()
        return dict(task.data)

    def linked(self, process: str) -> list[Case]:
        """Cases this case opened with ``start_case``."""
        return [Case(self.session, self.session.get(Instance, e.data["instance_id"]))
                for e in self.events(AuditKind.CASE_OPENED) if e.data["process"] == process]


def fire(session, traveller, when: datetime) -> int:
    """Move the clock to ``when`` and run one timer sweep; return how many timers fired."""
    traveller.move_to(when)
    report = fire_due_timers(session, datetime.now(UTC))
    workflows._cache.clear()
    assert report.failed == [], f"instances failed in the sweep: {report.failed}"
    return report.fired


def property_code(session, code: str = "P001"):
    return get_property(session, code)
