"""What diagram scripts ask for during a step: notices (``notify``) and new cases (``start_case``).

Scripts run inside SpiffWorkflow, far from the session, so these helpers only
collect: each request goes into a context-local list (threads — web requests,
timer sweeps — never see each other's), and the step routine
(``engine.cases.step``) takes the lists when its engine run ends and acts on
them in the step's own transaction. A rolled-back step therefore sends and
opens nothing. ``reset`` is called by the step routine, and only there, when a
step begins.
"""
from __future__ import annotations

import json
from contextvars import ContextVar

from engine.exceptions import ScriptError


class StepLocal:
    """A context-local list: ``add`` during the step, ``take`` at its end, ``discard`` at a new step's start."""

    def __init__(self, name: str):
        self._items: ContextVar[list] = ContextVar(name)

    def add(self, item) -> None:
        try:
            items = self._items.get()
        except LookupError:
            items = []
            self._items.set(items)
        items.append(item)

    def take(self) -> list:
        """The items collected since the last take (and forget them)."""
        items = self._items.get([])
        self._items.set([])
        return items

    def discard(self) -> None:
        """Forget what an earlier, failed step may have left behind."""
        self._items.set([])


_notices = StepLocal("engine_notices")
_cases = StepLocal("engine_case_requests")


def notify(to, message, sms=None, **values) -> None:
    """Collect one notice for ``to`` (a role id, 'resident' or 'user:<name>') with a text ``message``; ``sms``
    names the SMS template a resident's notice is sent with and ``values`` its variables (``engine.messages.sms``)."""
    notice: dict = {"to": str(to), "message": str(message)}
    if sms:
        notice["sms"] = {"template": str(sms), "values": {str(k): str(v) for k, v in values.items()}}
    _notices.add(notice)


def start_case(process, data=None) -> None:
    """Request a new case of package ``process`` with start ``data`` (a JSON object), opened after this step."""
    if not isinstance(process, str) or not process:
        raise ScriptError("start_case needs a process key, e.g. start_case(\"repair\", {...})")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScriptError(f"start_case(\"{process}\", data): data must be a dict, not {type(data).__name__}")
    try:
        copy = json.loads(json.dumps(data))  # a snapshot, and proof that it can be stored
    except (TypeError, ValueError) as exc:
        raise ScriptError(f"start_case(\"{process}\", data): data must be JSON values: {exc}") from None
    _cases.add({"process": process, "data": copy})


def take_notices() -> list[dict]:
    """The notices collected since the last take (and forget them)."""
    return _notices.take()


def take_case_requests() -> list[dict]:
    """The case requests collected since the last take (and forget them)."""
    return _cases.take()


def reset() -> None:
    """Forget whatever an earlier, failed step collected (called when a step begins)."""
    _notices.discard()
    _cases.discard()
