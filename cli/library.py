"""Process library commands: validate, load, deploy, migrate running cases, roll back, demo."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from cli.app import fail, main, open_session
from engine import EngineError, PackageInvalid


@main.command()
@click.option("--processes", "processes_dir", default="processes", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def demo(ctx, processes_dir):
    """Create the demo properties, deploy every process under processes/ to them, add demo users and cases."""
    from cli.demo import DEMO_PASSWORD, seed, seed_people_and_cases

    if not processes_dir.is_dir():
        click.echo(f"error: no process library at {processes_dir}/ (run from the project folder)", err=True)
        raise SystemExit(1)
    with open_session(ctx) as session:
        try:
            loaded = seed(session, processes_dir)
            logins = seed_people_and_cases(session)
            session.commit()
        except EngineError as exc:
            session.rollback()
            fail(exc)
    for line in loaded:
        click.echo(f"deployed {line} to every property")
    if logins:
        click.echo(f"demo users (password '{DEMO_PASSWORD}', demo data only): " + ", ".join(logins))
    click.echo(f"demo ready: {len(loaded)} process(es)")


@main.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate(folders):
    """Validate process folders; print every problem with file and element id."""
    from engine import load_folder, validate_package

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
    from engine import load_folder, store_version

    with open_session(ctx) as session:
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
            fail(exc)


def _deploy(session, version, targets, by):
    from engine import Property, deploy, get_property

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
    with open_session(ctx) as session:
        try:
            _deploy(session, _version(session, process_key, number), targets, by)
            session.commit()
        except EngineError as exc:
            session.rollback()
            fail(exc)


def _version(session, process_key, number):
    from engine import ProcessVersion, get_process, latest_version

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

    from engine import Instance, InstanceStatus, Property, check_cases, migrate_cases

    with open_session(ctx) as session:
        try:
            version = _version(session, process_key, number)
        except EngineError as exc:
            fail(exc)
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
    from engine import get_property, roll_back

    with open_session(ctx) as session:
        try:
            for code in [c.strip() for c in property_codes.split(",") if c.strip()]:
                dep = roll_back(session, get_property(session, code), process_key, by=by)
                click.echo(f"{code}: {process_key} back to {dep.version.label}")
            session.commit()
        except EngineError as exc:
            session.rollback()
            fail(exc)
