"""Case commands: start, complete a task, list cases and open tasks."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from cli.app import after_commit, fail, main, open_session
from engine import EngineError


@main.command()
@click.argument("property_code")
@click.argument("process_key")
@click.option("--data", default="{}", help="Start data as JSON")
@click.option("--user", default="cli")
@click.pass_context
def start(ctx, property_code, process_key, data, user):
    """Start a case at a property."""
    from engine import start_instance

    with open_session(ctx) as session:
        try:
            case = start_instance(session, property_code, process_key, json.loads(data), user=user)
            session.commit()
            after_commit(ctx, session)
        except EngineError as exc:
            session.rollback()
            fail(exc)
        click.echo(f"started {case.case_no} (instance {case.id}): {case.current_step or case.status.value}")


@main.command()
@click.argument("task_id")
@click.option("--data", default="{}", help="Form data as JSON")
@click.option("--user", default="cli")
@click.pass_context
def complete(ctx, task_id, data, user):
    """Complete an open user task."""
    from engine import complete_task

    with open_session(ctx) as session:
        try:
            case = complete_task(session, task_id, json.loads(data), user=user)
            session.commit()
            after_commit(ctx, session)
        except EngineError as exc:
            session.rollback()
            fail(exc)
        click.echo(f"{case.case_no}: {case.status.value}, now at {case.current_step or '-'}")


@main.command()
@click.argument("case_no")
@click.option("--reason", required=True, help="Why the case is cancelled (kept on its timeline)")
@click.option("--user", default="cli")
@click.pass_context
def cancel(ctx, case_no, reason, user):
    """Cancel a running case: its open tasks and timers go away."""
    from engine import Instance, NotFound, cancel_instance

    with open_session(ctx) as session:
        try:
            case = session.scalars(select(Instance).where(Instance.case_no == case_no)).one_or_none()
            if case is None:
                raise NotFound(f"no case {case_no}")
            cancel_instance(session, case.id, user=user, reason=reason)
            session.commit()
            after_commit(ctx, session)
        except EngineError as exc:
            session.rollback()
            fail(exc)
        click.echo(f"{case.case_no}: cancelled ({reason})")


@main.command()
@click.option("--property", "property_code", default=None)
@click.option("--status", default=None)
@click.option("--limit", default=50)
@click.pass_context
def instances(ctx, property_code, status, limit):
    """List cases (newest first) from the projection columns."""
    from engine import Instance, Property

    with open_session(ctx) as session:
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
    from engine import HumanTask, Property

    with open_session(ctx) as session:
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
