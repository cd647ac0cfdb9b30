"""The restricted script environment: diagram scripts and expressions under RestrictedPython.

SpiffWorkflow's stock environment is plain ``exec``/``eval`` with full builtins.
Here every script, condition, timer expression and DMN entry is compiled with
``compile_restricted_*`` and run with RestrictedPython's guards: no imports, no
``open``, no names or attributes starting with ``_`` (so no ``__class__``,
``__globals__`` or ``__subclasses__``), no ``eval``/``exec``/``type``. Business
scripts keep arithmetic, containers, comprehensions, f-strings and the usual
builtins. Compiled code is cached, since conditions run on every step.
"""
from __future__ import annotations

import builtins
from collections.abc import Callable

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.caching import LockedLRU
from engine.exceptions import ScriptError

_EXTRA_BUILTINS = ("min", "max", "sum", "enumerate", "all", "any", "dict", "list", "set", "frozenset",
                   "reversed", "map", "filter", "iter", "next")
BUILTINS = dict(safe_builtins)
BUILTINS.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})

_INPLACE = {"+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
            "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
            "**=": lambda a, b: a ** b}


def _inplacevar(op, x, y):
    if op not in _INPLACE:
        raise ScriptError(f"operator {op} is not allowed in scripts")
    return _INPLACE[op](x, y)


GUARDS = {
    "__builtins__": BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
}

_compiled: LockedLRU[tuple[str, str], object] = LockedLRU(4096)  # (mode, source) -> code object


def _compile(source: str, mode: str):
    def build():
        compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compiler(source.strip() if mode == "eval" else source)
        if result.errors:
            raise ScriptError("; ".join(result.errors))
        return result.code
    return _compiled.get_or_make((mode, source), build)


def check_restricted(source: str, mode: str) -> str | None:
    """None if ``source`` compiles in restricted ``mode`` ('exec' or 'eval'), else the error text."""
    try:
        _compile(source, mode)
        return None
    except ScriptError as exc:
        return str(exc)
    except SyntaxError as exc:
        return f"syntax error: {exc.msg} (line {exc.lineno})"


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data script environment that compiles and runs everything under RestrictedPython."""

    def __init__(self, helpers: dict[str, Callable] | None = None):
        super().__init__(dict(helpers or {}))

    def evaluate(self, expression, context, external_context=None):
        namespace = dict(GUARDS)
        namespace.update(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        return eval(_compile(expression, "eval"), namespace)  # noqa: S307 - restricted code object

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = _compile(script, "exec")
        injected = dict(GUARDS)
        injected.update(self.globals)
        injected.update(external_context or {})
        context.update(injected)
        try:
            exec(code, context)  # noqa: S102 - restricted code object
        finally:
            for key in list(context):
                if key in injected or key.startswith("_") or callable(context[key]):
                    context.pop(key)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptError("service tasks are not configured in this environment")


def make_script_engine(helpers: dict[str, Callable] | None = None) -> PythonScriptEngine:
    """A SpiffWorkflow script engine running in the restricted environment with ``helpers`` as globals."""
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers))
