"""Property commands: add a property, set its parameters."""
from __future__ import annotations

import json

import click

from cli.app import fail, main, open_session
from engine import EngineError


@main.group()
def property():  # noqa: A001 - the command is called 'property'
    """Properties (物业项目) and their parameters."""


@property.command("add")
@click.argument("code")
@click.argument("name")
@click.pass_context
def property_add(ctx, code, name):
    """Add a property."""
    from engine import create_property

    with open_session(ctx) as session:
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
    from engine import get_property, set_parameter

    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    with open_session(ctx) as session:
        try:
            set_parameter(session, get_property(session, code), name, parsed, process_key)
            session.commit()
        except EngineError as exc:
            fail(exc)
        click.echo(f"{code}: {name} = {parsed!r}" + (f" (process {process_key})" if process_key else ""))
