"""User commands: add staff, give or take roles at properties, set a password."""
from __future__ import annotations

import click
from sqlalchemy import select

from cli.app import fail, main, open_session
from engine import EngineError, Property


@main.group()
def user():
    """Staff accounts and the roles they hold at each property."""


def _roles(values) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    for value in values:
        code, _, role = value.partition(":")
        if not code or not role:
            raise click.BadParameter(f"{value!r}: write PROPERTY:ROLE, e.g. P001:front_desk", param_hint="--role")
        roles.setdefault(code, []).append(role)
    return roles


@user.command("add")
@click.argument("username")
@click.argument("display_name")
@click.option("--role", "roles", multiple=True, help="PROPERTY:ROLE, repeatable (e.g. P001:front_desk)")
@click.option("--email", default=None, help="Where notices to this user are mailed")
@click.option("--hq", is_flag=True, help="Head office: sees every property")
@click.option("--owner", is_flag=True, help="Process owner: edits diagrams and deploys versions")
@click.option("--admin", is_flag=True, help="Operations page (queues, workers, incidents)")
@click.password_option(envvar="PFLOW_PASSWORD", help="Asked for when not given (or PFLOW_PASSWORD)")
@click.pass_context
def user_add(ctx, username, display_name, roles, email, hq, owner, admin, password):
    """Add a staff account."""
    from engine import create_user

    with open_session(ctx) as session:
        try:
            create_user(session, username, display_name, password, roles=_roles(roles), is_hq=hq,
                        is_process_owner=owner, is_admin=admin, email=email)
            session.commit()
        except EngineError as exc:
            session.rollback()
            fail(exc)
        held = ", ".join(roles) or "no roles"
        flags = [name for name, on in (("HQ", hq), ("process owner", owner), ("admin", admin)) if on]
        click.echo(f"user {username} ({display_name}) added: {held}" + (f"; {', '.join(flags)}" if flags else ""))


@user.command("grant")
@click.argument("username")
@click.argument("roles", nargs=-1, required=True)
@click.pass_context
def user_grant(ctx, username, roles):
    """Give roles (PROPERTY:ROLE ...) to a user."""
    _change(ctx, username, roles, grant=True)


@user.command("revoke")
@click.argument("username")
@click.argument("roles", nargs=-1, required=True)
@click.pass_context
def user_revoke(ctx, username, roles):
    """Take roles (PROPERTY:ROLE ...) from a user."""
    _change(ctx, username, roles, grant=False)


def _change(ctx, username, values, *, grant: bool):
    from engine import get_property, get_user, revoke
    from engine import grant as give

    with open_session(ctx) as session:
        try:
            account = get_user(session, username)
            for code, roles in _roles(values).items():
                prop = get_property(session, code)
                for role in roles:
                    (give if grant else revoke)(session, account, prop, role)
            session.commit()
        except EngineError as exc:
            session.rollback()
            fail(exc)
        codes = dict(session.execute(select(Property.id, Property.code)).all())
        held = ", ".join(sorted(f"{r.role}@{codes[r.property_id]}" for r in account.roles)) or "no roles"
        click.echo(f"{username}: {'granted' if grant else 'revoked'} {' '.join(values)}; now {held}")


@user.command("password")
@click.argument("username")
@click.password_option(envvar="PFLOW_PASSWORD", help="Asked for when not given (or PFLOW_PASSWORD)")
@click.pass_context
def user_password(ctx, username, password):
    """Set a user's password."""
    from engine import get_user, set_password

    with open_session(ctx) as session:
        try:
            set_password(get_user(session, username), password)
            session.commit()
        except EngineError as exc:
            session.rollback()
            fail(exc)
    click.echo(f"{username}: password changed")
