"""``notify(to, message)`` for diagrams: notices collected during a step and recorded on the case.

Scripts call ``notify("resident", "…")`` or ``notify("cs_supervisor", "…")``; the
call only collects the notice. When the step's engine run ends, each notice is
recorded as a ``notified`` audit event in the same transaction (delivery by SMS
or email reads them from there), so a rolled-back step sends nothing.
"""
from __future__ import annotations

from .steplocal import StepLocal

_pending = StepLocal("engine_notices")


def notify(to, message, sms=None, **values) -> None:
    """Collect one notice for ``to`` (a role id or 'resident') with a text ``message``; ``sms`` names the SMS
    template a resident's notice is sent with and ``values`` its variables (see ``engine.sms``)."""
    notice = {"to": str(to), "message": str(message)}
    if sms:
        notice["sms"] = {"template": str(sms), "values": {str(k): str(v) for k, v in values.items()}}
    _pending.add(notice)


def drain() -> list[dict]:
    """The notices collected since the last drain (and forget them)."""
    return _pending.take()
