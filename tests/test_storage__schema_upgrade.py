"""Upgrades on deploy: a database made by the first migration, with cases in it, upgrades to the latest."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from conftest import PG_URL
from sqlalchemy import inspect, select, text

from engine import make_engine, make_session_factory, upgrade
from engine.tasks.case_search import CaseQuery, search_cases

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request, tmp_path, db_engine):
    """An empty database: a SQLite file, or a schema of its own in the test PostgreSQL database (``db_engine``)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    with db_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS upgrade_test CASCADE"))
        conn.execute(text("CREATE SCHEMA upgrade_test"))
    engine = make_engine(PG_URL, connect_args={"options": "-csearch_path=upgrade_test"})
    yield engine
    engine.dispose()
    with db_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA upgrade_test CASCADE"))


def _copy_into_old_schema(source, target) -> None:
    """Copy every row of ``source`` (latest schema) into ``target``, keeping only the columns ``target`` has."""
    from sqlalchemy import column, insert, table

    from engine.storage.database import Base

    old = inspect(target)
    columns = {name: [c["name"] for c in old.get_columns(name)] for name in old.get_table_names()}
    with source.connect() as src, target.begin() as dst:
        for full in Base.metadata.sorted_tables:
            if full.name not in columns:
                continue
            names = columns[full.name]
            if dst.execute(text(f"SELECT count(*) FROM {full.name}")).scalar():
                continue  # rows a migration put there (the figures' sync position): the old schema's own
            rows = src.execute(select(*[full.c[n] for n in names])).mappings().all()
            if rows:
                dst.execute(insert(table(full.name, *[column(n, full.c[n].type) for n in names])),
                            [dict(r) for r in rows])
            if target.dialect.name == "postgresql" and "id" in names and full.c.id.type.python_type is int:
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{full.name}', 'id'), "
                                 f"(SELECT coalesce(max(id), 0) + 1 FROM {full.name}), false)"))


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_a_database_of_the_first_migration_upgrades_with_its_cases(blank_engine, packages_dir, tmp_path):
    from engine import (
        AuditEvent,
        AuditKind,
        HumanTask,
        Instance,
        OutboxMessage,
        create_property,
        create_user,
        deploy,
        fire_due_timers,
        load_folder,
        start_instance,
        store_version,
    )
    from engine.cases import workflows
    from engine.library import specs

    # a case as the first release stored it: made by the engine, then copied into a schema at revision 0001
    scratch = make_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
    upgrade(scratch)
    with make_session_factory(scratch)() as session, time_machine.travel(T0, tick=False):
        version = store_version(session, load_folder(packages_dir / "deadline")).version
        deploy(session, version, [create_property(session, "P001", "翠湖花园")])
        case = start_instance(session, "P001", "deadline", {"delay_seconds": 3600, "room": "8栋808"}, user="fd1")
        session.commit()
        case_id, case_no = case.id, case.case_no
    upgrade(blank_engine, "0001")
    assert "users" not in inspect(blank_engine).get_table_names()
    _copy_into_old_schema(scratch, blank_engine)
    scratch.dispose()
    workflows._cache.clear()
    specs._versions.clear()

    upgrade(blank_engine)  # what `pflow init-db` runs on deploy
    assert {"users", "role_assignments", "scheduled_runs", "outbox"} <= set(inspect(blank_engine).get_table_names())
    assert "email" in {c["name"] for c in inspect(blank_engine).get_columns("users")}

    with make_session_factory(blank_engine)() as session:
        case = session.get(Instance, case_id)
        assert (case.case_no, case.summary, case.next_timer_due) == (case_no, {"room": "8栋808"},
                                                                    T0 + timedelta(hours=1))
        assert session.scalars(select(HumanTask.title).where(HumanTask.instance_id == case_id)).all() == ["上门处理"]
        # found by its building, two characters, through the gram rows the upgrade wrote for old cases
        found = search_cases(session, None, CaseQuery(text="8栋"), T0 + timedelta(hours=1)).rows
        assert [c.case_no for c in found] == [case_no]
        create_user(session, "sup1", "王主管", "password1", roles={"P001": ["cs_supervisor"]},
                    email="sup1@example.com")
        session.commit()
        # the old case runs on under the new schema: its deadline fires, escalates and mails the supervisor
        assert fire_due_timers(session, T0 + timedelta(hours=1, minutes=1)).fired == 1
        assert session.scalars(select(HumanTask.task_name).where(HumanTask.instance_id == case_id)).all() == ["review"]
        assert session.scalars(select(OutboxMessage.address)).all() == ["sup1@example.com"]
        kinds = session.scalars(select(AuditEvent.kind).where(AuditEvent.instance_id == case_id).order_by(AuditEvent.id)).all()
        assert kinds[0] == AuditKind.STARTED and AuditKind.ESCALATED in kinds
    workflows._cache.clear()
    specs._versions.clear()


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_the_migrations_make_the_tables_the_models_describe(blank_engine):
    """Nothing between the models and the schema the migrations build differs, but the text-search structures
    the models cannot describe (FTS5 tables on SQLite, a trigram index on PostgreSQL)."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from engine.storage.database import Base

    upgrade(blank_engine)
    with blank_engine.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # expression indexes cannot be reflected: said, not compared
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    names = [getattr(d[1], "name", "") for d in diffs if isinstance(d, tuple)]
    assert len(names) == len(diffs) and all(n.startswith("instances_search") or n == "ix_instances_search_trgm"
                                            for n in names), diffs


@pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)
def test_an_upgrade_brings_the_notices_of_running_cases_to_the_inbox(blank_engine, packages_dir, tmp_path):
    """A notice recorded before the notices table existed (revision 0017) is in the inbox after the upgrade;
    one of a case that ended is not."""
    from engine import (
        AuditKind,
        Instance,
        User,
        create_property,
        create_user,
        deploy,
        load_folder,
        open_notices,
        start_instance,
        store_version,
    )
    from engine.cases import history, workflows
    from engine.library import specs

    scratch = make_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
    upgrade(scratch)
    with make_session_factory(scratch)() as session, time_machine.travel(T0, tick=False):
        version = store_version(session, load_folder(packages_dir / "service_request")).version
        deploy(session, version, [create_property(session, "P001", "翠湖花园")])
        create_user(session, "fd1", "前台", "password1", roles={"P001": ["front_desk"]})
        running, ended = (start_instance(session, "P001", "service_request", {"resident": r, "room": "1-101"},
                                         user="fd1") for r in ("张三", "李四"))
        for case in (running, ended):
            history.record(session, case.id, AuditKind.NOTIFIED, data={"to": "front_desk", "message": f"回电{case.id}"})
        ended.status = ended.status.__class__("completed")
        session.commit()
        running_id, ended_id = running.id, ended.id
    upgrade(blank_engine, "0017")
    _copy_into_old_schema(scratch, blank_engine)
    scratch.dispose()
    workflows._cache.clear()
    specs._versions.clear()

    upgrade(blank_engine)
    with make_session_factory(blank_engine)() as session:
        fd1 = session.scalars(select(User).where(User.username == "fd1")).one()
        shown = open_notices(session, fd1, T0 - timedelta(days=1))
        assert [(n.instance_id, n.message) for n in shown] == [(running_id, f"回电{running_id}")]
        assert session.get(Instance, ended_id) is not None
    workflows._cache.clear()
    specs._versions.clear()
