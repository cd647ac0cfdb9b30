"""What diagram scripts ask for during a step (notices, cases to open), collected until the step ends.

Scripts run inside SpiffWorkflow, far from the session; a helper such as ``notify``
only adds to a ``StepLocal``, and the engine takes the collected items when the
step's run ends and acts on them in the step's transaction. Context-local, so
threads (web requests, timer sweeps) never see each other's items.
"""
from __future__ import annotations

from contextvars import ContextVar


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
