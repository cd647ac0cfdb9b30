"""Domain exceptions. The engine raises these; callers map them to HTTP, exit codes or logs."""
from __future__ import annotations

from dataclasses import dataclass


class EngineError(Exception):
    """Base class of every error the engine raises on purpose.

    The message is English, for logs and the CLI. Errors people meet in the web app
    also carry a stable ``code`` and the ``params`` of their message, so the web layer
    can say the same thing in the user's language.
    """

    def __init__(self, message: str = "", *, code: str | None = None, **params):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a process package: where it is and what is wrong."""

    file: str
    element_id: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f"#{self.element_id}" if self.element_id else "")
        return f"{where}: {self.message}"


class PackageInvalid(EngineError):
    """A process package failed validation; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid process package")


@dataclass(frozen=True)
class FieldError:
    """A form field that failed validation (path is a JSON pointer-ish dotted path, '' for the form)."""

    field: str
    message: str


class FormInvalid(EngineError):
    """Submitted task data does not satisfy the task's JSON Schema; nothing was saved."""

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field or '(form)'}: {e.message}" for e in self.errors))


class NotFound(EngineError):
    """A record (process, version, property, instance, task) does not exist."""


class Conflict(EngineError):
    """The record changed under the caller (task already completed, instance moved on)."""


class NotAllowed(EngineError):
    """The operation is not allowed in the record's current state."""


class LinkedCaseFailed(NotAllowed):
    """A case a diagram asked to open (``start_case``) could not start, so the step that asked is refused."""


class ScriptError(EngineError):
    """A diagram script or expression was refused or failed in the restricted environment."""
