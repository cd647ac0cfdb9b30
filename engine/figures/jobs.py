"""The periodic figures job for production's ``rq cron`` (and the embedded timer loop)."""
from __future__ import annotations

from . import rollup


def sync_figures() -> int:
    """Bring the KPI roll-ups up to the newest audit event (idempotent; see ``rollup.sync``); commits."""
    from ..queue.jobs import runtime

    with runtime().sessions() as session:
        cases = rollup.sync(session)
        session.commit()
    return cases
