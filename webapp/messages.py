"""The engine's refusals in the user's language: each coded engine error has its message here.

The engine raises errors with an English message, a stable ``code`` and the message's
``params`` (``engine.exceptions.EngineError``); ``explain(exc)`` gives the message in
the request's language, and the English text for an error that has no code yet.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from engine import EngineError

from .display import file_kinds, role_label

MESSAGES = {
    "task_done": _l("“%(title)s” was already completed by %(actor)s."),
    "task_escalated": _l("“%(title)s” is closed: its deadline (%(deadline)s) passed and the case was escalated."),
    "task_moved_on": _l("“%(title)s” is no longer open: the case has moved on."),
    "case_moved_on": _l("This task of case %(case_no)s is no longer open."),
    "case_ended": _l("Case %(case_no)s has ended."),
    "case_changed": _l("Case %(case_no)s was changed by someone else at the same moment; reload and try again."),
    "wrong_role": _l("“%(title)s” is for the role %(role)s."),
    "excluded": _l("%(user)s may not handle “%(title)s”: the case names them (impartiality)."),
    "task_held": _l("“%(title)s” is held by %(user)s."),
    "task_changed": _l("“%(title)s” changed meanwhile; reload."),
    "comment_empty": _l("A comment cannot be empty."),
    "comment_long": _l("A comment holds at most %(limit)d characters (this one has %(length)d)."),
    "file_empty": _l("“%(name)s” is empty."),
    "file_large": _l("“%(name)s” is %(size)s; a file may be at most %(limit)s."),
    "no_property": _l("There is no property %(property)s."),
    "file_type": _l("“%(name)s” is not a photo or PDF of an allowed type (%(allowed)s)."),
}


def explain(exc: EngineError) -> str:
    """The error's message in the request's language (its English text if it has no code)."""
    template = MESSAGES.get(getattr(exc, "code", None) or "")
    if template is None:
        return str(exc)
    params = dict(exc.params)
    if "role" in params:
        params["role"] = role_label(params["role"])
    if "allowed" in params:  # a MIME list ('image/jpeg, …') read as people name the kinds of file
        params["allowed"] = file_kinds(params["allowed"])
    return str(template) % params  # the translated text, filled in
