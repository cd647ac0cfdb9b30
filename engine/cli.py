"""``pflow``: thin command-line wrappers over the engine services; each prints what it did."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from sqlalchemy import select

from .db import create_schema, make_engine, make_session_factory
from .exceptions import EngineError, FormInvalid, PackageInvalid


def _session(ctx):
    return ctx.obj["sessions"]()


def _after_commit(session):
    """With ``REDIS_URL`` set (production), hand the committed step's due times and mail to the RQ workers."""
    from .queue import connect
    from .queue.enqueue import after_commit
    from .settings import Settings

    url = Settings.from_env().redis_url
    after_commit(session, connect(url) if url else None)


def _fail(exc: EngineError):
    if isinstance(exc, PackageInvalid):
        for problem in exc.problems:
            click.echo(f"  ✗ {problem}", err=True)
        raise SystemExit(2)
    if isinstance(exc, FormInvalid):
        for error in exc.errors:
            click.echo(f"  ✗ {error.field or '(form)'}: {error.message}", err=True)
        raise SystemExit(2)
    click.echo(f"error: {exc}", err=True)
    raise SystemExit(1)


@click.group()
@click.option("--database-url", envvar="DATABASE_URL", default=None, help="Default: sqlite:///property-flow.db")
@click.pass_context
def main(ctx, database_url):
    """Property-service workflow engine (物业服务流程引擎)."""
    engine = make_engine(database_url)
    ctx.obj = {"engine": engine, "sessions": make_session_factory(engine)}


@main.command("init-db")
@click.pass_context
def init_db(ctx):
    """Create or upgrade the database schema (Alembic)."""
    create_schema(ctx.obj["engine"])
    click.echo(f"schema up to date on {ctx.obj['engine'].url.render_as_string(hide_password=True)}")


