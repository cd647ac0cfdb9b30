"""``notify(to, message)`` for diagrams: notices collected during a step and recorded on the case.

Scripts call ``notify("resident", "…")`` or ``notify("cs_supervisor", "…")``; the
call only collects the notice. When the step's engine run ends, each notice is
recorded as a ``notified`` audit event in the same transaction (delivery by SMS
or email reads them from there), so a rolled-back step sends nothing.
"""
from __future__ import annotations

from contextvars import ContextVar

_pending: ContextVar[list[dict]] = ContextVar("engine_notices")


def notify(to, message) -> None:
    """Collect one notice for ``to`` (a role id or 'resident') with a text ``message``."""
    try:
        pending = _pending.get()
    except LookupError:
        pending = []
        _pending.set(pending)
    pending.append({"to": str(to), "message": str(message)})


def drain() -> list[dict]:
    """The notices collected since the last drain (and forget them)."""
    try:
        pending = _pending.get()
    except LookupError:
        return []
    _pending.set([])
    return pending
