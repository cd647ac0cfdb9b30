"""``pflow``: thin command-line wrappers over the engine services; each prints what it did.

A caller of the engine, beside the web app and the worker. The commands live in one
module per concern: ``library`` (validate, load, deploy, migrate, roll back, demo),
``properties``, ``users``, ``cases`` (start, complete, list) and ``operations``
(schema, timers, schedules, health); ``app`` holds the group and what they share;
``demo`` the demo data.
"""
from cli import cases, figures, library, operations, properties, users  # noqa: F401 - registers the commands
from cli.app import main

__all__ = ["main"]