@main.command()
@click.option("--processes", "processes_dir", default="processes", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def demo(ctx, processes_dir):
    """Create the demo properties, deploy every process under processes/ to them, add demo users and cases."""
    from .demo import DEMO_PASSWORD, seed, seed_people_and_cases

    if not processes_dir.is_dir():
        click.echo(f"error: no process library at {processes_dir}/ (run from the project folder)", err=True)
        raise SystemExit(1)
    with _session(ctx) as session:
        try:
            loaded = seed(session, processes_dir)
            logins = seed_people_and_cases(session)
            session.commit()
        except EngineError as exc:
            session.rollback()
            _fail(exc)
    for line in loaded:
        click.echo(f"deployed {line} to every property")
    if logins:
        click.echo(f"demo users (password '{DEMO_PASSWORD}', demo data only): " + ", ".join(logins))
    click.echo(f"demo ready: {len(loaded)} process(es)")


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate(folders):
    """Validate process folders; print every problem with file and element id."""
    from .packages import load_folder
    from .validation import validate_package

    bad = 0
    for folder in folders:
        try:
            package = load_folder(folder)
            validate_package(package)
            click.echo(f"✓ {folder}: {package.key} ({package.name}), {len(package.files)} files")
        except PackageInvalid as exc:
            bad += 1
            click.echo(f"✗ {folder}: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                click.echo(f"  - {problem}")
    raise SystemExit(1 if bad else 0)


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--deploy", "deploy_to", default=None, help="'all' or comma-separated property codes")
@click.option("--author", default=None)
@click.option("--message", default=None)
@click.pass_context
def load(ctx, folders, deploy_to, author, message):
    """Store process folders as versions (no new version for unchanged files), optionally deploy them."""
    from .packages import load_folder
    from .processes import store_version

    with _session(ctx) as session:
        try:
            for folder in folders:
                result = store_version(session, load_folder(folder), author=author, message=message)
                state = "new" if result.created else "unchanged"
                click.echo(f"{result.version.label}: {state}")
                if deploy_to:
                    _deploy(session, result.version, deploy_to, author)
            session.commit()
        except EngineError as exc:
            session.rollback()
            _fail(exc)


def _deploy(session, version, targets, by):
    from .models import Property
    from .properties import deploy, get_property

    if targets == "all":
        props = session.scalars(select(Property).order_by(Property.code)).all()
    else:
        props = [get_property(session, code.strip()) for code in targets.split(",") if code.strip()]
    deploy(session, version, props, by=by)
    click.echo(f"  deployed {version.label} to {len(props)} propert{'y' if len(props) == 1 else 'ies'}: "
               + ", ".join(p.code for p in props))


@main.command()
@click.argument("process_key")
@click.option("--version", "number", type=int, default=None, help="Version number (default: latest)")
@click.option("--to", "targets", required=True, help="'all' or comma-separated property codes")
@click.option("--by", default=None)
@click.pass_context
def deploy(ctx, process_key, number, targets, by):
    """Deploy a stored version of a process to properties (all or nothing)."""
    with _session(ctx) as session:
        try:
            _deploy(session, _version(session, process_key, number), targets, by)
            session.commit()
        except EngineError as exc:
            session.rollback()
            _fail(exc)


def _version(session, process_key, number):
    from .models import ProcessVersion
    from .processes import get_process, latest_version

    if number is None:
        return latest_version(session, process_key)
    version = session.scalars(select(ProcessVersion).filter_by(
        process_id=get_process(session, process_key).id, number=number)).one_or_none()
    if version is None:
        raise EngineError(f"process '{process_key}' has no version {number}")
    return version


@main.command()
@click.argument("process_key")
@click.option("--to-version", "number", type=int, default=None, help="Target version (default: latest)")
@click.option("--case", "case_nos", multiple=True, help="Only these case numbers (repeatable); default: all")
@click.option("--property", "property_codes", default=None, help="Only cases at these properties (comma-separated)")
@click.option("--dry-run", is_flag=True, help="Only say which cases can move and why the others cannot")
@click.option("--by", default="cli")
@click.pass_context
def migrate(ctx, process_key, number, case_nos, property_codes, dry_run, by):
    """Move running cases to another version (timers, typed data and claims kept)."""
    from collections import Counter

    from .migration import check_cases, migrate_cases
    from .models import Instance, InstanceStatus, Property

    with _session(ctx) as session:
        try:
            version = _version(session, process_key, number)
        except EngineError as exc:
            _fail(exc)
        query = select(Instance.id).where(Instance.process_id == version.process_id,
                                          Instance.status == InstanceStatus.RUNNING,
                                          Instance.version_id != version.id).order_by(Instance.id)
        if case_nos:
            query = select(Instance.id).where(Instance.case_no.in_(case_nos)).order_by(Instance.id)
        if property_codes:
            query = query.join(Property, Property.id == Instance.property_id).where(
                Property.code.in_([c.strip() for c in property_codes.split(",")]))
        ids = list(session.scalars(query))
        if dry_run:
            checks = check_cases(session, version, ids)
            movable = [c for c in checks if c.can_move]
            click.echo(f"dry run: {len(movable)} of {len(checks)} case(s) can move to {version.label}")
            for check in checks:
                if not check.can_move:
                    click.echo(f"  ✗ {check.case_no} ({check.property_code}, v{check.from_version}): "
                               + "; ".join(check.reasons))
            return
        with click.progressbar(length=len(ids), label=f"moving to {version.label}", file=sys.stderr) as bar:
            report = migrate_cases(session, version, ids, user=by, on_progress=bar.update)
    click.echo(f"moved {len(report.moved)} case(s) to {version.label}; {len(report.refused)} could not move")
    for reason, count in Counter(r for check in report.refused for r in check.reasons).most_common(10):
        click.echo(f"  ✗ {count} × {reason}")


@main.command()
@click.argument("process_key")
@click.option("--property", "property_codes", required=True, help="Comma-separated property codes")
@click.option("--by", default="cli")
@click.pass_context
def rollback(ctx, process_key, property_codes, by):
    """Make properties run the version of a process they ran before (running cases keep theirs)."""
    from .properties import get_property, roll_back

    with _session(ctx) as session:
        try:
            for code in [c.strip() for c in property_codes.split(",") if c.strip()]:
                dep = roll_back(session, get_property(session, code), process_key, by=by)
                click.echo(f"{code}: {process_key} back to {dep.version.label}")
            session.commit()
        except EngineError as exc:
            session.rollback()
            _fail(exc)


@main.group()
def property():  # noqa: A001 - the command is called 'property'
    """Properties (物业项目) and their parameters."""


@property.command("add")
@click.argument("code")
@click.argument("name")
@click.pass_context
def property_add(ctx, code, name):
    """Add a property."""
    from .properties import create_property

    with _session(ctx) as session:
        prop = create_property(session, code, name)
        session.commit()
        click.echo(f"property {prop.code} {prop.name} added")


@property.command("set")
@click.argument("code")
@click.argument("name")
@click.argument("value")
@click.option("--process", "process_key", default="", help="Only for this process")
@click.pass_context
def property_set(ctx, code, name, value, process_key):
    """Set a parameter (VALUE is JSON, or a plain string)."""
    from .properties import get_property, set_parameter

    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    with _session(ctx) as session:
        try:
            set_parameter(session, get_property(session, code), name, parsed, process_key)
            session.commit()
        except EngineError as exc:
            _fail(exc)
        click.echo(f"{code}: {name} = {parsed!r}" + (f" (process {process_key})" if process_key else ""))


@main.command()
@click.argument("property_code")
@click.argument("process_key")
@click.option("--data", default="{}", help="Start data as JSON")
@click.option("--user", default="cli")
@click.pass_context
def start(ctx, property_code, process_key, data, user):
    """Start a case at a property."""
    from .instances import start_instance

    with _session(ctx) as session:
        try:
            case = start_instance(session, property_code, process_key, json.loads(data), user=user)
            session.commit()
            _after_commit(session)
        except EngineError as exc:
            session.rollback()
            _fail(exc)
        click.echo(f"started {case.case_no} (instance {case.id}): {case.current_step or case.status.value}")


@main.command()
@click.argument("task_id")
@click.option("--data", default="{}", help="Form data as JSON")
@click.option("--user", default="cli")
@click.pass_context
def complete(ctx, task_id, data, user):
    """Complete an open user task."""
    from .instances import complete_task

    with _session(ctx) as session:
        try:
            case = complete_task(session, task_id, json.loads(data), user=user)
            session.commit()
            _after_commit(session)
        except EngineError as exc:
            session.rollback()
            _fail(exc)
        click.echo(f"{case.case_no}: {case.status.value}, now at {case.current_step or '-'}")


@main.command()
@click.option("--property", "property_code", default=None)
@click.option("--status", default=None)
@click.option("--limit", default=50)
@click.pass_context
def instances(ctx, property_code, status, limit):
    """List cases (newest first) from the projection columns."""
    from .models import Instance, Property

    with _session(ctx) as session:
        query = select(Instance, Property.code).join(Property).order_by(Instance.id.desc()).limit(limit)
        if property_code:
            query = query.where(Property.code == property_code)
        if status:
            query = query.where(Instance.status == status)
        rows = session.execute(query).all()
        for inst, code in rows:
            due = inst.next_timer_due.isoformat(timespec="minutes") if inst.next_timer_due else "-"
            click.echo(f"{inst.case_no:22} {code:8} {inst.status.value:9} next timer {due:22} "
                       f"{inst.current_step or ''}")
        click.echo(f"{len(rows)} case(s)")


@main.command()
@click.option("--property", "property_code", default=None)
@click.option("--lane", default=None)
@click.option("--limit", default=50)
@click.pass_context
def tasks(ctx, property_code, lane, limit):
    """List open human tasks by due time, from the projection table."""
    from .models import HumanTask, Property

    with _session(ctx) as session:
        query = select(HumanTask, Property.code).join(Property, Property.id == HumanTask.property_id)
        if property_code:
            query = query.where(Property.code == property_code)
        if lane:
            query = query.where(HumanTask.lane == lane)
        rows = session.execute(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at).limit(limit)).all()
        for task, code in rows:
            due = task.due_at.isoformat(timespec="minutes") if task.due_at else "-"
            click.echo(f"{task.id}  {code:8} {task.case_no:22} {task.lane or '-':14} due {due:22} {task.title}")
        click.echo(f"{len(rows)} open task(s)")


@main.command()
@click.pass_context
def health(ctx):
    """Check the database and (with REDIS_URL) Redis; exit 1 if either fails (container healthchecks)."""
    from .ops import check_health
    from .queue import connect
    from .settings import Settings

    url = Settings.from_env().redis_url
    with _session(ctx) as session:
        result = check_health(session, connect(url) if url else None)
    click.echo(f"database: {result.database}\nredis: {result.redis}")
    sys.exit(0 if result.ok else 1)


@main.group()
def timers():
    """Durable timers."""


@timers.command("fire")
@click.pass_context
def timers_fire(ctx):
    """Fire every timer due now, once."""
    from .timers import fire_due_timers

    with _session(ctx) as session:
        report = fire_due_timers(session, datetime.now(timezone.utc), worker="cli")
        _after_commit(session)
    click.echo(f"fired {report.fired} timer(s) on {report.instances} case(s); "
               f"{len(report.failed)} failed {report.failed or ''}; {report.skipped} skipped (locked elsewhere)")
    sys.exit(1 if report.failed else 0)


@main.command("schedules")
@click.pass_context
def schedules_cmd(ctx):
    """Start the instances of scheduled processes whose period has begun (daily rounds, monthly plans)."""
    from .schedules import start_due_schedules

    with _session(ctx) as session:
        started = start_due_schedules(session, datetime.now(timezone.utc))
        _after_commit(session)
    for instance in started:
        click.echo(f"started {instance.case_no} (instance {instance.id})")
    click.echo(f"{len(started)} scheduled case(s) started")


@timers.command("run")
@click.option("--interval", default=5.0, help="Seconds between sweeps")
@click.pass_context
def timers_run(ctx, interval):
    """Run the in-process timer loop until interrupted (the embedded default's scheduler)."""
    from .timerloop import TimerLoop

    loop = TimerLoop(ctx.obj["sessions"], interval=interval, on_report=lambda r: r.fired and click.echo(
        f"{datetime.now(timezone.utc):%H:%M:%S} fired {r.fired} timer(s) on {r.instances} case(s)"))
    click.echo(f"timer loop every {interval}s; Ctrl-C to stop")
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
